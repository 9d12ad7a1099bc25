#pragma once
/// \file
/// The Dijkstra kernel behind `RoadNetwork`'s queries: a 4-ary heap with
/// decrease-key, over compressed-sparse-row arcs, bounded by a time limit.
///
/// Two callers with different needs share it:
/// - one-to-all writes straight into the result arrays (size n);
/// - bounded many-to-many keeps one `SearchSpace` per thread and resets only
///   the nodes a search touched, so a 30-minute search on a million-node
///   city costs what its ball costs, not O(n) per source.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace crisiskit::match::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// CSR view of the arcs: arcs of node u are first[u] .. first[u+1]−1.
struct CsrView {
  const std::int64_t* first;
  const std::int32_t* head;
  const double* time;  ///< current (or base) travel time per arc, +inf = closed
};

/// 4-ary min-heap of node ids keyed by tentative time. `pos[v]` is v's slot,
/// −1 when never queued, −2 once settled (so it is never queued again).
class QuadHeap {
 public:
  explicit QuadHeap(std::size_t n) : pos_(n, -1) {}
  bool empty() const noexcept { return items_.empty(); }
  std::int32_t pos(std::int32_t v) const noexcept { return pos_[static_cast<std::size_t>(v)]; }
  void forget(std::int32_t v) noexcept { pos_[static_cast<std::size_t>(v)] = -1; }

  void push_or_decrease(std::int32_t v, double key) {
    const std::int32_t p = pos_[static_cast<std::size_t>(v)];
    if (p < 0) {
      items_.push_back({key, v});
      up(items_.size() - 1);
    } else {
      items_[static_cast<std::size_t>(p)].key = key;
      up(static_cast<std::size_t>(p));
    }
  }

  std::pair<std::int32_t, double> pop() {
    const Item top = items_.front();
    pos_[static_cast<std::size_t>(top.v)] = -2;
    const Item last = items_.back();
    items_.pop_back();
    if (!items_.empty()) down(0, last);
    return {top.v, top.key};
  }

  /// Empties the heap, calling f(v) for each queued (unsettled) node and
  /// marking it never-queued.
  template <class F>
  void drain(F&& f) {
    for (const Item& x : items_) {
      pos_[static_cast<std::size_t>(x.v)] = -1;
      f(x.v);
    }
    items_.clear();
  }

 private:
  struct Item {
    double key;
    std::int32_t v;
  };
  void place(std::size_t i, const Item& x) noexcept {
    items_[i] = x;
    pos_[static_cast<std::size_t>(x.v)] = static_cast<std::int32_t>(i);
  }
  void up(std::size_t i) noexcept {
    const Item x = items_[i];
    while (i > 0) {
      const std::size_t p = (i - 1) / 4;
      if (!(x.key < items_[p].key)) break;
      place(i, items_[p]);
      i = p;
    }
    place(i, x);
  }
  void down(std::size_t i, const Item x) noexcept {
    const std::size_t n = items_.size();
    for (;;) {
      const std::size_t c = 4 * i + 1;
      if (c >= n) break;
      std::size_t best = c;
      double min_key;
      if (c + 4 <= n) {
        // A tournament over the four children with no data-dependent branch
        // (compares become setcc/minsd, the final pick a cmov): the child
        // choice was the hottest mispredicted branch of the whole search
        // (callgrind, benchmarks/README.md). Ties go left, as in the loop
        // below, so settle order and results are bit-identical.
        const double k0 = items_[c].key, k1 = items_[c + 1].key;
        const double k2 = items_[c + 2].key, k3 = items_[c + 3].key;
        const std::size_t b01 = c + static_cast<std::size_t>(k1 < k0);
        const std::size_t b23 = c + 2 + static_cast<std::size_t>(k3 < k2);
        const double m01 = k1 < k0 ? k1 : k0, m23 = k3 < k2 ? k3 : k2;
        best = m23 < m01 ? b23 : b01;
        min_key = m23 < m01 ? m23 : m01;
      } else {
        for (std::size_t k = c + 1; k < n; ++k)
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
  std::vector<std::int32_t> pos_;
};

/// Dijkstra from `source` over `g`, settling nodes in order of time up to
/// `limit` seconds. `dist`/`pred` (size n) must hold +inf / −1 for every node
/// on entry. `settle(v, d)` is called for each settled node and returns false
/// to stop early. On return, nodes that were queued but not settled are reset
/// to +inf / −1 and reported to `unsettled(v)`, so dist is +inf exactly for the
/// nodes not settled.
template <class Settle, class Unsettled>
void dijkstra(const CsrView& g, std::int32_t source, double limit, double* dist, std::int32_t* pred, QuadHeap& heap,
              Settle&& settle, Unsettled&& unsettled) {
  dist[source] = 0;
  heap.push_or_decrease(source, 0.0);
  while (!heap.empty()) {
    const auto [u, du] = heap.pop();
    if (du > limit) {
      dist[u] = kInf;
      pred[u] = -1;
      heap.forget(u);
      unsettled(u);
      break;
    }
    if (!settle(u, du)) break;
    const auto b = static_cast<std::size_t>(g.first[u]);
    const auto e = static_cast<std::size_t>(g.first[u + 1]);
    for (std::size_t a = b; a < e; ++a) {
      const double nd = du + g.time[a];
      const std::int32_t v = g.head[a];
      if (nd < dist[v]) {
        dist[v] = nd;
        pred[v] = static_cast<std::int32_t>(a);
        heap.push_or_decrease(v, nd);
      }
    }
  }
  heap.drain([&](std::int32_t v) {
    dist[v] = kInf;
    pred[v] = -1;
    unsettled(v);
  });
}

/// Per-thread scratch for repeated bounded searches on one graph: arrays of
/// size n allocated once, and after each search only the settled nodes are
/// reset (the kernel resets the unsettled ones itself).
class SearchSpace {
 public:
  explicit SearchSpace(std::size_t n) : dist_(n, kInf), pred_(n, -1), heap_(n) {}

  /// Runs a search; `settle(v, d)` as in `dijkstra`. The previous search's
  /// state is cleared first.
  template <class Settle>
  void run(const CsrView& g, std::int32_t source, double limit, Settle&& settle) {
    clear();
    dijkstra(
        g, source, limit, dist_.data(), pred_.data(), heap_,
        [&](std::int32_t v, double d) {
          settled_.push_back(v);
          return settle(v, d);
        },
        [](std::int32_t) {});
  }

  /// Settled nodes of the last search, in order of time.
  const std::vector<std::int32_t>& settled() const noexcept { return settled_; }
  double dist(std::int32_t v) const noexcept { return dist_[static_cast<std::size_t>(v)]; }
  std::int32_t pred(std::int32_t v) const noexcept { return pred_[static_cast<std::size_t>(v)]; }

 private:
  void clear() {
    for (std::int32_t v : settled_) {
      dist_[static_cast<std::size_t>(v)] = kInf;
      pred_[static_cast<std::size_t>(v)] = -1;
      heap_.forget(v);
    }
    settled_.clear();
  }
  std::vector<double> dist_;
  std::vector<std::int32_t> pred_;
  QuadHeap heap_;
  std::vector<std::int32_t> settled_;
};

}  // namespace crisiskit::match::detail
