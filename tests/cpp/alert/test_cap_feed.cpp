#include <doctest/doctest.h>

#include "crisiskit/alert/cap_feed.hpp"

using namespace crisiskit;

TEST_CASE("one CAP message per transition: Alert, Update, Cancel, chained by references") {
  AlertBoard b;
  std::vector<std::string> id{"社区A"};
  const Timestamp t0 = 1'780'000'000;
  b.update(id, std::vector<double>{60}, t0);                 // NONE → ATTENTION
  b.update(id, std::vector<double>{92}, t0 + hours(1));      // → EMERGENCY
  for (int h = 2; h <= 40; ++h) b.update(id, std::vector<double>{0}, t0 + hours(h));  // → NONE
  REQUIRE(b.transitions().back().to == AlertLevel::NONE);
  CapFeedOptions o;
  o.sender = "ops@city.example";
  o.offset_minutes = 480;
  CapArea area;
  area.area_desc = "Community A";
  area.circles.push_back({{30.25, 120.17}, 1.5});
  o.areas["社区A"] = area;
  const auto msgs = cap_messages(b, o);
  REQUIRE(msgs.size() == b.transitions().size());
  CHECK(msgs.front().msg_type == "Alert");
  CHECK(msgs.front().references.empty());
  CHECK(msgs[1].msg_type == "Update");
  REQUIRE(msgs[1].references.size() == 1);
  CHECK(msgs[1].references[0] == cap_reference(msgs[0]));
  CHECK(msgs.back().msg_type == "Cancel");
  CHECK(msgs.back().infos[0].response_types[0] == "AllClear");
  CHECK(msgs[1].infos[0].severity == "Extreme");
  CHECK(msgs[1].infos[0].urgency == "Immediate");
  CHECK(msgs[0].infos[0].areas[0].area_desc == "Community A");
  CHECK(msgs[0].infos[0].areas[0].circles.size() == 1);
  CHECK(msgs[0].infos[0].instruction.find("专项研判") != std::string::npos);
  CHECK(msgs[0].infos[0].instruction.find("+08:00") != std::string::npos);
  for (const auto& m : msgs) CHECK(from_cap(to_cap(m)) == m);
  CHECK(to_cap(msgs[0]).find("<sent>2026-05-29T04:26:40+08:00</sent>") != std::string::npos);
  CHECK_THROWS_AS(cap_message(b, 99, o), InvalidInput);
  o.sender = "has space";
  CHECK_THROWS_AS(cap_message(b, 0, o), InvalidInput);
}
