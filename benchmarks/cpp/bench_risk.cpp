// C++-side timings of the risk map at city scale, without Python in the way:
// the propagation step (CsrMatrix::multiply) with 1 and 2 threads, scores,
// fit, forecast, explain, latent causes, and memory. Prints figures; asserts
// nothing about time. The synthetic city is built the same way as in
// benchmarks/python/bench_risk.py (same sizes and distributions, its own RNG).
//   build/default/benchmarks/bench_risk [places] [links_per_place] [signals] [reps]
#include <crisiskit/risk/risk_map.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "best_seconds.hpp"

namespace {
using crisiskit::bench::best_seconds;

// Interleaves the low 16 bits of x and y (Z-order / Morton code).
std::uint32_t morton(std::uint32_t x, std::uint32_t y) {
  auto spread = [](std::uint32_t v) {
    v &= 0xFFFF;
    v = (v | (v << 8)) & 0x00FF00FF;
    v = (v | (v << 4)) & 0x0F0F0F0F;
    v = (v | (v << 2)) & 0x33333333;
    v = (v | (v << 1)) & 0x55555555;
    return v;
  };
  return spread(x) | (spread(y) << 1);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace crisiskit;
  using namespace crisiskit::risk;
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const std::size_t per = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4;
  const std::size_t S = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 10'000'000;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 3;
  if (n < 32 || per < 1 || per > 16) {
    std::fprintf(stderr, "need places >= 32 and 1 <= links_per_place <= 16\n");
    return 2;
  }
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> U(0, 1);
  const Timestamp T0 = 1'780'000'000, at = T0 + days(30);

  // Places: uniform in a ~50 km box around 121.45 E, 31.2 N.
  std::vector<std::string> ids(n);
  std::vector<double> lon(n), lat(n);
  for (std::size_t i = 0; i < n; ++i) {
    char b[32];
    std::snprintf(b, sizeof b, "c%07zu", i);
    ids[i] = b;
    lon[i] = 121.19 + 0.52 * U(rng);
    lat[i] = 30.98 + 0.45 * U(rng);
  }
  std::vector<std::string_view> idv(ids.begin(), ids.end());
  PlaceColumns cols;
  cols.id = idv;
  cols.lon = lon;
  cols.lat = lat;
  RiskMap* holder = nullptr;
  const double t_places = best_seconds(1, [&] { holder = new RiskMap(cols); });
  RiskMap& rm = *holder;
  std::printf("RiskMap(%zu places): %.3f s\n", n, t_places);

  // Links: sort places along a Z-order curve; place at position p receives
  // `per` links from places at distinct random offsets in ±1..±8 along the curve.
  std::vector<std::uint32_t> code(n);
  for (std::size_t i = 0; i < n; ++i)
    code[i] = morton(static_cast<std::uint32_t>((lon[i] - 121.19) / 0.52 * 65535),
                     static_cast<std::uint32_t>((lat[i] - 30.98) / 0.45 * 65535));
  std::vector<Index> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](Index a, Index b) { return code[a] < code[b]; });
  std::vector<Index> src, dst;
  std::vector<double> wt;
  src.reserve(n * per), dst.reserve(n * per), wt.reserve(n * per);
  std::array<int, 16> offs{-8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8};
  for (std::size_t p = 0; p < n; ++p) {
    for (std::size_t q = 0; q < per; ++q) std::swap(offs[q], offs[q + rng() % (16 - q)]);  // partial shuffle
    for (std::size_t q = 0; q < per; ++q) {
      const auto s = static_cast<std::size_t>((static_cast<std::int64_t>(p) + offs[q] + static_cast<std::int64_t>(n)) %
                                              static_cast<std::int64_t>(n));
      src.push_back(order[s]);
      dst.push_back(order[p]);
      wt.push_back(0.5 + U(rng));
    }
  }
  const double t_links = best_seconds(1, [&] { rm.add_links(src, dst, wt, "adjacency", true); });
  std::printf("add_links(%zu directed): %.3f s -> %zu arcs\n", src.size(), t_links, rm.num_links());

  // Signals: uniform places, times over 30 days, 8 kinds, intensity Exp(1), confidence U(0.5, 1).
  std::vector<Index> sp(S);
  std::vector<Timestamp> st(S);
  std::vector<std::uint16_t> sk(S);
  std::vector<double> si(S), sc(S);
  std::exponential_distribution<double> E(1.0);
  for (std::size_t s = 0; s < S; ++s) {
    sp[s] = static_cast<Index>(rng() % n);
    st[s] = T0 + static_cast<Timestamp>(rng() % static_cast<std::uint64_t>(days(30)));
    sk[s] = static_cast<std::uint16_t>(rng() % 8);
    si[s] = E(rng);
    sc[s] = 0.5 + 0.5 * U(rng);
  }
  double t_sig = best_seconds(1, [&] { rm.add_signals(sp, st, sk, si, sc); });
  for (int r = 1; r < reps; ++r) {  // more repetitions into fresh maps (add_signals appends)
    RiskMap fresh(cols);
    t_sig = std::min(t_sig, best_seconds(1, [&] { fresh.add_signals(sp, st, sk, si, sc); }));
  }
  std::printf("add_signals(%zu, indices): %.3f s = %.1f M signals/s\n", S, t_sig, S / t_sig / 1e6);

  {
    // Id → index for every signal, as add_signals by id does it (one IdMap hash lookup each).
    std::vector<std::string_view> sid(S);
    for (std::size_t s = 0; s < S; ++s) sid[s] = ids[static_cast<std::size_t>(sp[s])];
    std::vector<Index> found(S);
    const IdMap& places = rm.places();
    const double t_ids = best_seconds(reps, [&] {
      for (std::size_t s = 0; s < S; ++s) found[s] = *places.find(sid[s]);
    });
    std::printf("IdMap lookups of %zu signal place ids (%zu places): %.3f s = %.0f ns/id\n", S, n, t_ids, t_ids / S * 1e9);
  }

  // One propagation step y = alpha P x on a copy of P (to set its threads).
  CsrMatrix P = rm.propagation_matrix();
  std::vector<double> x(n), y(n), b(n, 0.0);
  for (auto& v : x) v = U(rng);
  const double alpha = rm.config().alpha;
  const int step_reps = std::max(10, 5 * reps);
  for (unsigned th : {1u, 2u}) {
    P.threads = th;
    const double t = best_seconds(step_reps, [&] { P.multiply(x.data(), y.data(), alpha); });
    const double tt = best_seconds(step_reps, [&] { P.multiply(x.data(), y.data(), alpha, b.data(), 1e-6, nullptr); });
    std::printf("propagation step (%zu x %zu, %zu nnz), %u thread%s: %.2f ms plain, %.2f ms with change tracking "
                "(%.0f M nnz/s)\n",
                n, n, P.nnz(), th, th > 1 ? "s" : "", t * 1e3, tt * 1e3, P.nnz() / t / 1e6);
  }

  // The same operator with places renumbered along the Z-order curve (P' = Π P Πᵀ):
  // what a locality-preserving internal numbering would give. Gathers of x become near-sequential.
  {
    std::vector<std::int32_t> rank(n);
    for (std::size_t p = 0; p < n; ++p) rank[static_cast<std::size_t>(order[p])] = static_cast<std::int32_t>(p);
    CsrMatrix R;
    R.rows = P.rows;
    R.ptr.assign(n + 1, 0);
    R.col.reserve(P.nnz()), R.val.reserve(P.nnz());
    std::vector<std::pair<std::int32_t, float>> rowbuf;
    for (std::size_t r = 0; r < n; ++r) {
      const auto i = static_cast<std::size_t>(order[r]);
      rowbuf.clear();
      for (std::int64_t k = P.ptr[i]; k < P.ptr[i + 1]; ++k) rowbuf.emplace_back(rank[static_cast<std::size_t>(P.col[k])], P.val[k]);
      std::sort(rowbuf.begin(), rowbuf.end());
      for (const auto& [c, v] : rowbuf) R.col.push_back(c), R.val.push_back(v);
      R.ptr[r + 1] = static_cast<std::int64_t>(R.col.size());
    }
    std::vector<double> xr(n);
    for (std::size_t r = 0; r < n; ++r) xr[r] = x[static_cast<std::size_t>(order[r])];
    for (unsigned th : {1u, 2u}) {
      R.threads = th;
      const double t = best_seconds(step_reps, [&] { R.multiply(xr.data(), y.data(), alpha); });
      std::printf("propagation step, places renumbered in Z-order, %u thread%s: %.2f ms plain (%.0f M nnz/s)\n", th,
                  th > 1 ? "s" : "", t * 1e3, R.nnz() / t / 1e6);
    }
  }

  ScoreDetail d;
  const double t_scores = best_seconds(reps, [&] { d = rm.score_detail(at); });
  std::printf("scores(at): %.3f s (%d fixed-point iterations)\n", t_scores, d.iterations);
  const std::size_t top =
      static_cast<std::size_t>(std::max_element(d.score.begin(), d.score.end()) - d.score.begin());

  RiskFitOptions fo;
  fo.max_iterations = 5;
  int iters = 0;
  const double t_fit = best_seconds(1, [&] { iters = rm.fit(fo).iterations; });
  std::printf("fit(max_iterations=5) on %lld incidents: %.3f s, %d iterations = %.3f s/iteration\n",
              static_cast<long long>(rm.model()->events), t_fit, iters, t_fit / std::max(iters, 1));
  {
    const auto& mk = rm.model()->kernels;
    double coupling = 0;
    for (std::size_t q = 0; q < mk.size(); ++q) {
      std::printf("  kernel %zu: 1/beta %.0f s, alpha_self %.4f, alpha_neighbour %.4f\n", q, 1.0 / mk[q].beta,
                  mk[q].alpha_self, mk[q].alpha_neighbour);
      coupling = std::max(coupling, mk[q].beta * mk[q].alpha_neighbour);
    }
    const double max_step = std::min(3600.0, coupling > 0 ? 0.25 / coupling : 3600.0);
    std::printf("  forecast sub-steps per hour: %.0f (max step %.0f s)\n", std::min(60.0, std::ceil(3600.0 / max_step - 1e-9)), max_step);
  }
  RiskForecast f;
  const double t_fc = best_seconds(reps, [&] { f = rm.forecast(at, hours(72)); });
  std::printf("forecast(at, 72 h): %.3f s (sum expected %.0f)\n", t_fc, std::accumulate(f.expected.begin(), f.expected.end(), 0.0));

  Explanation ex;
  const double t_ex = best_seconds(reps, [&] { ex = rm.explain(static_cast<Index>(top), at); });
  std::printf("explain(top place): %.3f s (score %.1f, %zu place rows)\n", t_ex, ex.score, ex.by_place.size());
  std::vector<LatentCause> lc;
  const double t_lc = best_seconds(reps, [&] { lc = rm.latent_causes(at); });
  std::printf("latent_causes(at): %.3f s (%zu places)\n", t_lc, lc.size());

  const RiskMemory m = rm.memory();
  std::printf("memory(): places %.1f B/place, links %.1f B/arc, signals %.1f B/signal\n",
              static_cast<double>(m.places) / n, static_cast<double>(m.links) / std::max<std::size_t>(1, rm.num_links()),
              static_cast<double>(m.signals) / std::max<std::size_t>(1, rm.num_signals()));
  delete holder;
  return 0;
}
