#include <doctest/doctest.h>

#include <random>

#include "crisiskit/severity/secondary.hpp"

using namespace crisiskit;
using namespace crisiskit::risk;
using namespace crisiskit::severity;

TEST_CASE("secondary_likelihood is 1 − Π(1 − p_any) over the affected places of a fitted map") {
  std::vector<std::string> ids;
  std::vector<std::string_view> idv, kinds, parents;
  std::vector<double> lon, lat, pop, vul;
  for (int i = 0; i < 8; ++i) {
    ids.push_back("p" + std::to_string(i));
    lon.push_back(120.0 + 0.01 * (i % 4));
    lat.push_back(30.0 + 0.01 * (i / 4));
    pop.push_back(1000);
    vul.push_back(50);
  }
  idv.assign(ids.begin(), ids.end());
  kinds.assign(8, "community");
  parents.assign(8, "");
  RiskMap m(PlaceColumns{idv, kinds, lon, lat, pop, vul, parents});
  const auto knn = knn_links(m.lon(), m.lat(), 2);
  m.add_links(knn.src, knn.dst, {}, "adjacency", false);
  const Timestamp T0 = 1700000000;
  CHECK_THROWS_AS(secondary_likelihood(m, {"p1"}, T0), StateError);  // no model yet
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<Index> pick(0, 7);
  std::vector<Index> p;
  std::vector<Timestamp> t;
  for (int k = 0; k < 1500; ++k) p.push_back(pick(rng)), t.push_back(T0 + k * 2400);
  const std::vector<std::uint16_t> kind(p.size(), m.kind_code("incident"));
  const std::vector<double> one(p.size(), 1.0);
  m.add_signals(p, t, kind, one, one);
  RiskFitOptions opt;
  opt.max_iterations = 30;
  m.fit(opt);
  const Timestamp at = T0 + days(42);
  const auto f = m.forecast(at, hours(24));
  const double expect = 1 - (1 - f.p_any[1]) * (1 - f.p_any[5]);
  CHECK(secondary_likelihood(m, {"p1", "p5"}, at) == doctest::Approx(expect).epsilon(1e-12));
  CHECK(secondary_likelihood(m, {"p1", "p5", "p1"}, at) == doctest::Approx(expect).epsilon(1e-12));  // once each
  double all = 1;
  for (double q : f.p_any) all *= 1 - q;
  CHECK(secondary_likelihood(m, {}, at) == doctest::Approx(1 - all).epsilon(1e-12));
  CHECK(secondary_likelihood(m, {"p1"}, at, hours(72)) > secondary_likelihood(m, {"p1"}, at, hours(24)));
  CHECK_THROWS_WITH_AS(secondary_likelihood(m, {"p1", "nowhere"}, at), doctest::Contains("places[1]"), InvalidInput);
}
