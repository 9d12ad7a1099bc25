#pragma once
// Small helpers shared by the C++ benchmarks: a platform-stable seeded random
// source and a parser for comma-separated integer options.
#include <cstdint>
#include <cstdlib>
#include <random>
#include <utility>
#include <vector>

namespace crisiskit::bench {

// std::mt19937_64 with ranges by modulo (bias < 2⁻⁴⁰ for the ranges used) and
// doubles from the top 53 bits, so a seed gives the same numbers on every
// platform (unlike std::uniform_*_distribution, whose algorithms are
// implementation-defined).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  std::int64_t range(std::int64_t lo, std::int64_t hi) {  // uniform in [lo, hi]
    return lo + static_cast<std::int64_t>(g_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double unit() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }  // uniform in [0, 1)
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i)
      std::swap(v[i - 1], v[static_cast<std::size_t>(range(0, static_cast<std::int64_t>(i) - 1))]);
  }

 private:
  std::mt19937_64 g_;
};

// "4096,16384" → {4096, 16384}.
inline std::vector<std::int64_t> parse_list(const char* s) {
  std::vector<std::int64_t> out;
  for (const char* p = s; *p;) {
    char* end = nullptr;
    out.push_back(std::strtoll(p, &end, 10));
    if (end == p) break;
    p = *end == ',' ? end + 1 : end;
  }
  return out;
}

}  // namespace crisiskit::bench
