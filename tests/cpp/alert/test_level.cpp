#include <doctest/doctest.h>

#include "crisiskit/alert/level.hpp"

using namespace crisiskit;

TEST_CASE("levels, names and numbers") {
  CHECK(to_int(AlertLevel::EMERGENCY) == 4);
  CHECK(to_string(AlertLevel::ATTENTION) == "ATTENTION");
  CHECK(name_zh(AlertLevel::WARNING) == "预警");
  CHECK(alert_level_from_int(2) == AlertLevel::ATTENTION);
  CHECK_THROWS_AS(alert_level_from_int(5), InvalidInput);
  CHECK_THROWS_AS(alert_level_from_int(-1), InvalidInput);
  CHECK(alert_level_from_name("warning") == AlertLevel::WARNING);
  CHECK(alert_level_from_name("紧急") == AlertLevel::EMERGENCY);
  CHECK_THROWS_AS(alert_level_from_name("severe"), InvalidInput);
}

TEST_CASE("national scale: level k is grade 5-k, red highest") {
  CHECK(national_grade(AlertLevel::EMERGENCY) == 1);
  CHECK(national_grade(AlertLevel::GENERAL) == 4);
  CHECK(national_grade(AlertLevel::NONE) == 0);
  CHECK(warning_color(AlertLevel::EMERGENCY) == WarningColor::RED);
  CHECK(warning_color(AlertLevel::WARNING) == WarningColor::ORANGE);
  CHECK(warning_color(AlertLevel::ATTENTION) == WarningColor::YELLOW);
  CHECK(warning_color(AlertLevel::GENERAL) == WarningColor::BLUE);
  CHECK(color_zh(WarningColor::RED) == "红色");
  CHECK(national_grade_roman(AlertLevel::WARNING) == "Ⅱ");
}

TEST_CASE("CAP codes rise with the level") {
  CHECK(cap_codes(AlertLevel::EMERGENCY).severity == "Extreme");
  CHECK(cap_codes(AlertLevel::EMERGENCY).urgency == "Immediate");
  CHECK(cap_codes(AlertLevel::GENERAL).severity == "Minor");
  CHECK(cap_codes(AlertLevel::NONE).response_type == "AllClear");
  CHECK(cap_codes(AlertLevel::WARNING).response_type == "Prepare");
}
