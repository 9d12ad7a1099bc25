#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>

#include "crisiskit/risk/risk_map.hpp"

using namespace crisiskit;
using namespace crisiskit::risk;

namespace {
struct Table {
  std::vector<std::string> ids, kinds, parents;
  std::vector<double> lon, lat, pop, vul;
  std::vector<std::string_view> idv, kv, pv;
  PlaceColumns cols() {
    idv.assign(ids.begin(), ids.end());
    kv.assign(kinds.begin(), kinds.end());
    pv.assign(parents.begin(), parents.end());
    return {idv, kv, lon, lat, pop, vul, pv};
  }
};

Table grid(int n) {
  Table t;
  for (int i = 0; i < n; ++i) {
    t.ids.push_back("p" + std::to_string(i));
    t.kinds.push_back(i == 0 ? "nursing_home" : "community");
    t.parents.push_back("");
    t.lon.push_back(120.0 + 0.01 * (i % 5));
    t.lat.push_back(30.0 + 0.01 * (i / 5));
    t.pop.push_back(1000);
    t.vul.push_back(100.0 * (i % 3));
  }
  return t;
}

const Timestamp T0 = 1700000000;

void add(RiskMap& m, Index place, Timestamp t, const char* kind, double x, double c) {
  const std::vector<Index> p{place};
  const std::vector<Timestamp> tm{t};
  const std::vector<std::uint16_t> k{m.kind_code(kind)};
  const std::vector<double> xi{x}, ci{c};
  m.add_signals(p, tm, k, xi, ci);
}
}  // namespace

TEST_CASE("score of one place by hand") {
  Table t;
  t.ids = {"a"};
  RiskMap m(t.cols());
  add(m, 0, T0, "incident", 2.0, 0.5);
  // weight 3, half-life 24 h: after 24 h 3 · 0.5 · 2 · 0.5 = 1.5 pressure units.
  const auto d = m.score_detail(T0 + hours(24));
  CHECK(d.local[0] == doctest::Approx(1.5).epsilon(1e-12));
  CHECK(d.score[0] == doctest::Approx(100 * (1 - std::exp(-0.15))).epsilon(1e-12));
  CHECK(m.scores(T0 - 1)[0] == 0.0);  // future signals do not count
}

TEST_CASE("exposure follows place kind and vulnerable share") {
  auto t = grid(3);
  RiskMap m(t.cols());
  CHECK(m.exposure()[0] == doctest::Approx(2.0));        // nursing home, no vulnerable
  CHECK(m.exposure()[1] == doctest::Approx(1.1));        // 100 of 1000 vulnerable
  CHECK(m.exposure()[2] == doctest::Approx(1.2));
}

TEST_CASE("propagation equals a dense linear solve; explanations are exact") {
  std::mt19937_64 rng(3);
  for (int norm = 0; norm < 2; ++norm) {
    auto t = grid(25);
    RiskConfig cfg;
    cfg.alpha = norm == 0 ? 0.6 : 0.2;
    cfg.normalization = norm == 0 ? Normalization::RECEIVER : Normalization::NONE;
    RiskMap m(t.cols(), cfg);
    std::vector<Index> s, d;
    std::vector<double> w;
    std::uniform_int_distribution<int> pick(0, 24);
    std::uniform_real_distribution<double> U(0.1, 1.0);
    for (int k = 0; k < 60; ++k) {
      int a = pick(rng), b = pick(rng);
      if (a == b) continue;
      s.push_back(a), d.push_back(b), w.push_back(norm == 0 ? U(rng) : 0.3 * U(rng));
    }
    m.add_links(s, d, w, "road", true);
    for (int k = 0; k < 200; ++k)
      add(m, pick(rng), T0 + k * 600, k % 2 ? "assistance" : "petition", U(rng) * 3, U(rng));
    const Timestamp at = T0 + days(2);
    const auto det = m.score_detail(at);
    // Dense oracle from the arcs with float-rounded operator entries.
    const int N = 25;
    Eigen::MatrixXd P = Eigen::MatrixXd::Zero(N, N);
    const auto& op = m.propagation_matrix();
    for (int i = 0; i < N; ++i)
      for (auto k = op.ptr[i]; k < op.ptr[i + 1]; ++k) P(i, op.col[k]) += op.val[k];
    // Entries follow the documented normalisation.
    Eigen::MatrixXd W = Eigen::MatrixXd::Zero(N, N);
    for (const auto& a : m.arcs()) W(a.dst, a.src) += a.weight;
    for (int i = 0; i < N; ++i) {
      const double in = W.row(i).sum();
      for (int j = 0; j < N; ++j)
        if (W(i, j) > 0) CHECK(P(i, j) == doctest::Approx(norm == 0 ? W(i, j) / in : W(i, j)).epsilon(1e-6));
    }
    Eigen::VectorXd l = Eigen::Map<const Eigen::VectorXd>(det.local.data(), N);
    Eigen::VectorXd r = (Eigen::MatrixXd::Identity(N, N) - cfg.alpha * P).partialPivLu().solve(l);
    for (int i = 0; i < N; ++i) CHECK(det.raw[i] == doctest::Approx(r[i]).epsilon(1e-10));
    for (int i = 0; i < N; i += 4) {
      const auto ex = m.explain(i, at, 5, 3);
      double kinds = 0, places = 0;
      for (const auto& k : ex.by_kind) kinds += k.points;
      for (const auto& p : ex.by_place) places += p.points;
      CHECK(std::abs(kinds - ex.score) <= 1e-12 * ex.score);
      CHECK(std::abs(places - ex.score) <= 1e-12 * ex.score);
      CHECK(std::abs(ex.score - det.score[i]) <= 1e-9 * det.score[i]);
      CHECK(ex.by_place.size() <= 4);
      CHECK(ex.top_signals.size() == 5);
      for (std::size_t k = 1; k < ex.top_signals.size(); ++k) CHECK(ex.top_signals[k - 1].raw >= ex.top_signals[k].raw);
    }
  }
}

TEST_CASE("bad input names field and row, and changes nothing") {
  auto t = grid(4);
  t.ids[2] = "p1";
  CHECK_THROWS_WITH_AS(RiskMap(t.cols()), doctest::Contains("duplicate place id"), InvalidInput);
  t = grid(4);
  t.parents[1] = "nowhere";
  CHECK_THROWS_WITH_AS(RiskMap(t.cols()), doctest::Contains("parent[1]"), InvalidInput);
  t = grid(4);
  t.parents[0] = "p1", t.parents[1] = "p2", t.parents[2] = "p0";
  CHECK_THROWS_WITH_AS(RiskMap(t.cols()), doctest::Contains("cycle"), InvalidInput);
  t = grid(4);
  t.vul[3] = 5000;
  CHECK_THROWS_WITH_AS(RiskMap(t.cols()), doctest::Contains("vulnerable[3]"), InvalidInput);
  t = grid(4);
  t.lat[2] = 91;
  CHECK_THROWS_WITH_AS(RiskMap(t.cols()), doctest::Contains("lat[2]"), InvalidInput);

  t = grid(4);
  RiskMap m(t.cols());
  add(m, 1, T0, "incident", 1, 1);
  const std::vector<Index> p{0, 1, 2};
  const std::vector<Timestamp> tm{T0, T0, T0};
  const std::vector<std::uint16_t> k{0, 0, 0};
  std::vector<double> x{1, -1, 1}, c{1, 1, 1};
  CHECK_THROWS_WITH_AS(m.add_signals(p, tm, k, x, c), doctest::Contains("intensity[1]"), InvalidInput);
  x = {1, 1, NAN};
  CHECK_THROWS_WITH_AS(m.add_signals(p, tm, k, x, c), doctest::Contains("intensity[2]"), InvalidInput);
  x = {1, 1, 1}, c = {1, 1.5, 1};
  CHECK_THROWS_WITH_AS(m.add_signals(p, tm, k, x, c), doctest::Contains("confidence[1]"), InvalidInput);
  CHECK_THROWS_WITH_AS(m.kind_code("rumour"), doctest::Contains("unknown source kind"), InvalidInput);
  CHECK(m.num_signals() == 1);
  const std::vector<Index> s{0, 1}, d{1, 1};
  CHECK_THROWS_WITH_AS(m.add_links(s, d, {}, "road", false), doctest::Contains("itself"), InvalidInput);
  const std::vector<double> bad{1, -2};
  const std::vector<Index> d2{1, 2};
  CHECK_THROWS_WITH_AS(m.add_links(s, d2, bad, "road", false), doctest::Contains("weight[1]"), InvalidInput);
  CHECK(m.num_links() == 0);
}

TEST_CASE("raw weights that would diverge are refused") {
  auto t = grid(3);
  RiskConfig cfg;
  cfg.normalization = Normalization::NONE;
  cfg.alpha = 0.5;
  RiskMap m(t.cols(), cfg);
  const std::vector<Index> s{0, 1}, d{2, 2};
  std::vector<double> w{0.9, 0.9};  // 0.5 · 1.8 < 1
  m.add_links(s, d, w, "supply", true);
  const std::vector<Index> s2{1}, d2{2};
  const std::vector<double> w2{1.2};  // replaces 0.9: in-weight 2.1 → 1.05 ≥ 1
  CHECK_THROWS_WITH_AS(m.add_links(s2, d2, w2, "supply", true), doctest::Contains("diverge"), InvalidInput);
  CHECK(m.num_links() == 2);
  const std::vector<double> w3{0.5};
  m.add_links(s2, d2, w3, "supply", true);  // replaces: still 2 arcs
  CHECK(m.num_links() == 2);
}

TEST_CASE("latent causes need independent families elevated together") {
  auto t = grid(10);
  RiskMap m(t.cols());
  const Timestamp at = T0 + days(40);
  // Background: one assistance and one petition per week at every place.
  for (int i = 0; i < 10; ++i)
    for (int w = 0; w < 5; ++w) {
      add(m, i, T0 + days(7 * w) + i * 100, "assistance", 1, 1);
      add(m, i, T0 + days(7 * w) + 3600 + i * 100, "petition", 1, 1);
    }
  // Place 3: a burst of both; place 4 (linked to 3) too; place 7: assistance only.
  for (int k = 0; k < 8; ++k) {
    add(m, 3, at - hours(10) - k * 60, "assistance", 1, 1);
    add(m, 3, at - hours(20) - k * 60, "petition", 1, 1);
    add(m, 4, at - hours(11) - k * 60, "assistance", 1, 1);
    add(m, 4, at - hours(21) - k * 60, "hazard", 1, 1);
    add(m, 7, at - hours(5) - k * 60, "assistance", 1, 1);
  }
  add(m, 4, at - days(20), "hazard", 1, 1);  // hazard has some history somewhere
  const std::vector<Index> s{3}, d{4};
  m.add_links(s, d, {}, "adjacency", false);
  const auto lc = m.latent_causes(at);
  REQUIRE(lc.size() == 2);
  CHECK((lc[0].place == 3 || lc[0].place == 4));
  for (const auto& c : lc) {
    CHECK(c.families == 2);
    CHECK(c.cluster == 0);
    CHECK(c.p_value < 1e-6);
    CHECK(c.strength == doctest::Approx(-std::log10(c.p_value)));
  }
  // Same family: assistance and petition no longer independent.
  m.set_source_kind({"petition", 1.5, days(7), "assistance"});
  for (const auto& c : m.latent_causes(at)) CHECK(c.place != 3);
}

TEST_CASE("rollup up the administrative tree") {
  Table t;
  t.ids = {"city", "d1", "d2", "c1", "c2", "c3"};
  t.parents = {"", "city", "city", "d1", "d1", "d2"};
  t.pop = {0, 0, 0, 100, 300, 50};
  RiskMap m(t.cols());
  const std::vector<double> s{0, 0, 0, 10, 30, 80};
  const auto mx = m.rollup_scores(s, Rollup::MAX);
  CHECK(mx[1] == 30);
  CHECK(mx[2] == 80);
  CHECK(mx[0] == 80);
  CHECK(mx[3] == 10);
  const auto mean = m.rollup_scores(s, Rollup::MEAN);
  CHECK(mean[1] == 20);
  CHECK(mean[0] == doctest::Approx(40));
  const auto pm = m.rollup_scores(s, Rollup::POPULATION_MEAN);
  CHECK(pm[1] == doctest::Approx(25));
  CHECK(pm[0] == doctest::Approx((1000.0 + 9000 + 4000) / 450));
}

TEST_CASE("snapshot round trip and forecast from the map") {
  auto t = grid(10);
  RiskMap m(t.cols());
  const auto knn = knn_links(m.lon(), m.lat(), 3);
  m.add_links(knn.src, knn.dst, {}, "adjacency", false);
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> pick(0, 9);
  for (int k = 0; k < 3000; ++k) add(m, pick(rng), T0 + k * 1800, k % 5 ? "incident" : "opinion", 1, 0.8);
  RiskFitOptions opt;
  opt.max_iterations = 50;
  const auto& model = m.fit(opt);
  CHECK(model.kinds == std::vector<std::string>{"incident"});
  const auto f = m.forecast(T0 + days(50), hours(72));
  for (int i = 0; i < 10; ++i) {
    CHECK(f.expected[i] > 0);
    CHECK(f.p_any[i] > 0);
    CHECK(f.p_any[i] < 1);
    CHECK(f.level[i] == m.config().policy.level_of(100 * f.p_any[i]));
  }
  const auto bytes = m.to_bytes();
  const RiskMap back = RiskMap::from_bytes(bytes);
  CHECK(back.to_bytes() == bytes);
  CHECK(back.scores(T0 + days(30)) == m.scores(T0 + days(30)));
  CHECK(back.forecast(T0 + days(50)).expected == f.expected);
  CHECK_THROWS_AS(RiskMap::from_bytes(bytes.substr(0, bytes.size() / 2)), InvalidInput);
  RiskMap fresh(t.cols());
  CHECK_THROWS_AS(fresh.forecast(T0), StateError);
}
