// A small risk map from C++: five communities and a nursing home, signals
// from several sources, scores, an exact explanation, latent causes, and a
// 72-hour forecast from a fitted Hawkes model. Paired with
// examples/python/risk_map.py.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <crisiskit/risk/risk_map.hpp>

using namespace crisiskit;
using namespace crisiskit::risk;

int main() {
  std::vector<std::string> names{"c1", "c2", "c3", "c4", "c5", "home-7"};
  std::vector<std::string_view> ids(names.begin(), names.end());
  std::vector<std::string_view> kinds{"community", "community", "community", "community", "community", "nursing_home"};
  std::vector<double> lon{121.470, 121.480, 121.490, 121.470, 121.480, 121.485};
  std::vector<double> lat{31.230, 31.230, 31.230, 31.240, 31.240, 31.235};
  std::vector<double> pop{5200, 4100, 3900, 6100, 4800, 180}, vul{600, 450, 380, 700, 520, 170};
  RiskMap map(PlaceColumns{ids, kinds, lon, lat, pop, vul, {}});
  const LinkList knn = knn_links(map.lon(), map.lat(), 2);
  map.add_links(knn.src, knn.dst, {}, "adjacency", false);

  // Sixty days of incident reports, plus a recent burst of assistance
  // requests and hazard findings around the nursing home.
  const Timestamp t0 = parse_time("2026-05-01T00:00:00+08:00");
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> place(0, 5);
  std::uniform_int_distribution<Timestamp> when(0, days(60));
  std::vector<Index> p;
  std::vector<Timestamp> t;
  std::vector<std::uint16_t> k;
  for (int i = 0; i < 150; ++i) p.push_back(place(rng)), t.push_back(t0 + when(rng)), k.push_back(map.kind_code("incident"));
  for (int i = 0; i < 40; ++i) {
    p.push_back(i % 2 ? 5 : 2), t.push_back(t0 + days(10) + hours(i * 30));
    k.push_back(map.kind_code(i % 2 ? "assistance" : "hazard"));
  }
  for (int i = 0; i < 8; ++i) {
    p.push_back(5), t.push_back(t0 + days(60) - hours(3 + i)), k.push_back(map.kind_code("assistance"));
    p.push_back(5), t.push_back(t0 + days(60) - hours(20 + i)), k.push_back(map.kind_code("hazard"));
  }
  std::vector<double> x(p.size(), 1.0), c(p.size(), 0.9);
  map.add_signals(p, t, k, x, c);

  const Timestamp now = t0 + days(60);
  const auto score = map.scores(now);
  for (Index i = 0; i < map.num_places(); ++i)
    std::printf("%-7s score %5.1f  level %s\n", map.places().id(i).c_str(), score[static_cast<std::size_t>(i)],
                std::string(to_string(map.config().policy.level_of(score[static_cast<std::size_t>(i)]))).c_str());

  const Explanation ex = map.explain(5, now);
  std::printf("\nhome-7 = %.2f points:", ex.score);
  for (const auto& part : ex.by_kind) std::printf(" %s %.2f", part.kind.c_str(), part.points);
  std::printf("\n");

  for (const LatentCause& lc : map.latent_causes(now)) {
    std::printf("latent cause at %s (strength %.1f):", map.places().id(lc.place).c_str(), lc.strength);
    for (const auto& kind : lc.kinds) std::printf(" %s %lld vs %.2f expected", kind.kind.c_str(), static_cast<long long>(kind.observed), kind.expected);
    std::printf("\n");
  }

  RiskFitOptions fit;
  fit.utc_offset_minutes = 480;
  const HawkesModel& model = map.fit(fit);
  std::printf("\nmodel: %d iterations, branching ratio %.3f\n", model.iterations, model.branching_ratio());
  const RiskForecast f = map.forecast(now, hours(72));
  for (Index i = 0; i < map.num_places(); ++i)
    std::printf("%-7s next 72 h: expected %.2f incidents, P(any) %.2f\n", map.places().id(i).c_str(),
                f.expected[static_cast<std::size_t>(i)], f.p_any[static_cast<std::size_t>(i)]);
  return 0;
}
