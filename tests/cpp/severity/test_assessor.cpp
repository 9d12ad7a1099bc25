#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "crisiskit/severity/assessor.hpp"

using namespace crisiskit;
using namespace crisiskit::severity;

namespace {

// Four indicators, easy to compute by hand (see the first test case).
SeverityConfig hand_config(Aggregation within = Aggregation::arithmetic(), Aggregation overall = Aggregation::geometric(1),
                           std::array<double, 3> dw = {1, 1, 1}) {
  std::vector<IndicatorSpec> ind = {
      {"a", Dimension::SCOPE, Domain::NON_NEGATIVE, {TransformKind::LOG, 0, 99}, 1, "", ""},
      {"b", Dimension::HARM, Domain::NON_NEGATIVE, {TransformKind::LINEAR, 0, 10}, 1, "", ""},
      {"c", Dimension::HARM, Domain::NON_NEGATIVE, {TransformKind::LINEAR, 0, 10}, 3, "", ""},
      {"t", Dimension::TREND, Domain::REAL, {TransformKind::LINEAR, 0, 1}, 1, "", ""},
  };
  return SeverityConfig(ind, dw, {within, within, within}, overall, default_severity_policy());
}

double rnd_value(const IndicatorSpec& s, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  switch (s.domain) {
    case Domain::SHARE: return u(rng);
    case Domain::REAL: return -0.5 + 2.0 * u(rng);
    default: return s.transform.hi * std::pow(u(rng), 3) * 1.3;
  }
}

}  // namespace

TEST_CASE("hand-computed assessment: transforms, arithmetic within, shifted geometric overall") {
  SeverityAssessor a(hand_config());
  auto r = a.assess({{"a", 9}, {"b", 4}, {"c", 8}, {"t", 0.25}});
  CHECK(r.scores[0] == doctest::Approx(5.0));  // 10·ln(10)/ln(100)
  CHECK(r.scope() == doctest::Approx(5.0));
  CHECK(r.harm() == doctest::Approx(7.0));  // (1·4 + 3·8) / 4
  CHECK(r.trend() == doctest::Approx(2.5));
  const double O = std::cbrt(6.0 * 8.0 * 3.5) - 1;  // 4.5178
  CHECK(r.overall == doctest::Approx(O));
  CHECK(r.level == AlertLevel::ATTENTION);  // 3.5 ≤ O < 5
  CHECK(r.missing().empty());
  CHECK(r.overall_lo == doctest::Approx(O));
  CHECK(r.overall_hi == doctest::Approx(O));

  SeverityAssessor p(hand_config(Aggregation::power(2)));
  CHECK(p.assess({{"b", 4}, {"c", 8}}).harm() == doctest::Approx(std::sqrt((16.0 + 3 * 64) / 4)));
  SeverityAssessor m(hand_config(Aggregation::max()));
  CHECK(m.assess({{"b", 4}, {"c", 8}}).harm() == doctest::Approx(8.0));
  SeverityAssessor g(hand_config(Aggregation::geometric(0)));
  CHECK(g.assess({{"b", 4}, {"c", 8}}).harm() == doctest::Approx(std::pow(4.0 * 512.0, 0.25)));
}

TEST_CASE("missing indicators: excluded, listed, and bounded by 0 and 10") {
  SeverityAssessor a(hand_config());
  auto r = a.assess({{"a", 9}, {"b", 4}, {"t", 0.25}});
  REQUIRE(r.missing() == std::vector<std::size_t>{2});
  CHECK(r.harm() == doctest::Approx(4.0));             // c left out, not counted as 0
  CHECK(r.dimension_lo[1] == doctest::Approx(1.0));    // (4 + 3·0) / 4
  CHECK(r.dimension_hi[1] == doctest::Approx(8.5));    // (4 + 3·10) / 4
  CHECK(r.overall_lo == doctest::Approx(std::cbrt(6.0 * 2.0 * 3.5) - 1));
  CHECK(r.overall_hi == doctest::Approx(std::cbrt(6.0 * 9.5 * 3.5) - 1));
  CHECK(r.level_lo <= r.level);
  CHECK(r.level <= r.level_hi);
  // A whole dimension unknown: NaN, and the overall uses the others.
  auto r2 = a.assess({{"a", 9}, {"b", 4}, {"c", 8}});
  CHECK(std::isnan(r2.trend()));
  CHECK(r2.overall == doctest::Approx(std::sqrt(6.0 * 8.0) - 1));
  CHECK(r2.overall_lo == doctest::Approx(std::cbrt(6.0 * 8.0 * 1.0) - 1));
  CHECK(r2.overall_hi == doctest::Approx(std::cbrt(6.0 * 8.0 * 11.0) - 1));
  // Nothing known at all.
  auto r3 = a.assess({});
  CHECK(std::isnan(r3.overall));
  CHECK(r3.level == AlertLevel::NONE);
  CHECK(r3.overall_lo == 0);
  CHECK(r3.overall_hi == doctest::Approx(10.0));
}

TEST_CASE("geometric-mean and weighting identities") {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(0, 1);
  for (int it = 0; it < 200; ++it) {
    const std::array<double, 3> w = {u(rng) + 0.01, u(rng) + 0.01, u(rng) + 0.01};
    const double shift = it % 2 ? 0.0 : 1.0;
    SeverityAssessor a(hand_config(Aggregation::arithmetic(), Aggregation::geometric(shift), w));
    SeverityAssessor a7(hand_config(Aggregation::arithmetic(), Aggregation::geometric(shift), {7 * w[0], 7 * w[1], 7 * w[2]}));
    const double av = 99 * u(rng), bv = 10 * u(rng), cv = 10 * u(rng), tv = u(rng);
    auto r = a.assess({{"a", av}, {"b", bv}, {"c", cv}, {"t", tv}});
    const double W = w[0] + w[1] + w[2];
    double expect = 1;
    for (int d = 0; d < 3; ++d) expect *= std::pow(r.dimension[d] + shift, w[d] / W);
    CHECK(r.overall == doctest::Approx(expect - shift).epsilon(1e-12));
    CHECK(a7.assess({{"a", av}, {"b", bv}, {"c", cv}, {"t", tv}}).overall == doctest::Approx(r.overall).epsilon(1e-12));
    // Equal dimensions: every mean returns that value.
    const double v = 10 * u(rng);
    for (auto agg : {Aggregation::geometric(shift), Aggregation::arithmetic(), Aggregation::power(3), Aggregation::max()}) {
      SeverityAssessor e(hand_config(Aggregation::arithmetic(), agg, w));
      auto re = e.assess({{"a", std::expm1(v / 10 * std::log(100.0))}, {"b", v}, {"c", v}, {"t", v / 10}});
      CHECK(re.overall == doctest::Approx(v).epsilon(1e-9));
    }
  }
  // All weight on one dimension: the overall is that dimension.
  SeverityAssessor one(hand_config(Aggregation::arithmetic(), Aggregation::geometric(1), {0, 1, 0}));
  auto r = one.assess({{"a", 50}, {"b", 2}, {"c", 3}, {"t", 0.9}});
  CHECK(r.overall == doctest::Approx(r.harm()));
  // Geometric mean ≤ arithmetic mean (AM–GM), power(4) ≥ arithmetic, max ≥ power.
  SeverityAssessor ga(hand_config(Aggregation::arithmetic(), Aggregation::geometric(0)));
  SeverityAssessor aa(hand_config(Aggregation::arithmetic(), Aggregation::arithmetic()));
  SeverityAssessor pa(hand_config(Aggregation::arithmetic(), Aggregation::power(4)));
  SeverityAssessor ma(hand_config(Aggregation::arithmetic(), Aggregation::max()));
  const Indicators x = {{"a", 20}, {"b", 1}, {"c", 9}, {"t", 0.1}};
  CHECK(ga.assess(x).overall <= aa.assess(x).overall);
  CHECK(aa.assess(x).overall <= pa.assess(x).overall);
  CHECK(pa.assess(x).overall <= ma.assess(x).overall);
}

TEST_CASE("monotonicity: more of any indicator never lowers a dimension or the overall (property test)") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<Aggregation> methods = {Aggregation::power(4), Aggregation::arithmetic(), Aggregation::geometric(1),
                                            Aggregation::geometric(0), Aggregation::max(), Aggregation::power(1.5)};
  int checked = 0;
  for (const auto& within : methods)
    for (const auto& overall : methods) {
      SeverityConfig base;
      SeverityAssessor a(SeverityConfig(base.indicators(), {1, 2, 0.5}, {within, within, within}, overall,
                                        base.policy()));
      const auto& spec = a.config().indicators();
      for (int it = 0; it < 60; ++it) {
        std::vector<double> v(spec.size());
        for (std::size_t i = 0; i < v.size(); ++i)
          v[i] = u(rng) < 0.2 ? std::nan("") : rnd_value(spec[i], rng);
        const auto r0 = a.assess_values(v);
        CHECK(r0.overall_lo <= r0.overall_hi + 1e-12);
        if (!std::isnan(r0.overall)) {
          CHECK(r0.overall >= r0.overall_lo - 1e-9);
          CHECK(r0.overall <= r0.overall_hi + 1e-9);
        }
        const std::size_t i = static_cast<std::size_t>(u(rng) * v.size()) % v.size();
        if (std::isnan(v[i])) continue;
        auto w = v;
        w[i] = spec[i].domain == Domain::SHARE ? v[i] + (1 - v[i]) * u(rng) : v[i] + std::abs(v[i] + 1) * 3 * u(rng);
        const auto r1 = a.assess_values(w);
        for (int d = 0; d < 3; ++d)
          if (!std::isnan(r0.dimension[d])) CHECK(r1.dimension[d] >= r0.dimension[d] - 1e-12);
        CHECK(r1.overall >= r0.overall - 1e-12);
        CHECK(r1.level >= r0.level);
        ++checked;
      }
    }
  CHECK(checked > 1000);
}

TEST_CASE("explain: contributions sum to the dimension and to the overall score") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto within : {Aggregation::power(4), Aggregation::arithmetic(), Aggregation::geometric(1), Aggregation::max()})
    for (auto overall : {Aggregation::geometric(1), Aggregation::arithmetic(), Aggregation::power(2), Aggregation::max()}) {
      SeverityConfig base;
      SeverityAssessor a(SeverityConfig(base.indicators(), {1, 1, 1}, {within, within, within}, overall, base.policy()));
      for (int it = 0; it < 20; ++it) {
        std::vector<double> v(a.config().size());
        for (std::size_t i = 0; i < v.size(); ++i)
          v[i] = u(rng) < 0.3 ? std::nan("") : rnd_value(a.config().indicators()[i], rng);
        const auto r = a.assess_values(v);
        const auto ex = a.explain(r);
        std::array<double, 3> dim{};
        double total = 0;
        for (const auto& c : ex) {
          CHECK(!std::isnan(v[c.indicator]));
          CHECK(c.to_dimension >= 0);
          dim[static_cast<int>(c.dimension)] += c.to_dimension;
          total += c.to_overall;
        }
        for (int d = 0; d < 3; ++d)
          if (!std::isnan(r.dimension[d])) CHECK(dim[d] == doctest::Approx(r.dimension[d]).epsilon(1e-9));
        if (!std::isnan(r.overall)) CHECK(total == doctest::Approx(r.overall).epsilon(1e-9));
      }
    }
}

TEST_CASE("sensitivity: hand-computed level boundaries") {
  SeverityAssessor a(hand_config());
  auto r = a.assess({{"a", 9}, {"b", 4}, {"c", 8}, {"t", 0.25}});
  REQUIRE(r.level == AlertLevel::ATTENTION);
  const auto s = a.sensitivity(r);
  REQUIRE(s.size() == 4);
  // a: up needs (1 + A)·8·3.5 ≥ 6³, down needs (1 + A)·8·3.5 < 4.5³ (A = 10·ln(1+a)/ln 100).
  const double A_up = 216.0 / 28.0 - 1, A_down = 91.125 / 28.0 - 1;
  REQUIRE(s[0].up_value);
  CHECK(*s[0].up_value == doctest::Approx(std::pow(100.0, A_up / 10) - 1).epsilon(1e-9));
  CHECK(s[0].up_level == AlertLevel::WARNING);
  REQUIRE(s[0].down_value);
  CHECK(*s[0].down_value == doctest::Approx(std::pow(100.0, A_down / 10) - 1).epsilon(1e-9));
  CHECK(s[0].down_level == AlertLevel::GENERAL);
  // b and c cannot raise the level alone (harm would need 9.29, beyond their caps).
  CHECK_FALSE(s[1].up_value);
  CHECK_FALSE(s[2].up_value);
  // The values found really sit on the boundary.
  CHECK(a.assess({{"a", *s[0].up_value}, {"b", 4}, {"c", 8}, {"t", 0.25}}).level == AlertLevel::WARNING);
  CHECK(a.assess({{"a", *s[0].up_value * (1 - 1e-6)}, {"b", 4}, {"c", 8}, {"t", 0.25}}).level == AlertLevel::ATTENTION);
}

TEST_CASE("assess_batch equals assess row by row, and names the first bad cell") {
  SeverityAssessor a;
  const auto& spec = a.config().indicators();
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> u(0, 1);
  const std::size_t n = 40000;
  std::vector<std::vector<double>> cols(spec.size(), std::vector<double>(n));
  for (std::size_t k = 0; k < spec.size(); ++k)
    for (std::size_t r = 0; r < n; ++r) cols[k][r] = u(rng) < 0.15 ? std::nan("") : rnd_value(spec[k], rng);
  std::vector<const double*> ptr;
  for (auto& c : cols) ptr.push_back(c.data());
  ptr[3] = nullptr;  // a column not supplied at all
  std::vector<double> scope(n), harm(n), trend(n), overall(n), lo(n), hi(n);
  std::vector<std::int8_t> level(n);
  std::vector<std::int32_t> miss(n);
  BatchOutput out;
  out.scope = scope.data(), out.harm = harm.data(), out.trend = trend.data(), out.overall = overall.data();
  out.overall_lo = lo.data(), out.overall_hi = hi.data(), out.level = level.data(), out.n_missing = miss.data();
  a.assess_batch(n, ptr, out);
  for (std::size_t r = 0; r < n; r += 97) {
    std::vector<double> v(spec.size());
    for (std::size_t k = 0; k < spec.size(); ++k) v[k] = ptr[k] ? cols[k][r] : std::nan("");
    const auto x = a.assess_values(v);
    auto same = [](double p, double q) { return (std::isnan(p) && std::isnan(q)) || p == doctest::Approx(q).epsilon(1e-12); };
    CHECK(same(scope[r], x.scope()));
    CHECK(same(harm[r], x.harm()));
    CHECK(same(trend[r], x.trend()));
    CHECK(same(overall[r], x.overall));
    CHECK(same(lo[r], x.overall_lo));
    CHECK(same(hi[r], x.overall_hi));
    CHECK(level[r] == to_int(x.level));
    CHECK(miss[r] == static_cast<std::int32_t>(x.missing().size()));
  }
  cols[9][31000] = -2;   // deaths
  cols[13][30999] = 1.5;  // power_outage_share, an earlier row
  try {
    a.assess_batch(n, ptr, out);
    FAIL("expected InvalidInput");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "power_outage_share");
    CHECK(e.index() == 30999);
    CHECK(e.value() == "1.5");
  }
}

TEST_CASE("every SIMD path gives the generic path's results, for every aggregation method") {
  const std::vector<std::pair<Aggregation, Aggregation>> methods = {
      {Aggregation::power(4), Aggregation::geometric(1)},  // the defaults
      {Aggregation::arithmetic(), Aggregation::arithmetic()},
      {Aggregation::geometric(0), Aggregation::geometric(0)},
      {Aggregation::max(), Aggregation::max()},
      {Aggregation::power(3), Aggregation::power(2)},
      {Aggregation::power(1), Aggregation::power(2.5)},
  };
  std::vector<simd::Path> paths = {simd::Path::GENERIC, simd::Path::AVX2, simd::Path::AVX512};
  const std::size_t n = 5003;  // not a multiple of any vector width
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> u(0, 1);
  for (const auto& [within, overall] : methods) {
    SeverityConfig base;
    SeverityAssessor a(SeverityConfig(base.indicators(), {1, 2, 0.5}, {within, within, within}, overall, base.policy()));
    const auto& spec = a.config().indicators();
    std::vector<std::vector<double>> cols(spec.size(), std::vector<double>(n));
    for (std::size_t k = 0; k < spec.size(); ++k)
      for (std::size_t r = 0; r < n; ++r) cols[k][r] = u(rng) < 0.3 ? std::nan("") : rnd_value(spec[k], rng);
    for (std::size_t r = 0; r < 50; ++r)
      for (auto& c : cols) c[r] = std::nan("");  // rows with nothing present
    std::vector<const double*> ptr;
    for (auto& c : cols) ptr.push_back(c.data());
    std::vector<std::vector<double>> res;
    for (simd::Path path : paths) {
      if (static_cast<int>(path) > static_cast<int>(simd::supported_simd())) {
        CHECK_THROWS_AS(a.assess_batch(n, ptr, BatchOutput{}, path), InvalidInput);
        continue;
      }
      std::vector<double> v(6 * n);
      BatchOutput out;
      out.scope = &v[0], out.harm = &v[n], out.trend = &v[2 * n];
      out.overall = &v[3 * n], out.overall_lo = &v[4 * n], out.overall_hi = &v[5 * n];
      a.assess_batch(n, ptr, out, path);
      res.push_back(std::move(v));
    }
    for (std::size_t p = 1; p < res.size(); ++p) {
      CAPTURE(p);
      CAPTURE(static_cast<int>(within.method));
      for (std::size_t i = 0; i < res[0].size(); ++i) {
        const double g = res[0][i], x = res[p][i];
        if (std::isnan(g) || std::isnan(x)) {
          CHECK(std::isnan(g) == std::isnan(x));
        } else {
          CHECK(std::fabs(g - x) <= 1e-12 * std::max(1.0, std::fabs(g)));
        }
      }
    }
  }
}

TEST_CASE("bad input names the indicator and value") {
  SeverityAssessor a;
  auto field_of = [&](const Indicators& x) {
    try {
      a.assess(x);
    } catch (const InvalidInput& e) {
      return e.field() + "=" + e.value();
    }
    return std::string("no error");
  };
  CHECK(field_of({{"deaths", -1}}) == "deaths=-1");
  CHECK(field_of({{"deaths", std::nan("")}}) == "deaths=nan");
  CHECK(field_of({{"power_outage_share", 1.2}}) == "power_outage_share=1.2");
  CHECK(field_of({{"death", 3}}) == "indicator='death'");
  CHECK(field_of({{"deaths", 3}, {"deaths", 4}}) == "deaths=4");
  CHECK(field_of({{"population_growth", -0.5}}) == "no error");  // shrinking is allowed
  CHECK_THROWS_AS(SeverityConfig(default_indicators(), {0, 0, 0}, {}, Aggregation::arithmetic(), default_severity_policy()),
                  InvalidInput);
  auto bad = default_indicators();
  bad[1].name = bad[0].name;
  CHECK_THROWS_WITH_AS(SeverityConfig(bad, {1, 1, 1}, {}, Aggregation::arithmetic(), default_severity_policy()),
                       doctest::Contains("duplicate"), InvalidInput);
}

TEST_CASE("configuration round-trips through bytes; corrupted bytes are refused") {
  SeverityConfig c(default_indicators(), {1, 2, 3}, {Aggregation::max(), Aggregation::power(3), Aggregation::geometric(0.5)},
                   Aggregation::arithmetic(), default_severity_policy());
  const auto b = c.to_bytes();
  CHECK(SeverityConfig::from_bytes(b) == c);
  CHECK(SeverityConfig::from_bytes(SeverityConfig{}.to_bytes()) == SeverityConfig{});
  CHECK_THROWS_AS(SeverityConfig::from_bytes(b.substr(0, b.size() - 3)), InvalidInput);
  CHECK_THROWS_AS(SeverityConfig::from_bytes("nonsense"), InvalidInput);
  for (std::size_t cut = 0; cut < b.size(); cut += 7) CHECK_THROWS_AS(SeverityConfig::from_bytes(b.substr(0, cut)), InvalidInput);
}
