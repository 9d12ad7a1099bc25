#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "crisiskit/core/error.hpp"

using namespace crisiskit;

TEST_CASE("InvalidInput names field, index and value") {
  try {
    throw_invalid("scores", 3, std::nan(""), "must not be NaN");
    FAIL("no throw");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "scores");
    CHECK(e.index() == 3);
    CHECK(e.value() == "nan");
    CHECK(std::string(e.what()) == "invalid scores[3] = nan: must not be NaN");
  }
  try {
    throw_invalid("id", InvalidInput::no_index, std::string("a b"), "bad");
  } catch (const std::invalid_argument& e) {  // catchable as the standard type
    CHECK(std::string(e.what()) == "invalid id = 'a b': bad");
  }
}

TEST_CASE("long values are shortened in messages") {
  const std::string big(500, 'x');
  try {
    throw_invalid("id", 0, big, "too long");
  } catch (const InvalidInput& e) {
    CHECK(std::string(e.what()).size() < 200);
    CHECK(std::string(e.what()).find("500 bytes") != std::string::npos);
  }
}

TEST_CASE("shortened values stay valid UTF-8") {
  std::string zh;
  for (int i = 0; i < 40; ++i) zh += "社区";  // 3-byte characters: byte 80 falls inside one
  try {
    throw_invalid("id", 0, zh, "too long");
  } catch (const InvalidInput& e) {
    const std::string v = e.value();
    const std::size_t body = v.find("…");
    REQUIRE(body != std::string::npos);
    CHECK((body - 1) % 3 == 0);  // after the opening quote, whole characters only
  }
}

TEST_CASE("CRISISKIT_CHECK throws only when false") {
  CHECK_NOTHROW(CRISISKIT_CHECK(1 + 1 == 2, "x", 0, 2, "ok"));
  CHECK_THROWS_AS(CRISISKIT_CHECK(1 + 1 == 3, "x", 0, 2, "bad"), InvalidInput);
}

TEST_CASE("domain errors derive from Error") {
  CHECK_THROWS_AS(throw StateError("x"), Error);
  CHECK_THROWS_AS(throw StateError("x"), std::runtime_error);
}
