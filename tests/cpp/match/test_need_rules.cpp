#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "crisiskit/match/need_rules.hpp"

using namespace crisiskit;
using namespace crisiskit::match;

TEST_CASE("need_rules: a hand-worked place under the default (Sphere) rules") {
  // 10,000 people, 1,000 vulnerable; 40 % affected, a quarter of those
  // displaced; 30 % without water; 37 trapped.
  const std::vector<double> pop{10000}, vul{1000}, aff{0.4}, disp{0.25}, water{0.3}, power{0.5}, trapped{37};
  const DerivedNeeds d = derive_needs({pop, vul, aff, disp, water, power, trapped}, NeedRule::defaults());
  // water 3000 people · 15 L · 3 days; food 1000 displaced · 3 rations;
  // tents 1000 / 5; kits 4000 / 1000; boats ⌈37 / 8⌉; rescue ⌈37 / 50⌉.
  REQUIRE(d.quantity == std::vector<std::int64_t>{135000, 3000, 200, 4, 5, 1});
  CHECK(d.rule == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5});
  CHECK(d.people == std::vector<double>{3000, 1000, 1000, 4000, 37, 37});
  for (double f : d.weight_factor) CHECK(f == doctest::Approx(1.1));
}

TEST_CASE("need_rules: exact products do not round up; zero-quantity rows are dropped") {
  // 0.07 · 100 is 7.000000000000001 in floating point: still 7 people.
  const std::vector<double> pop{100, 500, 0}, aff{0.07, 0, 0};
  const std::vector<NeedRule> rules{{"kit", NeedBasis::AFFECTED, 1, 0, 3600, "test"},
                                    {"food", NeedBasis::DISPLACED, 1, 3, 7200, "test"}};
  const DerivedNeeds d = derive_needs({pop, {}, aff, {}, {}, {}, {}}, rules);
  // Only place 0 has anyone affected, and nobody is displaced.
  REQUIRE(d.place == std::vector<std::int32_t>{0});
  CHECK(d.quantity == std::vector<std::int64_t>{7});
  CHECK(d.weight_factor == std::vector<double>{1.0});
}

TEST_CASE("need_rules: random places against a direct evaluation of the formulas") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<NeedRule> rules = NeedRule::defaults();
  rules.push_back({"generator", NeedBasis::WITHOUT_POWER, 0.002, 0, 3600, "test"});
  rules.push_back({"care", NeedBasis::VULNERABLE, 0.5, 2, 3600, "test"});
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 1 + static_cast<int>(u(rng) * 30);
    std::vector<double> pop(n), vul(n), aff(n), disp(n), water(n), power(n), trapped(n);
    for (int i = 0; i < n; ++i) {
      pop[i] = std::floor(u(rng) * 20000);
      vul[i] = std::floor(u(rng) * pop[i]);
      aff[i] = u(rng) < 0.2 ? 0 : u(rng);
      disp[i] = u(rng), water[i] = u(rng) < 0.5 ? 0 : u(rng), power[i] = u(rng);
      trapped[i] = std::floor(u(rng) * std::min(pop[i], 300.0));
    }
    const double gamma = 2 * u(rng);
    const DerivedNeeds d = derive_needs({pop, vul, aff, disp, water, power, trapped}, rules, gamma);
    std::size_t k = 0;
    for (int i = 0; i < n; ++i) {
      const double basis[6] = {aff[i] * pop[i], disp[i] * aff[i] * pop[i], water[i] * pop[i],
                               power[i] * pop[i], trapped[i], aff[i] * vul[i]};
      for (std::size_t r = 0; r < rules.size(); ++r) {
        const double want = std::ceil(basis[static_cast<int>(rules[r].basis)] * rules[r].rate *
                                      std::max(rules[r].days, 1.0) - 1e-9);
        if (want < 1) continue;
        REQUIRE(k < d.place.size());
        CHECK(d.place[k] == i);
        CHECK(d.rule[k] == static_cast<std::int32_t>(r));
        CHECK(d.quantity[k] == static_cast<std::int64_t>(want));
        CHECK(d.weight_factor[k] == doctest::Approx(1 + gamma * vul[i] / std::max(pop[i], 1.0)));
        ++k;
      }
    }
    CHECK(k == d.place.size());
  }
}

TEST_CASE("need_rules: bad input names the field, row and value") {
  const std::vector<double> pop{100, 200}, aff{0.5, 1.5};
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const InvalidInput& e) {
      return std::string(e.what());
    }
    return std::string("no throw");
  };
  const std::string m1 = message([&] { derive_needs({pop, {}, aff, {}, {}, {}, {}}, NeedRule::defaults()); });
  CHECK(m1.find("places.affected_share") != std::string::npos);
  CHECK(m1.find("[1]") != std::string::npos);
  CHECK(m1.find("1.5") != std::string::npos);
  const std::vector<double> ok{0.5, 0.5}, vul{10, 300};
  CHECK_THROWS_AS(derive_needs({pop, vul, ok, {}, {}, {}, {}}, NeedRule::defaults()), InvalidInput);
  const std::vector<double> nan_pop{100, std::nan("")};
  CHECK_THROWS_AS(derive_needs({nan_pop, {}, ok, {}, {}, {}, {}}, NeedRule::defaults()), InvalidInput);
  const std::vector<double> short_trapped{1};
  CHECK_THROWS_AS(derive_needs({pop, {}, ok, {}, {}, {}, short_trapped}, NeedRule::defaults()), InvalidInput);
  std::vector<NeedRule> rules = NeedRule::defaults();
  rules[2].rate = -1;
  const std::string m2 = message([&] { derive_needs({pop, {}, ok, {}, {}, {}, {}}, rules); });
  CHECK(m2.find("rules.rate") != std::string::npos);
  CHECK_THROWS_AS(derive_needs({pop, {}, ok, {}, {}, {}, {}}, NeedRule::defaults(), -1.0), InvalidInput);
}
