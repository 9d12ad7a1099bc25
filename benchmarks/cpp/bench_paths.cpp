// One-to-all shortest travel times: crisiskit::match::RoadNetwork::shortest_paths
// (Dijkstra, 4-ary indexed heap, CSR arcs) against LEMON 1.3 Dijkstra (on a
// StaticDigraph with an ArcMap<double>, its default BinHeap) and Boost.Graph's
// dijkstra_shortest_paths (and its _no_color_map variant) on a
// compressed_sparse_row_graph. Same graph, same arc order, same sources for
// all; every solver's distances are checked against ours (relative 1e-9, same
// reached set) and the program exits 1 on any difference. Also times the
// bounded search (ours with limit_s; LEMON stopped by hand at the same limit)
// against the full search from the same sources. Prints markdown tables;
// asserts nothing about time.
//
//   build/default/benchmarks/bench_paths [--graphs grid,ny] [--grid-side 1000] [--sources 20]
//       [--repeat 5] [--seed 1] [--limit 1800] [--ny PATH] [--experiments] [--only NAME ...]
//
// --only NAME (repeatable) times just the named rows, without the checks and
// the tables: for running under a profiler.
//
// Graphs:
//   grid  synthetic road-like graph, --grid-side² nodes (default 1000² = 1 M);
//         see road_grid() for the generator.
//   ny    the PACE 2016 conversion of the 9th DIMACS challenge's New York road
//         graph (topology only: 264,346 nodes, 365,050 two-way edges), read
//         with `xz -dc` from ../shared/data/roads/NY.pace.gr.xz relative to the
//         repository root, or $CRISISKIT_SHARED_DATA/roads/NY.pace.gr.xz, or
//         --ny PATH (.xz or plain .gr). Travel times are NOT in the data: they
//         are drawn by a seeded rule (see load_pace()). Skipped when absent.
//
// What is timed (wall clock, all sources of one solver in a row; the best of
// --repeat rounds, the solvers taking turns within each round):
//   * ours: the whole shortest_paths(source[, limit]) call, i.e. the argument
//     checks, allocating and filling the result (time_s, pred) and the heap's
//     position array, and the search.
//   * LEMON: Dijkstra::run(source) on one Dijkstra object made beforehand (its
//     maps are allocated once and reused; run() re-initialises them). The
//     bounded search is init(); addSource(s); processNextNode() while the next
//     node's distance is ≤ the limit.
//   * Boost: dijkstra_shortest_paths(...) into distance/predecessor vectors
//     allocated once (the call initialises them and allocates its own colour
//     map and heap; the _no_color_map variant has no colour map).
//
// --experiments also times variants of our kernel, copied into this file
// (namespace kernel_lab) so that one change at a time can be measured without
// touching include/crisiskit/match/road_network.hpp, and LEMON's Dijkstra with
// other LEMON heaps. See benchmarks/README.md ("One-to-all shortest paths").
#include <crisiskit/match/road_network.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#ifndef LEMON_ONLY_TEMPLATES
#define LEMON_ONLY_TEMPLATES
#endif
#include <lemon/bin_heap.h>
#include <lemon/dijkstra.h>
#include <lemon/pairing_heap.h>
#include <lemon/quad_heap.h>
#include <lemon/static_graph.h>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>

#include "bench_util.hpp"
#include "best_seconds.hpp"

#ifndef CRISISKIT_SHARED_DATA_DEFAULT
#define CRISISKIT_SHARED_DATA_DEFAULT "../shared/data"
#endif

namespace {
using crisiskit::bench::best_seconds;
using crisiskit::bench::Rng;
using i32 = std::int32_t;
using i64 = std::int64_t;
constexpr double kInf = std::numeric_limits<double>::infinity();

struct EdgeList {
  std::string name, note;
  i64 n = 0;
  std::vector<i64> from, to;
  std::vector<double> time_s;
  std::vector<std::uint8_t> oneway;
};

// ---------------------------------------------------------------------------
// Synthetic road-like graph: a side × side grid, node r·side + c (row-major).
//  * Every horizontal neighbour pair in row r and vertical pair in column c is
//    an edge whose class is that of its line: every 100th line (r or c ≡ 0 mod
//    100) an expressway at 80 km/h, every other 10th line an arterial at
//    50 km/h, the rest local streets at 30 km/h.
//  * Length 100 m × U[0.8, 1.2]; travel time = length / speed × U[1, 1.5]
//    (congestion).
//  * Local streets only: 5 % are missing, 10 % are one-way (direction at
//    random). Arterials and expressways are complete and two-way.
//  * In 2 % of the grid cells a local diagonal street (either diagonal, at
//    random) of length 141 m × U[0.8, 1.2], same rules.
// Random numbers: bench::Rng seeded from (seed, side), drawn in a fixed order,
// so the graph is the same on every platform.
// ---------------------------------------------------------------------------
EdgeList road_grid(i64 side, std::uint64_t seed) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(side) + 17);
  EdgeList g;
  g.n = side * side;
  const double speed_ms[3] = {30 / 3.6, 50 / 3.6, 80 / 3.6};
  auto line_class = [](i64 k) { return k % 100 == 0 ? 2 : k % 10 == 0 ? 1 : 0; };
  i64 missing = 0, oneway = 0, diagonal = 0;
  auto add = [&](i64 u, i64 v, int cls, double base_m) {
    if (cls == 0 && rng.unit() < 0.05) {
      ++missing;
      return;
    }
    bool ow = false;
    if (cls == 0 && rng.unit() < 0.10) {
      ow = true, ++oneway;
      if (rng.unit() < 0.5) std::swap(u, v);
    }
    const double len = base_m * (0.8 + 0.4 * rng.unit());
    g.from.push_back(u), g.to.push_back(v), g.oneway.push_back(ow ? 1 : 0);
    g.time_s.push_back(len / speed_ms[cls] * (1.0 + 0.5 * rng.unit()));
  };
  for (i64 r = 0; r < side; ++r)
    for (i64 c = 0; c < side; ++c) {
      const i64 v = r * side + c;
      if (c + 1 < side) add(v, v + 1, line_class(r), 100);
      if (r + 1 < side) add(v, v + side, line_class(c), 100);
      if (r + 1 < side && c + 1 < side && rng.unit() < 0.02) {
        ++diagonal;
        if (rng.unit() < 0.5) add(v, v + side + 1, 0, 141.42);
        else add(v + 1, v + side, 0, 141.42);
      }
    }
  g.name = "grid " + std::to_string(side) + "x" + std::to_string(side);
  char b[256];
  std::snprintf(b, sizeof b, "%lld missing local edges, %lld one-way, %lld diagonal cells", static_cast<long long>(missing),
                static_cast<long long>(oneway), static_cast<long long>(diagonal));
  g.note = b;
  return g;
}

// ---------------------------------------------------------------------------
// PACE 2016 "tw" graph: `c` comment lines, `p tw N M`, then M lines `u v`
// (1-based, undirected). Every edge becomes a two-way edge whose travel time
// is drawn from U[10, 60) seconds by bench::Rng seeded from (seed, 0x4E59),
// in file order: the data has no lengths, so these times are ours, not New
// York's.
// ---------------------------------------------------------------------------
bool load_pace(const std::string& path, std::uint64_t seed, EdgeList& g) {
  const bool xz = path.size() > 3 && path.compare(path.size() - 3, 3, ".xz") == 0;
  FILE* f = nullptr;
  if (xz) {
    if (FILE* probe = std::fopen(path.c_str(), "rb")) std::fclose(probe);
    else return false;
    f = popen(("xz -dc '" + path + "'").c_str(), "r");
  } else {
    f = std::fopen(path.c_str(), "r");
  }
  if (!f) return false;
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 0x4E59);
  char line[256];
  i64 declared_m = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (line[0] == 'c' || line[0] == '\n') continue;
    if (line[0] == 'p') {
      long long n = 0, m = 0;
      if (std::sscanf(line, "p tw %lld %lld", &n, &m) != 2) break;
      g.n = n, declared_m = m;
      g.from.reserve(static_cast<std::size_t>(m)), g.to.reserve(static_cast<std::size_t>(m));
      g.time_s.reserve(static_cast<std::size_t>(m));
      continue;
    }
    char* end = nullptr;
    const i64 u = std::strtoll(line, &end, 10), v = std::strtoll(end, nullptr, 10);
    g.from.push_back(u - 1), g.to.push_back(v - 1);
    g.time_s.push_back(10.0 + 50.0 * rng.unit());
  }
  const int rc = xz ? pclose(f) : std::fclose(f);
  if (rc != 0 || declared_m != static_cast<i64>(g.from.size())) {
    std::fprintf(stderr, "%s: read %zu edges, header says %lld (status %d)\n", path.c_str(), g.from.size(),
                 static_cast<long long>(declared_m), rc);
    return false;
  }
  g.name = "NY (PACE 2016)";
  g.note = "two-way edges, travel times U[10, 60) s seeded (not in the data)";
  return true;
}

// The graph as arcs in our CSR order (sorted by tail), for every solver.
struct Arcs {
  i32 n = 0;
  std::vector<i32> tail, head;
  std::vector<double> time;
  std::vector<i64> first;  // n + 1 offsets
};

Arcs arcs_of(const crisiskit::match::RoadNetwork& net) {
  Arcs a;
  a.n = net.num_nodes();
  const auto m = static_cast<i32>(net.num_arcs());
  a.tail.resize(static_cast<std::size_t>(m)), a.head.resize(static_cast<std::size_t>(m));
  a.time.resize(static_cast<std::size_t>(m));
  a.first.assign(static_cast<std::size_t>(a.n) + 1, 0);
  for (i32 e = 0; e < m; ++e) {
    a.tail[static_cast<std::size_t>(e)] = net.tail(e), a.head[static_cast<std::size_t>(e)] = net.head(e);
    a.time[static_cast<std::size_t>(e)] = net.arc_time(e);
    ++a.first[static_cast<std::size_t>(net.tail(e)) + 1];
  }
  for (std::size_t v = 0; v < static_cast<std::size_t>(a.n); ++v) a.first[v + 1] += a.first[v];
  return a;
}

// ---------------------------------------------------------------------------
// kernel_lab: experimental copies of our Dijkstra, for --experiments only.
// `Indexed<D>` is road_network.hpp's heap with arity D (D = 4 is the library's
// code); `Lazy<D>` is a d-ary heap without positions (no decrease-key: a
// shorter path pushes a second entry and stale entries are skipped when
// popped); `Radix` is a lazy monotone radix heap on the bits of the
// (non-negative) double keys, whose order is that of the keys.
// ---------------------------------------------------------------------------
namespace kernel_lab {

// d-ary min-heap of (key, node). kIndexed: road_network.hpp's heap, with a
// position per node for decrease-key (D = 4, kBranchFree = false is the
// library's code). Otherwise lazy: no positions, a shorter path pushes a
// second entry and the search skips stale ones.
template <int D, bool kIndexed, bool kBranchFree = false>
class DAry {
 public:
  static constexpr bool kLazy = !kIndexed;
  void reset(std::size_t n) {
    if constexpr (kIndexed) pos_.assign(n, -1);
    items_.clear();
  }
  // Reset in O(touched): the previous search settled `settled` and left the
  // rest of what it touched in the heap.
  void reset_touched(std::size_t n, const std::vector<i32>& settled) {
    if constexpr (kIndexed) {
      if (pos_.size() != n) return reset(n);
      for (const i32 v : settled) pos_[static_cast<std::size_t>(v)] = -1;
      for (const Item& x : items_) pos_[static_cast<std::size_t>(x.v)] = -1;
    }
    items_.clear();
  }
  bool empty() const { return items_.empty(); }
  void relax(i32 v, double key) {
    if constexpr (kIndexed) {
      const i32 p = pos_[static_cast<std::size_t>(v)];
      if (p >= 0) {
        items_[static_cast<std::size_t>(p)].key = key;
        return up(static_cast<std::size_t>(p), items_[static_cast<std::size_t>(p)]);
      }
    }
    items_.push_back({key, v});
    up(items_.size() - 1, items_.back());
  }
  std::pair<i32, double> pop() {
    const Item top = items_.front();
    if constexpr (kIndexed) pos_[static_cast<std::size_t>(top.v)] = -2;
    const Item last = items_.back();
    items_.pop_back();
    if (!items_.empty()) down(0, last);
    return {top.v, top.key};
  }
  template <class F>
  void for_each_queued(F&& f) const {
    for (const Item& x : items_) f(x.v);
  }

 private:
  struct Item {
    double key;
    i32 v;
  };
  void place(std::size_t i, const Item& x) {
    items_[i] = x;
    if constexpr (kIndexed) pos_[static_cast<std::size_t>(x.v)] = static_cast<i32>(i);
  }
  void up(std::size_t i, const Item x) {
    while (i > 0) {
      const std::size_t p = (i - 1) / D;
      if (!(x.key < items_[p].key)) break;
      place(i, items_[p]);
      i = p;
    }
    place(i, x);
  }
  void down(std::size_t i, const Item x) {
    const std::size_t n = items_.size();
    for (;;) {
      const std::size_t c = D * i + 1;
      if (c >= n) break;
      std::size_t best = c;
      double min_key;
      if (kBranchFree && D == 4 && c + 4 <= n) {
        // All four children: a tournament with no data-dependent branch
        // (comparisons become set/add, minima minsd, the last pick a cmov),
        // and no reload through the chosen index.
        const double k0 = items_[c].key, k1 = items_[c + 1].key, k2 = items_[c + 2].key, k3 = items_[c + 3].key;
        const std::size_t b01 = c + static_cast<std::size_t>(k1 < k0), b23 = c + 2 + static_cast<std::size_t>(k3 < k2);
        const double m01 = k1 < k0 ? k1 : k0, m23 = k3 < k2 ? k3 : k2;
        best = m23 < m01 ? b23 : b01;
        min_key = m23 < m01 ? m23 : m01;
      } else {
        for (std::size_t k = c + 1; k < std::min<std::size_t>(c + D, n); ++k)
          if (items_[k].key < items_[best].key) best = k;
        min_key = items_[best].key;
      }
      if (!(min_key < x.key)) break;
      place(i, items_[best]);
      i = best;
    }
    place(i, x);
  }
  std::vector<Item> items_;
  std::vector<i32> pos_;
};
template <int D, bool kBranchFree = false>
using Indexed = DAry<D, true, kBranchFree>;
template <int D>
using Lazy = DAry<D, false>;

class Radix {
 public:
  static constexpr bool kLazy = true;
  void reset(std::size_t) {
    for (auto& b : buckets_) b.clear();
    last_ = 0, size_ = 0;
  }
  void reset_touched(std::size_t n, const std::vector<i32>&) { reset(n); }
  bool empty() const { return size_ == 0; }
  void relax(i32 v, double key) {
    const std::uint64_t k = bits(key);
    buckets_[bucket(k)].push_back({k, v});
    ++size_;
  }
  std::pair<i32, double> pop() {
    if (buckets_[0].empty()) {
      std::size_t i = 1;
      while (buckets_[i].empty()) ++i;
      auto& b = buckets_[i];
      std::uint64_t lo = b.front().key;
      for (const Entry& x : b) lo = std::min(lo, x.key);
      last_ = lo;
      for (const Entry& x : b) buckets_[bucket(x.key)].push_back(x);
      b.clear();
    }
    const Entry x = buckets_[0].back();
    buckets_[0].pop_back();
    --size_;
    double key;
    std::memcpy(&key, &x.key, sizeof key);
    return {x.v, key};
  }
  template <class F>
  void for_each_queued(F&& f) const {
    for (const auto& b : buckets_)
      for (const Entry& x : b) f(x.v);
  }

 private:
  struct Entry {
    std::uint64_t key;
    i32 v;
  };
  static std::uint64_t bits(double d) {
    std::uint64_t u;
    std::memcpy(&u, &d, sizeof u);
    return u;
  }
  std::size_t bucket(std::uint64_t k) const {
    const std::uint64_t x = k ^ last_;
    return x == 0 ? 0 : static_cast<std::size_t>(64 - __builtin_clzll(x));
  }
  std::vector<Entry> buckets_[65];
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
};

// Arcs interleaved per arc (one 16-byte record) instead of two arrays.
struct ArcRec {
  double time;
  i32 head;
};

struct Graph {
  i32 n = 0;
  const i64* first = nullptr;
  const i32* head = nullptr;
  const double* time = nullptr;
  std::vector<ArcRec> rec;
  std::vector<i32> first32;
};

// The library's search loop (road_network.hpp), generic in the heap and the
// arc layout. `dist`/`pred` must be n long, dist all +inf, pred all −1.
// With `settled`, the settled nodes are appended to it (for a sparse reset).
template <bool kRecords, class Heap>
void search(const Graph& g, i32 s, double limit, std::vector<double>& dist, std::vector<i32>& pred, Heap& heap,
            std::vector<i32>* settled = nullptr) {
  double* const d = dist.data();
  i32* const p = pred.data();
  d[s] = 0;
  heap.relax(s, 0.0);
  while (!heap.empty()) {
    const auto [u, du] = heap.pop();
    if constexpr (Heap::kLazy) {
      if (du > d[u]) continue;  // stale entry: u was settled earlier with a smaller key
    }
    if (du > limit) {
      d[u] = kInf, p[u] = -1;
      heap.for_each_queued([&](i32 w) {
        if (d[w] > limit) d[w] = kInf, p[w] = -1;
      });
      break;
    }
    if (settled) settled->push_back(u);
    if constexpr (kRecords) {
      const auto b = static_cast<std::size_t>(g.first32[static_cast<std::size_t>(u)]);
      const auto e = static_cast<std::size_t>(g.first32[static_cast<std::size_t>(u) + 1]);
      for (std::size_t a = b; a < e; ++a) {
        const ArcRec& r = g.rec[a];
        const double nd = du + r.time;
        if (nd < d[r.head]) {
          d[r.head] = nd, p[r.head] = static_cast<i32>(a);
          heap.relax(r.head, nd);
        }
      }
    } else {
      const auto b = static_cast<std::size_t>(g.first[u]);
      const auto e = static_cast<std::size_t>(g.first[u + 1]);
      for (std::size_t a = b; a < e; ++a) {
        const double nd = du + g.time[a];
        const auto v = static_cast<std::size_t>(g.head[a]);
        if (nd < d[v]) {
          d[v] = nd, p[v] = static_cast<i32>(a);
          heap.relax(static_cast<i32>(v), nd);
        }
      }
    }
  }
}

struct Result {
  std::vector<double> dist;
  std::vector<i32> pred;
};

// Fresh = everything allocated per query, as the library does (the result is
// returned by value). Reused = one workspace filled per query.
template <bool kRecords, class Heap>
struct Variant {
  Heap heap;
  Result work;
  void fresh(const Graph& g, i32 s, double limit, Result& out) {
    Result r;
    r.dist.assign(static_cast<std::size_t>(g.n), kInf);
    r.pred.assign(static_cast<std::size_t>(g.n), -1);
    Heap h;
    h.reset(static_cast<std::size_t>(g.n));
    search<kRecords>(g, s, limit, r.dist, r.pred, h);
    out = std::move(r);
  }
  void reused(const Graph& g, i32 s, double limit, Result& out) {
    std::fill(out.dist.begin(), out.dist.end(), kInf);
    std::fill(out.pred.begin(), out.pred.end(), -1);
    heap.reset(static_cast<std::size_t>(g.n));
    search<kRecords>(g, s, limit, out.dist, out.pred, heap);
  }
  // Reused workspace reset in O(settled) instead of O(n): only the nodes the
  // previous query settled are non-default (a bounded search restores the
  // ones it only queued). Needs an API that hands the workspace back.
  std::vector<i32> settled;
  void sparse(const Graph& g, i32 s, double limit, Result& out) {
    for (const i32 v : settled) out.dist[static_cast<std::size_t>(v)] = kInf, out.pred[static_cast<std::size_t>(v)] = -1;
    heap.reset_touched(static_cast<std::size_t>(g.n), settled);
    settled.clear();
    search<kRecords>(g, s, limit, out.dist, out.pred, heap, &settled);
  }
};

}  // namespace kernel_lab

// Distances a and b agree: both unreached, or within 1e-9 relative.
bool close(double a, double b) {
  if (std::isinf(a) || std::isinf(b)) return std::isinf(a) && std::isinf(b);
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

struct Timed {
  std::string name;
  std::function<void(i32)> run;       // one query from a source
  std::function<double(i32)> dist;    // after run(source): distance of a node (+inf unreached)
  bool bounded = false;
  double best = 1e300;
};

std::string fmt_ms(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f ms", s * 1e3);
  return b;
}
}  // namespace

int main(int argc, char** argv) {
  std::string graphs = "grid,ny";
  i64 side = 1000;
  int num_sources = 20, reps = 5;
  std::uint64_t seed = 1;
  double limit = 1800;
  bool experiments = false;
  std::string ny_path;
  std::vector<std::string> only;  // --only NAME (repeatable): time just these, skip the checks (for profiling)
  if (const char* env = std::getenv("CRISISKIT_SHARED_DATA")) ny_path = std::string(env) + "/roads/NY.pace.gr.xz";
  else ny_path = std::string(CRISISKIT_SHARED_DATA_DEFAULT) + "/roads/NY.pace.gr.xz";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--graphs" && v) graphs = v, ++i;
    else if (a == "--grid-side" && v) side = std::strtoll(v, nullptr, 10), ++i;
    else if (a == "--sources" && v) num_sources = std::max(1, std::atoi(v)), ++i;
    else if (a == "--repeat" && v) reps = std::max(1, std::atoi(v)), ++i;
    else if (a == "--seed" && v) seed = std::strtoull(v, nullptr, 10), ++i;
    else if (a == "--limit" && v) limit = std::atof(v), ++i;
    else if (a == "--ny" && v) ny_path = v, ++i;
    else if (a == "--experiments") experiments = true;
    else if (a == "--only" && v) only.emplace_back(v), ++i;
    else {
      std::fprintf(stderr,
                   "usage: %s [--graphs grid,ny] [--grid-side N] [--sources K] [--repeat R] [--seed S]\n"
                   "          [--limit SECONDS] [--ny PATH] [--experiments] [--only NAME ...]\n",
                   argv[0]);
      return 2;
    }
  }
  if (side < 2 || !(limit >= 0)) {
    std::fprintf(stderr, "need --grid-side >= 2 and --limit >= 0\n");
    return 2;
  }

  std::printf("One-to-all Dijkstra: %d seeded sources (seed %llu), best of %d rounds; bounded search limit %.0f s.\n"
              "Times are per query (best round's total / sources).\n\n",
              num_sources, static_cast<unsigned long long>(seed), reps, limit);
  std::fflush(stdout);

  bool all_agree = true;
  std::string table;
  for (const std::string which : {std::string("grid"), std::string("ny")}) {
    if (("," + graphs + ",").find("," + which + ",") == std::string::npos) continue;
    EdgeList el;
    if (which == "grid") {
      el = road_grid(side, seed);
    } else if (!load_pace(ny_path, seed, el)) {
      std::fprintf(stderr, "NY graph not found or unreadable at %s: skipped (set CRISISKIT_SHARED_DATA or --ny)\n",
                   ny_path.c_str());
      continue;
    }
    const crisiskit::match::RoadNetwork net(el.n, el.from, el.to, el.time_s, el.oneway);
    const Arcs A = arcs_of(net);
    const auto n = static_cast<std::size_t>(A.n);
    const std::size_t m = A.head.size();
    std::fprintf(stderr, "%s: %lld nodes, %zu edges, %zu arcs; %s\n", el.name.c_str(), static_cast<long long>(el.n),
                 el.from.size(), m, el.note.c_str());

    // Sources: uniform over nodes with at least one arc out.
    std::vector<i32> sources;
    {
      Rng rng(seed * 0x9E3779B97F4A7C15ULL + 0x5eed + n);
      while (static_cast<int>(sources.size()) < num_sources) {
        const auto s = static_cast<i32>(rng.range(0, A.n - 1));
        if (A.first[static_cast<std::size_t>(s) + 1] > A.first[static_cast<std::size_t>(s)]) sources.push_back(s);
      }
    }

    // LEMON: StaticDigraph built from our arc list (sorted by tail, so LEMON's
    // arc i is our arc i) and an ArcMap<double> of travel times.
    lemon::StaticDigraph lg;
    {
      std::vector<std::pair<int, int>> pairs(m);
      for (std::size_t e = 0; e < m; ++e) pairs[e] = {A.tail[e], A.head[e]};
      lg.build(A.n, pairs.begin(), pairs.end());
    }
    lemon::StaticDigraph::ArcMap<double> len(lg);
    for (std::size_t e = 0; e < m; ++e) {
      const auto arc = lemon::StaticDigraph::arc(static_cast<int>(e));
      if (lg.source(arc) != lemon::StaticDigraph::node(A.tail[e]) || lg.target(arc) != lemon::StaticDigraph::node(A.head[e])) {
        std::fprintf(stderr, "LEMON arc order differs from ours at arc %zu\n", e);
        return 1;
      }
      len[arc] = A.time[e];
    }
    using LDijkstra = lemon::Dijkstra<lemon::StaticDigraph, lemon::StaticDigraph::ArcMap<double>>;
    using CrossRef = lemon::StaticDigraph::NodeMap<int>;
    using LQuad = LDijkstra::SetStandardHeap<lemon::QuadHeap<double, CrossRef>, CrossRef>::Create;
    using LPairing = LDijkstra::SetStandardHeap<lemon::PairingHeap<double, CrossRef>, CrossRef>::Create;
    LDijkstra ld(lg, len), ld_bounded(lg, len);
    LQuad lq(lg, len);
    LPairing lp(lg, len);

    // Boost: CSR graph with 32-bit vertex and edge indices, same arc order.
    struct W {
      double w;
    };
    using BG = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, W, boost::no_property, std::uint32_t,
                                                  std::uint32_t>;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> bpairs(m);
    std::vector<W> bw(m);
    for (std::size_t e = 0; e < m; ++e)
      bpairs[e] = {static_cast<std::uint32_t>(A.tail[e]), static_cast<std::uint32_t>(A.head[e])}, bw[e] = {A.time[e]};
    const BG bg(boost::edges_are_sorted, bpairs.begin(), bpairs.end(), bw.begin(), n);
    std::vector<double> bdist(n);
    std::vector<std::uint32_t> bpred(n);
    const auto bweight = boost::get(&W::w, bg);
    const auto bindex = boost::get(boost::vertex_index, bg);
    const auto bdist_map = boost::make_iterator_property_map(bdist.begin(), bindex);
    const auto bpred_map = boost::make_iterator_property_map(bpred.begin(), bindex);
    auto boost_dist = [&](i32 v) {
      const double d = bdist[static_cast<std::size_t>(v)];
      return d == std::numeric_limits<double>::max() ? kInf : d;
    };

    crisiskit::match::ShortestPaths ours, ours_bounded;
    std::vector<Timed> solvers;
    solvers.push_back({"ours", [&](i32 s) { ours = net.shortest_paths(s); },
                       [&](i32 v) { return ours.time_s[static_cast<std::size_t>(v)]; }});
    // After run() every reached node is processed; a bounded search leaves
    // reached nodes in the heap, so it asks processed() (BinHeap's state; a
    // PairingHeap's cross references do not hold the states).
    auto lemon_dist = [](const auto& d, bool bounded = false) {
      return [&d, bounded](i32 v) {
        const auto x = lemon::StaticDigraph::node(v);
        return (bounded ? d.processed(x) : d.reached(x)) ? d.dist(x) : kInf;
      };
    };
    solvers.push_back({"LEMON", [&](i32 s) { ld.run(lemon::StaticDigraph::node(s)); }, lemon_dist(ld)});
    solvers.push_back({"Boost", [&](i32 s) {
                         boost::dijkstra_shortest_paths(
                             bg, static_cast<std::uint32_t>(s),
                             boost::predecessor_map(bpred_map).distance_map(bdist_map).weight_map(bweight));
                       },
                       boost_dist});
    solvers.push_back({"Boost no_color_map", [&](i32 s) {
                         boost::dijkstra_shortest_paths_no_color_map(
                             bg, static_cast<std::uint32_t>(s),
                             boost::predecessor_map(bpred_map).distance_map(bdist_map).weight_map(bweight));
                       },
                       boost_dist});
    solvers.push_back({"ours, bounded", [&](i32 s) { ours_bounded = net.shortest_paths(s, limit); },
                       [&](i32 v) { return ours_bounded.time_s[static_cast<std::size_t>(v)]; }, true});
    solvers.push_back({"LEMON, bounded",
                       [&](i32 s) {
                         ld_bounded.init();
                         ld_bounded.addSource(lemon::StaticDigraph::node(s));
                         while (!ld_bounded.emptyQueue() && ld_bounded.currentDist(ld_bounded.nextNode()) <= limit)
                           ld_bounded.processNextNode();
                       },
                       lemon_dist(ld_bounded, true), true});

    // Experimental variants (kernel_lab) and LEMON with other heaps.
    kernel_lab::Graph kg;
    kg.n = A.n, kg.first = A.first.data(), kg.head = A.head.data(), kg.time = A.time.data();
    std::vector<kernel_lab::Result> lab_out;
    kernel_lab::Variant<false, kernel_lab::Indexed<2>> v_i2;
    kernel_lab::Variant<false, kernel_lab::Indexed<4>> v_i4;
    kernel_lab::Variant<false, kernel_lab::Indexed<8>> v_i8;
    kernel_lab::Variant<true, kernel_lab::Indexed<4>> v_i4_rec;
    kernel_lab::Variant<false, kernel_lab::Lazy<2>> v_l2;
    kernel_lab::Variant<false, kernel_lab::Lazy<4>> v_l4;
    kernel_lab::Variant<false, kernel_lab::Indexed<4, true>> v_i4_bf;
    kernel_lab::Variant<false, kernel_lab::Radix> v_radix;
    kernel_lab::Variant<false, kernel_lab::Indexed<4>> v_i4_sparse;  // sparse mode keeps state between calls:
    kernel_lab::Variant<false, kernel_lab::Radix> v_radix_sparse;    // one object each
    if (experiments) {
      kg.first32.assign(A.first.begin(), A.first.end());
      kg.rec.resize(m);
      for (std::size_t e = 0; e < m; ++e) kg.rec[e] = {A.time[e], A.head[e]};
      enum Mode { kFresh, kReused, kSparse };
      auto add_lab = [&](const char* name, auto& var, Mode mode, bool bounded = false) {
        const std::size_t slot = lab_out.size();
        auto* vp = &var;
        const double lim = bounded ? limit : kInf;
        lab_out.emplace_back();
        lab_out[slot].dist.assign(n, kInf), lab_out[slot].pred.assign(n, -1);
        solvers.push_back({name,
                           [&, vp, slot, mode, lim](i32 s) {
                             if (mode == kFresh) vp->fresh(kg, s, lim, lab_out[slot]);
                             else if (mode == kReused) vp->reused(kg, s, lim, lab_out[slot]);
                             else vp->sparse(kg, s, lim, lab_out[slot]);
                           },
                           [&, slot](i32 v) { return lab_out[slot].dist[static_cast<std::size_t>(v)]; }, bounded});
      };
      lab_out.reserve(16);
      add_lab("lab: library copy (indexed 4-ary, fresh)", v_i4, kFresh);
      add_lab("lab: indexed 2-ary, fresh", v_i2, kFresh);
      add_lab("lab: indexed 8-ary, fresh", v_i8, kFresh);
      add_lab("lab: indexed 4-ary, reused workspace", v_i4, kReused);
      add_lab("lab: indexed 4-ary, arc records, reused", v_i4_rec, kReused);
      add_lab("lab: indexed 4-ary, branch-free child select, fresh", v_i4_bf, kFresh);
      add_lab("lab: lazy 2-ary, fresh", v_l2, kFresh);
      add_lab("lab: lazy 4-ary, fresh", v_l4, kFresh);
      add_lab("lab: lazy 4-ary, reused workspace", v_l4, kReused);
      add_lab("lab: radix heap (lazy), fresh", v_radix, kFresh);
      add_lab("lab: radix heap (lazy), reused", v_radix, kReused);
      add_lab("lab, bounded: library copy (indexed 4-ary, fresh)", v_i4, kFresh, true);
      add_lab("lab, bounded: radix heap, fresh", v_radix, kFresh, true);
      add_lab("lab, bounded: radix heap, sparse reset", v_radix_sparse, kSparse, true);
      add_lab("lab, bounded: indexed 4-ary, sparse reset", v_i4_sparse, kSparse, true);
      solvers.push_back({"LEMON QuadHeap", [&](i32 s) { lq.run(lemon::StaticDigraph::node(s)); }, lemon_dist(lq)});
      solvers.push_back({"LEMON PairingHeap", [&](i32 s) { lp.run(lemon::StaticDigraph::node(s)); }, lemon_dist(lp)});
    }

    if (!only.empty()) {  // profiling: time the named solvers only, no checks, no table
      for (const Timed& t : solvers) {
        if (std::find(only.begin(), only.end(), t.name) == only.end()) continue;
        double best = 1e300;
        for (int r = 0; r < reps; ++r)
          best = std::min(best, best_seconds(1, [&] {
                            for (const i32 s : sources) t.run(s);
                          }));
        std::printf("%s, %s: %s per query\n", el.name.c_str(), t.name.c_str(),
                    fmt_ms(best / static_cast<double>(sources.size())).c_str());
      }
      continue;
    }

    // Correctness, untimed: every solver against ours, per source.
    std::vector<double> reached_full, reached_bounded;
    std::size_t bounded_ref = 0;  // "ours, bounded"
    while (solvers[bounded_ref].name != "ours, bounded") ++bounded_ref;
    for (const i32 s : sources) {
      solvers[0].run(s);
      const std::vector<double> ref = ours.time_s;
      std::size_t rf = 0, rb = 0;
      for (double x : ref) rf += std::isfinite(x) ? 1 : 0;
      for (std::size_t k = 1; k < solvers.size(); ++k) {
        Timed& t = solvers[k];
        t.run(s);
        std::size_t bad = 0, first_bad = 0;
        for (std::size_t v = 0; v < n; ++v) {
          const double want = t.bounded && ref[v] > limit ? kInf : ref[v];
          const double got = t.dist(static_cast<i32>(v));
          if (k == bounded_ref && std::isfinite(got)) ++rb;
          if (!close(got, want) && bad++ == 0) first_bad = v;
        }
        if (bad) {
          std::fprintf(stderr, "MISMATCH %s, source %d: %zu nodes differ from ours; first node %zu: %.17g vs ours %.17g\n",
                       t.name.c_str(), s, bad, first_bad, t.dist(static_cast<i32>(first_bad)), ref[first_bad]);
          all_agree = false;
        }
      }
      reached_full.push_back(static_cast<double>(rf));
      reached_bounded.push_back(static_cast<double>(rb));
    }
    double mean_full = 0, mean_bounded = 0;
    for (std::size_t i = 0; i < sources.size(); ++i) mean_full += reached_full[i], mean_bounded += reached_bounded[i];
    mean_full /= static_cast<double>(sources.size()), mean_bounded /= static_cast<double>(sources.size());
    std::fprintf(stderr, "  distances: %s; reached per source: %.0f (full), %.0f within %.0f s\n",
                 all_agree ? "all solvers agree with ours" : "DISAGREEMENT (see above)", mean_full, mean_bounded, limit);

    // Timing: rounds, solvers in turn; best round per solver.
    for (int r = 0; r < reps; ++r)
      for (Timed& t : solvers)
        t.best = std::min(t.best, best_seconds(1, [&] {
                            for (const i32 s : sources) t.run(s);
                          }));
    const double k = static_cast<double>(sources.size());
    auto find = [&](const char* name) -> const Timed& {
      for (const Timed& t : solvers)
        if (t.name == name) return t;
      return solvers[0];
    };
    const double t_ours = find("ours").best / k, t_lemon = find("LEMON").best / k, t_boost = find("Boost").best / k;
    const double t_boost_nc = find("Boost no_color_map").best / k;
    const double t_ours_b = find("ours, bounded").best / k, t_lemon_b = find("LEMON, bounded").best / k;
    char row[1024];
    std::snprintf(row, sizeof row, "| %s | %lld | %zu | %s | %s | %s | %s | **%.3f** | %.3f | %.3f | %s | %s | %.0f / %.0f | %.3f | %.3f |\n",
                  el.name.c_str(), static_cast<long long>(el.n), m, fmt_ms(t_ours).c_str(), fmt_ms(t_lemon).c_str(),
                  fmt_ms(t_boost).c_str(), fmt_ms(t_boost_nc).c_str(), t_ours / t_lemon, t_ours / t_boost,
                  t_ours / t_boost_nc, fmt_ms(t_ours_b).c_str(), fmt_ms(t_lemon_b).c_str(), mean_bounded, mean_full,
                  t_ours_b / t_ours, t_ours_b / t_lemon_b);
    table += row;
    std::fprintf(stderr, "  %s", row);
    if (experiments) {
      std::printf("%s, experiments (per query; ratios to ours and to LEMON with its BinHeap, same run; bounded rows\n"
                  "against the bounded searches, limit %.0f s):\n\n", el.name.c_str(), limit);
      std::printf("| variant | time | ÷ ours | ÷ LEMON |\n|---|---:|---:|---:|\n");
      for (const bool bounded : {false, true})
        for (const Timed& t : solvers)
          if (t.bounded == bounded)
            std::printf("| %s | %s | %.3f | %.3f |\n", t.name.c_str(), fmt_ms(t.best / k).c_str(),
                        t.best / k / (bounded ? t_ours_b : t_ours), t.best / k / (bounded ? t_lemon_b : t_lemon));
      std::printf("\n");
    }
    std::fflush(stdout);
  }

  if (!only.empty()) return 0;
  std::printf("| graph | nodes | arcs | ours | LEMON | Boost | Boost no_color | ours ÷ LEMON | ours ÷ Boost | ours ÷ Boost nc | "
              "ours bounded | LEMON bounded | reached bounded / full | ours bounded ÷ full | ours ÷ LEMON bounded |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n%s", table.c_str());
  std::printf("\ndistances: %s\n", all_agree ? "every solver agrees with ours (relative 1e-9, same reached set) from every source"
                                             : "MISMATCH (see stderr)");
  return all_agree ? 0 : 1;
}
