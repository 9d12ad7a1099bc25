#include <doctest/doctest.h>

#include "crisiskit/severity/national.hpp"

using namespace crisiskit;
using namespace crisiskit::severity;

namespace {
std::string grade_of(const GradingTable& t, const Indicators& x) { return national_grade(t, x).name; }
}  // namespace

TEST_CASE("production-safety table: every boundary, 以上 includes and 以下 excludes the number") {
  const auto t = production_safety_table();
  struct B {
    const char* ind;
    double at;       // a threshold of the regulation
    const char* below_grade;  // one below
    const char* at_grade;     // exactly at (以上 includes it)
  };
  const double eps_money = 1;  // one yuan
  const B cases[] = {
      {"deaths", 3, "一般", "较大"},          {"deaths", 10, "较大", "重大"},
      {"deaths", 30, "重大", "特别重大"},      {"serious_injuries", 10, "一般", "较大"},
      {"serious_injuries", 50, "较大", "重大"}, {"serious_injuries", 100, "重大", "特别重大"},
      {"economic_loss_cny", 1e7, "一般", "较大"}, {"economic_loss_cny", 5e7, "较大", "重大"},
      {"economic_loss_cny", 1e8, "重大", "特别重大"},
  };
  for (const auto& c : cases) {
    const double one = std::string(c.ind) == "economic_loss_cny" ? eps_money : 1;
    auto with = [&](double v) {
      Indicators x = {{"deaths", 0}, {"serious_injuries", 0}, {"economic_loss_cny", 0}};
      for (auto& p : x)
        if (p.first == c.ind) p.second = v;
      return grade_of(t, x);
    };
    CAPTURE(c.ind);
    CAPTURE(c.at);
    CHECK(with(c.at - one) == c.below_grade);
    CHECK(with(c.at) == c.at_grade);
    CHECK(with(c.at + one) == c.at_grade);
  }
  CHECK(grade_of(t, {{"deaths", 0}, {"serious_injuries", 0}, {"economic_loss_cny", 0}}) == "一般");
}

TEST_CASE("any-of: the most severe criterion decides; levels and numerals") {
  const auto t = production_safety_table();
  auto g = national_grade(t, {{"deaths", 2}, {"serious_injuries", 60}, {"economic_loss_cny", 2e7}});
  CHECK(g.name == "重大");
  CHECK(g.roman == "Ⅱ");
  CHECK(g.level == AlertLevel::WARNING);
  CHECK(g.reasons == std::vector<std::string>{"50人以上100人以下重伤"});
  CHECK(g.missing.empty());
  CHECK(g.could_be == -1);
  auto top = national_grade(t, {{"deaths", 31}, {"serious_injuries", 0}, {"economic_loss_cny", 2e8}});
  CHECK(top.level == AlertLevel::EMERGENCY);
  CHECK(top.reasons.size() == 2);
}

TEST_CASE("missing indicators are a lower bound, not zero") {
  const auto t = production_safety_table();
  auto g = national_grade(t, {{"deaths", 4}});
  CHECK(g.name == "较大");
  CHECK(g.missing == std::vector<std::string>{"economic_loss_cny", "serious_injuries"});
  CHECK(g.could_be == 0);  // 特别重大 is still possible through the missing indicators
  auto none = national_grade(t, {});
  CHECK(none.grade == -1);
  CHECK(none.level == AlertLevel::NONE);
  CHECK(none.could_be == 0);
}

TEST_CASE("bad input and user tables") {
  const auto t = production_safety_table();
  CHECK_THROWS_WITH_AS(national_grade(t, {{"death", 3}}), doctest::Contains("death"), InvalidInput);
  CHECK_THROWS_AS(national_grade(t, {{"deaths", -1}}), InvalidInput);
  CHECK_THROWS_AS(national_grade(t, {{"deaths", std::nan("")}}), InvalidInput);
  CHECK_THROWS_AS(national_grade(t, {{"deaths", 1}, {"deaths", 2}}), InvalidInput);
  // A user flood table with 超过 / 不超过 wording.
  Criterion c1{"deaths", {}, 10.0, {}, {}, "死亡超过10人"};
  Criterion c2{"deaths", {}, {}, {}, 10.0, "死亡不超过10人"};
  GradingTable flood("flood", "local", {{"重大", "", "Ⅱ", AlertLevel::WARNING, {c1}}, {"一般", "", "Ⅳ", AlertLevel::GENERAL, {c2}}});
  CHECK(national_grade(flood, {{"deaths", 10}}).name == "一般");
  CHECK(national_grade(flood, {{"deaths", 11}}).name == "重大");
  CHECK(GradingTable::from_bytes(flood.to_bytes()) == flood);
  CHECK(GradingTable::from_bytes(t.to_bytes()) == t);
  const auto b = t.to_bytes();
  for (std::size_t cut = 0; cut < b.size(); cut += 11) CHECK_THROWS_AS(GradingTable::from_bytes(b.substr(0, cut)), InvalidInput);
  Criterion inverted{"deaths", 5.0, {}, 3.0, {}, ""};
  CHECK_THROWS_AS(GradingTable("x", "", {{"a", "", "", AlertLevel::GENERAL, {inverted}}}), InvalidInput);
  Criterion unbounded{"deaths", {}, {}, {}, {}, ""};
  CHECK_THROWS_AS(GradingTable("x", "", {{"a", "", "", AlertLevel::GENERAL, {unbounded}}}), InvalidInput);
}
