#include <doctest/doctest.h>

#include <cmath>

#include "crisiskit/risk/hawkes.hpp"

using namespace crisiskit;
using namespace crisiskit::risk;

namespace {
// Ring of n places, each linked to both neighbours with weight 1: Q column-stochastic.
CsrMatrix ring(int n) {
  CsrMatrix q;
  q.rows = n;
  q.ptr.assign(1, 0);
  for (int i = 0; i < n; ++i) {
    const int a = (i + n - 1) % n, b = (i + 1) % n;
    q.col.push_back(std::min(a, b)), q.val.push_back(0.5f);
    q.col.push_back(std::max(a, b)), q.val.push_back(0.5f);
    q.ptr.push_back(static_cast<std::int64_t>(q.col.size()));
  }
  return q;
}

HawkesModel truth(int n) {
  HawkesModel m;
  m.mu.resize(n);
  for (int i = 0; i < n; ++i) m.mu[i] = (1.0 + 0.5 * (i % 3)) / 86400.0;  // 1–2 per day
  for (int h = 0; h < hours_per_week; ++h) m.seasonal[h] = 1.0 + 0.5 * std::sin(2 * M_PI * (h % 24) / 24.0);
  double mean = 0;
  for (double s : m.seasonal) mean += s / hours_per_week;
  for (double& s : m.seasonal) s /= mean;
  m.kernels = {{1.0 / 3600, 0.3, 0.15}, {1.0 / 86400, 0.15, 0.0}};
  return m;
}
}  // namespace

TEST_CASE("hour_of_week: Monday 00:00 local is 0") {
  // 2024-01-01 was a Monday.
  const Timestamp monday = to_timestamp({2024, 1, 1, 0, 0, 0});
  CHECK(hour_of_week(monday, 0) == 0);
  CHECK(hour_of_week(monday + hours(167), 0) == 167);
  CHECK(hour_of_week(monday + hours(168), 0) == 0);
  CHECK(hour_of_week(monday - 1, 0) == 167);
  CHECK(hour_of_week(monday, 8 * 60) == 8);            // UTC+8: 08:00 Monday
  CHECK(hour_of_week(monday, -5 * 60) == 167 - 4);     // UTC−5: Sunday 19:00
}

TEST_CASE("fit_hawkes recovers the parameters of simulated data") {
  const int n = 12;
  const auto Q = ring(n);
  const std::vector<char> has_out(n, 1);
  const HawkesModel m = truth(n);
  const Timestamp start = to_timestamp({2024, 1, 1, 0, 0, 0}), end = start + days(400);
  const auto sim = simulate_hawkes(m, Q, EventView{}, start, end, 7);
  REQUIRE(sim.first.size() > 5000);
  HawkesFitOptions opt;
  opt.timescales = {1800.0, 86400.0 * 2};
  opt.mu_prior = 0;
  const HawkesModel f = fit_hawkes(n, Q, has_out, EventView{sim.first, sim.second}, start, end, opt);
  CHECK(f.converged);
  CHECK(f.kernels[0].beta == doctest::Approx(m.kernels[0].beta).epsilon(0.15));
  CHECK(f.kernels[0].alpha_self == doctest::Approx(0.3).epsilon(0.15));
  CHECK(f.kernels[0].alpha_neighbour == doctest::Approx(0.15).epsilon(0.2));
  // The slow kernel's self/neighbour split is weakly identified; its total is not.
  CHECK(f.kernels[1].alpha_self + f.kernels[1].alpha_neighbour == doctest::Approx(0.15).epsilon(0.25));
  double mu_t = 0, mu_f = 0;
  for (int i = 0; i < n; ++i) mu_t += m.mu[i], mu_f += f.mu[i];
  CHECK(mu_f == doctest::Approx(mu_t).epsilon(0.1));
  // Seasonal profile: peak hour matches.
  CHECK(f.seasonal[6] > f.seasonal[18] * 1.8);
  // Round trip through bytes.
  CHECK(HawkesModel::from_bytes(f.to_bytes()) == f);
}

TEST_CASE("forecast_hawkes matches Monte Carlo expectations") {
  const int n = 6;
  const auto Q = ring(n);
  HawkesModel m = truth(n);
  m.kernels = {{1.0 / 3600, 0.35, 0.2}, {1.0 / 43200, 0.1, 0.05}};
  const Timestamp start = to_timestamp({2024, 3, 1, 0, 0, 0}), at = start + days(10) + 1234;
  const auto hist = simulate_hawkes(m, Q, EventView{}, start, at, 11);
  // Charges at `at` from the history.
  std::vector<double> c0(n * 2, 0.0);
  for (std::size_t e = 0; e < hist.first.size(); ++e)
    for (int q = 0; q < 2; ++q) c0[hist.first[e] * 2 + q] += std::exp(-m.kernels[q].beta * double(at - hist.second[e]));
  const Duration H = hours(72);
  const auto f = forecast_hawkes(m, Q, c0, at, H);
  const int runs = 4000;
  std::vector<double> mean(n, 0.0), any(n, 0.0);
  for (int r = 0; r < runs; ++r) {
    const auto fut = simulate_hawkes(m, Q, EventView{hist.first, hist.second}, at + 1, at + 1 + H, 1000 + r);
    std::vector<int> cnt(n, 0);
    for (auto p : fut.first) ++cnt[p];
    for (int i = 0; i < n; ++i) mean[i] += cnt[i] / double(runs), any[i] += (cnt[i] > 0) / double(runs);
  }
  for (int i = 0; i < n; ++i) {
    INFO("place " << i);
    CHECK(f.expected[i] == doctest::Approx(mean[i]).epsilon(0.03));
    CHECK(f.p_any[i] == doctest::Approx(any[i]).epsilon(0.03));
  }
}

TEST_CASE("HawkesModel validation and corrupt bytes") {
  HawkesModel m = truth(3);
  m.mu[1] = -1;
  CHECK_THROWS_AS(m.validate(3), InvalidInput);
  m = truth(3);
  CHECK_THROWS_AS(m.validate(4), InvalidInput);
  auto b = m.to_bytes();
  CHECK_THROWS_AS(HawkesModel::from_bytes(b.substr(0, b.size() - 3)), InvalidInput);
  CHECK_THROWS_AS(HawkesModel::from_bytes("nonsense"), InvalidInput);
}
