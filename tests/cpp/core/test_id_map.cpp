#include <doctest/doctest.h>

#include <string>

#include "crisiskit/core/id_map.hpp"

using namespace crisiskit;

TEST_CASE("IdMap assigns dense indices in insertion order") {
  IdMap m;
  CHECK(m.insert("b") == 0);
  CHECK(m.insert("a") == 1);
  CHECK(m.insert("b") == 0);
  CHECK(m.size() == 2);
  CHECK(m.id(1) == "a");
  CHECK(m.at("a") == 1);
  CHECK(!m.find("zz").has_value());
  CHECK_THROWS_WITH_AS(m.at("zz", "subject"), "invalid subject = 'zz': unknown id", InvalidInput);
  CHECK_THROWS_AS(m.id(2), InvalidInput);
  CHECK_THROWS_AS(m.insert(""), InvalidInput);
  CHECK_THROWS_AS(m.insert(std::string("a\nb")), InvalidInput);
  CHECK_THROWS_AS(m.insert(std::string(2000, 'x')), InvalidInput);
  CHECK(m.size() == 2);  // rejected ids are not added
  CHECK(m.insert("社区-7") == 2);  // UTF-8 is fine
}

TEST_CASE("IdMap copies own their keys") {
  IdMap a;
  for (int i = 0; i < 1000; ++i) a.insert("id" + std::to_string(i));
  IdMap b = a;
  a = IdMap();  // destroy the original storage
  CHECK(b.at("id999") == 999);
  IdMap c = std::move(b);
  CHECK(c.at("id5") == 5);
  CHECK(c.insert("new") == 1000);
  IdMap d;
  d = c;
  CHECK(d == c);
  CHECK(d.at("new") == 1000);
}
