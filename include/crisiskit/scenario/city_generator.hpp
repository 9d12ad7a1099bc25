#pragma once
/// \file
/// `generate_city(params)`: a synthetic city from a population and a seed,
/// deterministic for a seed on every machine (scenario/random.hpp).
///
/// The model, in the order it is built (each stage draws from its own
/// stream, so changing one stage's parameters leaves the others' draws as
/// they were):
///
/// 1. **Grid.** side = ⌈√(P / people_per_cell)⌉ (≥ 3) square cells of
///    `cell_m`, centred on (center_lon, center_lat).
/// 2. **River.** One river crosses west → east along y = y₀ + A·sin(2πx/λ + φ)
///    (A = 0.12·W, λ ∈ [0.8, 1.4]·W, y₀ ∈ ±0.25·W for a city W wide), one
///    4-connected band of cells with no residents.
/// 3. **Terrain.** z = 3 m + min(25 m, 2.5 m/km × distance to the river) +
///    value noise (±6 m on a 4 km lattice, smoothstep-interpolated) + ±0.5 m
///    per cell; river cells are at 0 m. The noise makes closed depressions:
///    the low-lying areas where water ponds.
/// 4. **Population** (Clark's negative-exponential urban density, 1951):
///    n_c = 1 + ⌊log₂(P / 50,000)⌋ (≤ 8) centres, the first near the middle
///    with weight 1, the others within ±0.35·W with weights in [0.25, 0.6];
///    density uᵢ = Σ_k w_k·exp(−d_ik / b_k) · exp(0.35·zᵢ − 0.06) + 0.003
///    with b_k = 0.12·W·√w_k + cell_m and zᵢ ~ N(0, 1) (log-normal noise
///    of mean 1). Residents are apportioned to cells by the largest
///    remainder method, so they sum to P exactly.
/// 5. **Old estates and vulnerable residents.** oldᵢ = exp(−dᵢ₀ / (0.08·W +
///    cell_m)) × U(0.6, 1) near the historic first centre; the vulnerable
///    share (elderly, disabled, small children) is 0.13 + 0.22·oldᵢ +
///    0.03·N(0, 1), clipped to [0.04, 0.5] — around China's 18.7 % of
///    residents aged 60+ in the 2020 census, higher in old estates.
/// 6. **Drainage** capacity (mm/h, drains plus infiltration): 20 + 25·urbanᵢ
///    − 12·oldᵢ + 3·N(0, 1), clipped to [8, 60], urbanᵢ = min(1, 3uᵢ/max u):
///    the 1-in-2 to 1-in-5-year design storms (≈ 30–50 mm/h) of China's
///    GB 50014-2021 in the centre, less on the fringe and in old estates.
/// 7. **Administrative tree.** Communities (社区, ~6,000 residents each),
///    streets (街道, ~60,000) and districts (区县, √(P/10⁵)) are Voronoi
///    regions of seeds drawn in proportion to population: each cell joins
///    its nearest community seed, each community its nearest street seed,
///    each street its nearest district seed, so the tree nests by
///    construction and every unit has at least one cell.
/// 8. **Key sites**, drawn in proportion to population unless said:
///    schools (P/8,000; 600–2,000 pupils), nursing homes (P/25,000, weighted
///    towards old estates; 60–300 residents), hospitals (P/60,000; 150–1,200
///    patients), subway lines (P/1.25 M lines when P ≥ 1 M, straight
///    through a centre, a station every 1.2 km in built-up cells), low-lying
///    areas (P/50,000 lowest built-up cells), old estates (P/30,000 cells of
///    highest oldᵢ·population), crowded venues (P/500,000, 20,000–60,000
///    capacity), substations (P/100,000) and water plants (P/400,000); every
///    cell is served by its nearest substation and water plant.
/// 9. **Roads.** A lattice every `street_spacing_m` (jittered); every
///    `arterial_every`-th line is an arterial running the whole city (with
///    bridges where it crosses the river); local streets exist in built-up
///    land cells (≥ `min_street_people` residents), with `missing_share` of
///    their segments left out. Dropped segments that reconnect a piece are
///    put back, pieces still cut off are removed, and one-way streets are
///    only chosen where the two-way streets left still connect everything:
///    the network is strongly connected by construction.
/// 10. **Depots** (P/200,000, ≥ 2, at populated cells' nearest nodes) hold
///    the stock types of `match::NeedRule::defaults()` for `stock_share` ×
///    {2, 1, 1, 4} of the residents they serve (water, food, tents, medical
///    kits) and boats for 0.2 % of them trapped; **teams** (P/50,000, ≥ 3)
///    cycle through rescue ×4, rescue|medic ×2, medic ×2, pump, repair,
///    6–15 people each.
///
/// Cost: O(cells · log cells + lattice points); a 1 M-person city takes well
/// under a second, 10 M a few (benchmarks/README.md).
///
/// \throws InvalidInput from `CityParams::validate` naming the field and value.
/// Thread-safety: a pure function.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/match/need_rules.hpp"
#include "crisiskit/scenario/city.hpp"
#include "crisiskit/scenario/random.hpp"

namespace crisiskit::scenario {

namespace detail {

/// Nearest of a fixed set of planar points (ties: the lower index), by a
/// bucket grid searched ring by ring; exact.
class NearestPoint {
 public:
  NearestPoint(const std::vector<double>& x, const std::vector<double>& y) : x_(x), y_(y) {
    const std::size_t n = x.size();
    minx_ = *std::min_element(x.begin(), x.end()), miny_ = *std::min_element(y.begin(), y.end());
    const double w = *std::max_element(x.begin(), x.end()) - minx_, h = *std::max_element(y.begin(), y.end()) - miny_;
    bs_ = std::max(1e-6, std::sqrt(std::max(w * h, 1e-12) / static_cast<double>(n)));
    if (w / bs_ > 4096 || h / bs_ > 4096) bs_ = std::max(w, h) / 4096;
    gx_ = static_cast<std::int32_t>(w / bs_) + 1, gy_ = static_cast<std::int32_t>(h / bs_) + 1;
    first_.assign(static_cast<std::size_t>(gx_) * gy_ + 1, 0);
    std::vector<std::int32_t> b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = bucket(bx(x[i]), by(y[i])), ++first_[b[i] + 1];
    for (std::size_t k = 1; k < first_.size(); ++k) first_[k] += first_[k - 1];
    item_.resize(n);
    std::vector<std::int32_t> fill(first_.begin(), first_.end() - 1);
    for (std::size_t i = 0; i < n; ++i) item_[fill[b[i]]++] = static_cast<std::int32_t>(i);
  }

  std::int32_t nearest(double qx, double qy) const {
    const std::int32_t cx = bx(qx), cy = by(qy);
    double best = std::numeric_limits<double>::infinity();
    std::int32_t arg = -1;
    for (std::int32_t r = 0;; ++r) {
      for (std::int32_t j = cy - r; j <= cy + r; ++j) {
        if (j < 0 || j >= gy_) continue;
        const bool edge_row = j == cy - r || j == cy + r;
        for (std::int32_t i = cx - r; i <= cx + r; i += (edge_row || r == 0) ? 1 : 2 * r) {
          if (i < 0 || i >= gx_) continue;
          const auto k = bucket(i, j);
          for (auto p = first_[k]; p < first_[k + 1]; ++p) {
            const std::int32_t q = item_[p];
            const double dx = x_[q] - qx, dy = y_[q] - qy, d = dx * dx + dy * dy;
            if (d < best || (d == best && q < arg)) best = d, arg = q;
          }
        }
      }
      const double reach = r * bs_;
      if ((arg >= 0 && best <= reach * reach) || (r > gx_ && r > gy_)) return arg;
    }
  }

 private:
  std::int32_t bx(double x) const { return std::clamp(static_cast<std::int32_t>((x - minx_) / bs_), 0, gx_ - 1); }
  std::int32_t by(double y) const { return std::clamp(static_cast<std::int32_t>((y - miny_) / bs_), 0, gy_ - 1); }
  std::int32_t bucket(std::int32_t i, std::int32_t j) const { return j * gx_ + i; }
  const std::vector<double>& x_;
  const std::vector<double>& y_;
  double minx_ = 0, miny_ = 0, bs_ = 1;
  std::int32_t gx_ = 1, gy_ = 1;
  std::vector<std::int32_t> first_, item_;
};

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::int32_t find(std::int32_t a) {
    while (parent_[a] != a) a = parent_[a] = parent_[parent_[a]];
    return a;
  }
  bool unite(std::int32_t a, std::int32_t b) {
    a = find(a), b = find(b);
    if (a == b) return false;
    if (a > b) std::swap(a, b);
    parent_[b] = a;  // the lower index stays the root: deterministic labels
    return true;
  }

 private:
  std::vector<std::int32_t> parent_;
};

/// k distinct indices drawn with probability ∝ weight (k ≤ #positive weights).
inline std::vector<std::int32_t> pick_weighted(Xoshiro256ss& rng, const std::vector<double>& w, std::int64_t k) {
  std::vector<double> cum(w.size());
  double s = 0;
  for (std::size_t i = 0; i < w.size(); ++i) cum[i] = (s += std::max(0.0, w[i]));
  std::vector<std::uint8_t> taken(w.size(), 0);
  std::vector<std::int32_t> out;
  while (static_cast<std::int64_t>(out.size()) < k) {
    std::size_t i = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), rng.uniform() * s) - cum.begin());
    i = std::min(i, w.size() - 1);
    // A repeat walks on to the next free positive-weight index (wrapping).
    for (std::size_t step = 0; (taken[i] || !(w[i] > 0)) && step < w.size(); ++step) i = (i + 1) % w.size();
    if (taken[i] || !(w[i] > 0)) break;
    taken[i] = 1;
    out.push_back(static_cast<std::int32_t>(i));
  }
  return out;
}

inline std::int64_t count_of(double population, double per, std::int64_t at_least = 1) {
  return std::max<std::int64_t>(at_least, static_cast<std::int64_t>(std::floor(population / per + 0.5)));
}

}  // namespace detail

/// Generates the city described in the file comment. \throws InvalidInput (bad params).
inline City generate_city(const CityParams& params) {
  using detail::count_of;
  params.validate();
  const CityParams& p = params;
  const double P = static_cast<double>(p.population);
  City c;
  c.params = p;

  // ---- 1. grid ------------------------------------------------------------
  const double want_cells = std::max(9.0, std::ceil(P / p.people_per_cell));
  const auto side = static_cast<std::int32_t>(std::ceil(std::sqrt(want_cells) - 1e-9));
  c.rows = c.cols = side;
  const std::int32_t nc = side * side;
  const double W = side * p.cell_m;
  c.x0_m = c.y0_m = -W / 2;
  constexpr double kDegToRad = 3.141592653589793 / 180.0;
  const double m_per_deg_lat = 111320.0, m_per_deg_lon = 111320.0 * det_cos(p.center_lat * kDegToRad);
  auto lon_of = [&](double x) { return p.center_lon + x / m_per_deg_lon; };
  auto lat_of = [&](double y) { return p.center_lat + y / m_per_deg_lat; };
  auto cell_of = [&](double x, double y) {
    const auto col = std::clamp(static_cast<std::int32_t>(std::floor((x - c.x0_m) / p.cell_m)), 0, side - 1);
    const auto row = std::clamp(static_cast<std::int32_t>(std::floor((y - c.y0_m) / p.cell_m)), 0, side - 1);
    return row * side + col;
  };
  c.cell_x_m.resize(nc), c.cell_y_m.resize(nc), c.cell_lon.resize(nc), c.cell_lat.resize(nc);
  for (std::int32_t r = 0; r < side; ++r)
    for (std::int32_t q = 0; q < side; ++q) {
      const auto i = r * side + q;
      c.cell_x_m[i] = c.x0_m + (q + 0.5) * p.cell_m, c.cell_y_m[i] = c.y0_m + (r + 0.5) * p.cell_m;
      c.cell_lon[i] = lon_of(c.cell_x_m[i]), c.cell_lat[i] = lat_of(c.cell_y_m[i]);
    }

  // ---- 2. river -------------------------------------------------------------
  Xoshiro256ss rr = Xoshiro256ss::stream(p.seed, 1);
  const double amp = 0.12 * W, wavelength = W * rr.uniform(0.8, 1.4), phase = rr.uniform(0, 6.283185307179586);
  const double y_off = rr.uniform(-0.25, 0.25) * W;
  auto river_y = [&](double x) { return y_off + amp * det_sin(6.283185307179586 * x / wavelength + phase); };
  c.cell_river.assign(nc, 0);
  std::int32_t prev_row = -1;
  for (std::int32_t q = 0; q < side; ++q) {
    const double y = river_y(c.x0_m + (q + 0.5) * p.cell_m);
    const auto row = std::clamp(static_cast<std::int32_t>(std::floor((y - c.y0_m) / p.cell_m)), 0, side - 1);
    const std::int32_t lo = prev_row < 0 ? row : std::min(row, prev_row), hi = prev_row < 0 ? row : std::max(row, prev_row);
    for (std::int32_t r = lo; r <= hi; ++r) c.cell_river[r * side + q] = 1;  // 4-connected across columns
    prev_row = row;
  }

  // ---- 3. terrain -------------------------------------------------------------
  Xoshiro256ss rz = Xoshiro256ss::stream(p.seed, 2);
  // Value noise: uniform heights on a square lattice, smoothstep-interpolated.
  auto value_noise = [&](double lattice_m, double amplitude) {
    const auto nl = static_cast<std::int32_t>(W / lattice_m) + 2;
    std::vector<double> bump(static_cast<std::size_t>(nl) * nl);
    for (auto& b : bump) b = rz.uniform(-amplitude, amplitude);
    std::vector<double> out(nc);
    for (std::int32_t i = 0; i < nc; ++i) {
      const double gx = (c.cell_x_m[i] - c.x0_m) / lattice_m, gy = (c.cell_y_m[i] - c.y0_m) / lattice_m;
      const auto ix = std::min(static_cast<std::int32_t>(gx), nl - 2), iy = std::min(static_cast<std::int32_t>(gy), nl - 2);
      double fx = gx - ix, fy = gy - iy;
      fx = fx * fx * (3 - 2 * fx), fy = fy * fy * (3 - 2 * fy);
      auto at = [&](std::int32_t a, std::int32_t b) { return bump[static_cast<std::size_t>(b) * nl + a]; };
      out[i] = (at(ix, iy) * (1 - fx) + at(ix + 1, iy) * fx) * (1 - fy) +
               (at(ix, iy + 1) * (1 - fx) + at(ix + 1, iy + 1) * fx) * fy;
    }
    return out;
  };
  const auto broad = value_noise(4000, 6), fine = value_noise(1500, 2.5);
  c.cell_elevation_m.resize(nc);
  for (std::int32_t i = 0; i < nc; ++i) {
    const double dist = std::abs(c.cell_y_m[i] - river_y(c.cell_x_m[i]));
    const double z = 3 + std::min(25.0, 0.0025 * dist) + broad[i] + fine[i] + rz.uniform(-0.5, 0.5);
    c.cell_elevation_m[i] = c.cell_river[i] ? 0.0 : std::max(0.5, z);
  }

  // ---- 4. population ----------------------------------------------------------
  Xoshiro256ss rp = Xoshiro256ss::stream(p.seed, 3);
  const auto n_centres = static_cast<std::int32_t>(
      std::min(8.0, 1 + std::floor(std::log2(std::max(1.0, P / 50000.0)))));
  std::vector<double> cx(n_centres), cy(n_centres), cw(n_centres), cb(n_centres);
  for (std::int32_t k = 0; k < n_centres; ++k) {
    const double spread = k == 0 ? 0.05 : 0.35;
    for (int tries = 0; tries < 20; ++tries) {
      cx[k] = rp.uniform(-spread, spread) * W, cy[k] = rp.uniform(-spread, spread) * W;
      if (!c.cell_river[cell_of(cx[k], cy[k])]) break;
    }
    cw[k] = k == 0 ? 1.0 : rp.uniform(0.25, 0.6);
    cb[k] = 0.12 * W * std::sqrt(cw[k]) + p.cell_m;
  }
  std::vector<double> density(nc, 0.0);
  double dsum = 0, dmax = 0;
  for (std::int32_t i = 0; i < nc; ++i) {
    const double noise = det_exp(0.35 * rp.normal() - 0.06125);
    if (c.cell_river[i]) continue;
    double u = 0;
    for (std::int32_t k = 0; k < n_centres; ++k) {
      const double dx = c.cell_x_m[i] - cx[k], dy = c.cell_y_m[i] - cy[k];
      u += cw[k] * det_exp(-std::sqrt(dx * dx + dy * dy) / cb[k]);
    }
    density[i] = u * noise + 0.003;
    dsum += density[i], dmax = std::max(dmax, density[i]);
  }
  c.cell_population.assign(nc, 0);
  {
    std::vector<double> frac(nc, 0.0);
    std::int64_t given = 0;
    for (std::int32_t i = 0; i < nc; ++i) {
      const double q = P * density[i] / dsum;
      const double f = std::floor(q);
      c.cell_population[i] = static_cast<std::int64_t>(f), frac[i] = q - f, given += c.cell_population[i];
    }
    std::vector<std::int32_t> order(nc);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return frac[a] > frac[b]; });
    for (std::int64_t k = 0, left = p.population - given; k < left; ++k) {
      std::int32_t i = order[static_cast<std::size_t>(k % nc)];
      if (c.cell_river[i]) i = order[0];  // river cells have zero quota and sort last; never reached in practice
      ++c.cell_population[i];
    }
  }

  // ---- 5–6. old estates, vulnerable residents, drainage ------------------------
  c.cell_old_estate.assign(nc, 0.0), c.cell_vulnerable.assign(nc, 0), c.cell_drain_mm_h.assign(nc, 0.0);
  for (std::int32_t i = 0; i < nc; ++i) {
    const double dx = c.cell_x_m[i] - cx[0], dy = c.cell_y_m[i] - cy[0];
    const double old = det_exp(-std::sqrt(dx * dx + dy * dy) / (0.08 * W + p.cell_m)) * rp.uniform(0.6, 1.0);
    const double share = std::clamp(0.13 + 0.22 * old + 0.03 * rp.normal(), 0.04, 0.5);
    const double urban = std::min(1.0, 3 * density[i] / dmax);
    const double drain = std::clamp(8 + 17 * urban - 6 * old + 3 * rp.normal(), 5.0, 35.0);
    if (c.cell_river[i]) continue;
    c.cell_old_estate[i] = old;
    c.cell_vulnerable[i] = static_cast<std::int64_t>(std::floor(share * static_cast<double>(c.cell_population[i]) + 0.5));
    c.cell_drain_mm_h[i] = drain;
  }

  // ---- 7. administrative tree ---------------------------------------------------
  Xoshiro256ss ra = Xoshiro256ss::stream(p.seed, 4);
  std::int64_t n_land = 0;
  std::vector<double> land_w(nc, 0.0);
  for (std::int32_t i = 0; i < nc; ++i)
    if (!c.cell_river[i]) ++n_land, land_w[i] = static_cast<double>(c.cell_population[i]) + 0.01;
  const std::int64_t n_comm = std::min(count_of(P, 6000), n_land);
  const std::int64_t n_street = std::min(count_of(P, 60000), n_comm);
  const std::int64_t n_dist = std::min(count_of(std::sqrt(P / 1e5), 1), n_street);
  const auto comm_seed = detail::pick_weighted(ra, land_w, n_comm);
  std::vector<double> sx(n_comm), sy(n_comm);
  for (std::int64_t k = 0; k < n_comm; ++k) sx[k] = c.cell_x_m[comm_seed[k]], sy[k] = c.cell_y_m[comm_seed[k]];
  c.cell_community.resize(nc);
  {
    detail::NearestPoint near(sx, sy);
    for (std::int32_t i = 0; i < nc; ++i) c.cell_community[i] = near.nearest(c.cell_x_m[i], c.cell_y_m[i]);
  }
  std::vector<double> comm_pop(n_comm, 0.0);
  for (std::int32_t i = 0; i < nc; ++i) comm_pop[c.cell_community[i]] += static_cast<double>(c.cell_population[i]);
  for (auto& w : comm_pop) w += 0.01;
  const auto street_seed = detail::pick_weighted(ra, comm_pop, n_street);
  std::vector<std::int32_t> comm_street(n_comm), street_district(n_street);
  std::vector<double> tx(n_street), ty(n_street);
  for (std::int64_t k = 0; k < n_street; ++k) tx[k] = sx[street_seed[k]], ty[k] = sy[street_seed[k]];
  {
    detail::NearestPoint near(tx, ty);
    for (std::int64_t k = 0; k < n_comm; ++k) comm_street[k] = near.nearest(sx[k], sy[k]);
  }
  std::vector<double> street_pop(n_street, 0.01);
  for (std::int64_t k = 0; k < n_comm; ++k) street_pop[comm_street[k]] += comm_pop[k];
  const auto dist_seed = detail::pick_weighted(ra, street_pop, n_dist);
  {
    std::vector<double> dx(n_dist), dy(n_dist);
    for (std::int64_t k = 0; k < n_dist; ++k) dx[k] = tx[dist_seed[k]], dy[k] = ty[dist_seed[k]];
    detail::NearestPoint near(dx, dy);
    for (std::int64_t k = 0; k < n_street; ++k) street_district[k] = near.nearest(tx[k], ty[k]);
  }
  c.num_districts = static_cast<std::int32_t>(n_dist), c.num_streets = static_cast<std::int32_t>(n_street);
  c.num_communities = static_cast<std::int32_t>(n_comm);
  c.first_district = 1, c.first_street = 1 + c.num_districts, c.first_community = c.first_street + c.num_streets;
  c.first_cell = c.first_community + c.num_communities, c.first_site = c.first_cell + nc;

  auto add_place = [&](std::string id, PlaceKind kind, std::int32_t parent, double lon, double lat, double pop, double vul) {
    c.place_id.push_back(std::move(id)), c.place_kind.push_back(kind), c.place_parent.push_back(parent);
    c.place_lon.push_back(lon), c.place_lat.push_back(lat);
    c.place_population.push_back(pop), c.place_vulnerable.push_back(vul);
  };
  // Admin units: population sums and population-weighted centroids of their cells.
  {
    const std::size_t n_admin = 1 + n_dist + n_street + n_comm;
    std::vector<double> pop(n_admin, 0), vul(n_admin, 0), wx(n_admin, 0), wy(n_admin, 0), ux(n_admin, 0), uy(n_admin, 0),
        cnt(n_admin, 0);
    for (std::int32_t i = 0; i < nc; ++i) {
      const std::int32_t cm = c.cell_community[i], st = comm_street[cm], di = street_district[st];
      for (std::size_t row : {std::size_t{0}, static_cast<std::size_t>(c.first_district + di),
                              static_cast<std::size_t>(c.first_street + st), static_cast<std::size_t>(c.first_community + cm)}) {
        const double w = static_cast<double>(c.cell_population[i]);
        pop[row] += w, vul[row] += static_cast<double>(c.cell_vulnerable[i]);
        wx[row] += w * c.cell_x_m[i], wy[row] += w * c.cell_y_m[i];
        ux[row] += c.cell_x_m[i], uy[row] += c.cell_y_m[i], cnt[row] += 1;
      }
    }
    auto centre = [&](std::size_t row, bool want_x) {
      if (pop[row] > 0) return (want_x ? wx[row] : wy[row]) / pop[row];
      return (want_x ? ux[row] : uy[row]) / std::max(1.0, cnt[row]);
    };
    auto admin = [&](std::size_t row, std::string id, PlaceKind kind, std::int32_t parent) {
      add_place(std::move(id), kind, parent, lon_of(centre(row, true)), lat_of(centre(row, false)), pop[row], vul[row]);
    };
    admin(0, "city", PlaceKind::CITY, -1);
    for (std::int64_t k = 0; k < n_dist; ++k)
      admin(c.first_district + k, "district-" + std::to_string(k + 1), PlaceKind::DISTRICT, 0);
    for (std::int64_t k = 0; k < n_street; ++k)
      admin(c.first_street + k, "street-" + std::to_string(k + 1), PlaceKind::STREET, c.first_district + street_district[k]);
    for (std::int64_t k = 0; k < n_comm; ++k)
      admin(c.first_community + k, "community-" + std::to_string(k + 1), PlaceKind::COMMUNITY,
            c.first_street + comm_street[k]);
  }
  for (std::int32_t i = 0; i < nc; ++i)
    add_place("cell-" + std::to_string(i / side) + "-" + std::to_string(i % side), PlaceKind::GRID_CELL,
              c.first_community + c.cell_community[i], c.cell_lon[i], c.cell_lat[i],
              static_cast<double>(c.cell_population[i]), static_cast<double>(c.cell_vulnerable[i]));

  // ---- 8. key sites ----------------------------------------------------------------
  Xoshiro256ss rs = Xoshiro256ss::stream(p.seed, 5);
  std::vector<double> carved(nc, 0.0);
  std::int32_t kind_count[kNumPlaceKinds] = {};
  auto add_site = [&](PlaceKind kind, std::int32_t cell, double occupants, double vulnerable_share, double capacity,
                      std::int32_t line) {
    const double cell_pop = static_cast<double>(c.cell_population[cell]);
    double pop = 0, vul = 0;
    if (kind == PlaceKind::LOW_LYING_AREA || kind == PlaceKind::OLD_ESTATE) {
      pop = cell_pop, vul = static_cast<double>(c.cell_vulnerable[cell]);
    } else if (occupants > 0) {
      // Occupants live or stay in the cell: never more than half of its residents in all.
      pop = std::floor(std::clamp(occupants, 0.0, std::max(0.0, 0.5 * cell_pop - carved[cell])));
      carved[cell] += pop;
      vul = std::floor(pop * vulnerable_share + 0.5);
    }
    const double x = c.cell_x_m[cell] + rs.uniform(-0.3, 0.3) * p.cell_m;
    const double y = c.cell_y_m[cell] + rs.uniform(-0.3, 0.3) * p.cell_m;
    const int k = static_cast<int>(kind);
    add_place(std::string(to_string(kind)) + "-" + std::to_string(++kind_count[k]), kind, c.first_cell + cell, lon_of(x),
              lat_of(y), pop, vul);
    c.site_cell.push_back(cell), c.site_line.push_back(line), c.site_capacity.push_back(capacity);
  };
  std::vector<double> w_pop(nc, 0.0), w_old(nc, 0.0);
  for (std::int32_t i = 0; i < nc; ++i)
    if (!c.cell_river[i])
      w_pop[i] = static_cast<double>(c.cell_population[i]) + 0.01, w_old[i] = w_pop[i] * (1 + 3 * c.cell_old_estate[i]);
  auto capped = [&](std::int64_t k) { return std::min(k, n_land); };
  for (auto i : detail::pick_weighted(rs, w_pop, capped(count_of(P, 8000))))
    add_site(PlaceKind::SCHOOL, i, rs.uniform(600, 2000), 0.9, 0, -1);
  for (auto i : detail::pick_weighted(rs, w_old, capped(count_of(P, 25000))))
    add_site(PlaceKind::NURSING_HOME, i, rs.uniform(60, 300), 0.95, 0, -1);
  for (auto i : detail::pick_weighted(rs, w_pop, capped(count_of(P, 60000))))
    add_site(PlaceKind::HOSPITAL, i, rs.uniform(150, 1200), 0.7, 0, -1);
  if (P >= 1e6) {
    const auto lines = static_cast<std::int32_t>(std::min<std::int64_t>(10, count_of(P, 1.25e6)));
    for (std::int32_t l = 0; l < lines; ++l) {
      const std::int32_t k = l % n_centres;
      const double angle = rs.uniform(0, 3.141592653589793), ux = det_cos(angle), uy = det_sin(angle);
      std::int32_t last = -1;
      for (double s = -0.45 * W; s <= 0.45 * W; s += 1200) {
        const double x = cx[k] + s * ux, y = cy[k] + s * uy;
        if (std::abs(x) > W / 2 || std::abs(y) > W / 2) continue;
        const std::int32_t cell = cell_of(x, y);
        if (cell == last || c.cell_river[cell] || static_cast<double>(c.cell_population[cell]) < p.min_street_people)
          continue;
        add_site(PlaceKind::SUBWAY_STATION, cell, 0, 0, rs.uniform(5000, 20000), l);
        last = cell;
      }
    }
  }
  {
    std::vector<std::int32_t> built;
    for (std::int32_t i = 0; i < nc; ++i)
      if (!c.cell_river[i] && static_cast<double>(c.cell_population[i]) >= 0.2 * p.people_per_cell) built.push_back(i);
    if (built.empty())
      for (std::int32_t i = 0; i < nc; ++i)
        if (!c.cell_river[i]) built.push_back(i);
    auto lowest = built;
    std::stable_sort(lowest.begin(), lowest.end(),
                     [&](std::int32_t a, std::int32_t b) { return c.cell_elevation_m[a] < c.cell_elevation_m[b]; });
    lowest.resize(std::min<std::size_t>(lowest.size(), count_of(P, 50000)));
    for (auto i : lowest) add_site(PlaceKind::LOW_LYING_AREA, i, 0, 0, 0, -1);
    auto oldest = built;
    auto old_key = [&](std::int32_t i) { return c.cell_old_estate[i] * static_cast<double>(c.cell_population[i]); };
    std::stable_sort(oldest.begin(), oldest.end(), [&](std::int32_t a, std::int32_t b) { return old_key(a) > old_key(b); });
    oldest.resize(std::min<std::size_t>(oldest.size(), count_of(P, 30000)));
    for (auto i : oldest) add_site(PlaceKind::OLD_ESTATE, i, 0, 0, 0, -1);
  }
  for (auto i : detail::pick_weighted(rs, w_pop, capped(count_of(P, 500000))))
    add_site(PlaceKind::CROWDED_VENUE, i, 0, 0, rs.uniform(20000, 60000), -1);
  const std::int32_t first_substation = c.num_sites();
  for (auto i : detail::pick_weighted(rs, w_pop, capped(count_of(P, 100000))))
    add_site(PlaceKind::SUBSTATION, i, 0, 0, 0, -1);
  const std::int32_t first_water = c.num_sites();
  for (auto i : detail::pick_weighted(rs, w_pop, capped(count_of(P, 400000))))
    add_site(PlaceKind::WATER_PLANT, i, 0, 0, 0, -1);
  const std::int32_t end_water = c.num_sites();
  auto serve = [&](std::int32_t begin, std::int32_t end, std::vector<std::int32_t>& out) {
    std::vector<double> x, y;
    for (std::int32_t s = begin; s < end; ++s) x.push_back(c.cell_x_m[c.site_cell[s]]), y.push_back(c.cell_y_m[c.site_cell[s]]);
    detail::NearestPoint near(x, y);
    out.resize(nc);
    for (std::int32_t i = 0; i < nc; ++i) out[i] = begin + near.nearest(c.cell_x_m[i], c.cell_y_m[i]);
  };
  serve(first_substation, first_water, c.cell_substation);
  serve(first_water, end_water, c.cell_water_plant);

  // ---- 9. roads ------------------------------------------------------------------------
  Xoshiro256ss rn = Xoshiro256ss::stream(p.seed, 6);
  const double s = p.street_spacing_m;
  const auto nx = std::max<std::int32_t>(2, static_cast<std::int32_t>(std::floor(W / s)));
  const std::int32_t k_art = p.arterial_every, a_off = std::min(p.arterial_every / 2, nx - 1);
  // Node (i, j) of the lattice: kept if on an arterial line, or in a built-up land cell.
  auto lattice_x = [&](std::int32_t i) { return c.x0_m + (i + 0.5) * (W / nx); };
  std::vector<std::int32_t> node_at(static_cast<std::size_t>(nx) * nx, -1);
  std::vector<double> nxm, nym;
  std::vector<std::uint8_t> n_art;
  for (std::int32_t j = 0; j < nx; ++j)
    for (std::int32_t i = 0; i < nx; ++i) {
      const bool art = (i % k_art == a_off) || (j % k_art == a_off);
      const double x0 = lattice_x(i), y0 = lattice_x(j);
      const std::int32_t cell = cell_of(x0, y0);
      const bool keep = art || (!c.cell_river[cell] && static_cast<double>(c.cell_population[cell]) >= p.min_street_people);
      const double jit = (art ? 0.05 : 0.2) * s;
      const double jx = rn.uniform(-jit, jit), jy = rn.uniform(-jit, jit);
      if (!keep) continue;
      node_at[static_cast<std::size_t>(j) * nx + i] = static_cast<std::int32_t>(nxm.size());
      // Jitter only across an arterial's own direction would bend it; keep arterials nearly straight.
      nxm.push_back(x0 + jx), nym.push_back(y0 + jy), n_art.push_back(art);
    }
  struct RawEdge {
    std::int32_t a, b;
    bool arterial;
  };
  std::vector<RawEdge> kept, dropped;
  auto consider = [&](std::int32_t a, std::int32_t b, bool arterial) {
    if (a < 0 || b < 0) return;
    if (!arterial) {
      const bool river = c.cell_river[cell_of(nxm[a], nym[a])] || c.cell_river[cell_of(nxm[b], nym[b])];
      const bool drop = rn.uniform() < p.missing_share;
      if (river) return;  // only arterials bridge the river
      (drop ? dropped : kept).push_back({a, b, false});
      return;
    }
    kept.push_back({a, b, true});
  };
  for (std::int32_t j = 0; j < nx; ++j)
    for (std::int32_t i = 0; i < nx; ++i) {
      const auto here = node_at[static_cast<std::size_t>(j) * nx + i];
      if (here < 0) continue;
      if (i + 1 < nx) consider(here, node_at[static_cast<std::size_t>(j) * nx + i + 1], j % k_art == a_off);
      if (j + 1 < nx) consider(here, node_at[static_cast<std::size_t>(j + 1) * nx + i], i % k_art == a_off);
    }
  const auto n_raw = static_cast<std::int32_t>(nxm.size());
  detail::UnionFind uf(static_cast<std::size_t>(n_raw));
  for (const auto& e : kept) uf.unite(e.a, e.b);
  for (const auto& e : dropped)
    if (uf.unite(e.a, e.b)) kept.push_back(e);  // a missing segment that was the only way in is put back
  // Keep the piece holding the arterial grid (the first arterial node's); drop cut-off pockets.
  std::int32_t anchor = 0;
  while (anchor < n_raw && !n_art[anchor]) ++anchor;
  const std::int32_t root = uf.find(std::min(anchor, n_raw - 1));
  std::vector<std::int32_t> new_id(n_raw, -1);
  for (std::int32_t v = 0; v < n_raw; ++v)
    if (uf.find(v) == root) {
      new_id[v] = c.num_nodes();
      c.node_lon.push_back(lon_of(nxm[v])), c.node_lat.push_back(lat_of(nym[v])), c.node_cell.push_back(cell_of(nxm[v], nym[v]));
    }
  // Sort edges into lattice order so the ids do not depend on the put-back order above.
  std::sort(kept.begin(), kept.end(), [](const RawEdge& x, const RawEdge& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
  std::vector<std::uint8_t> oneway_candidate;
  for (const auto& e : kept) {
    if (new_id[e.a] < 0) continue;
    const double dx = nxm[e.b] - nxm[e.a], dy = nym[e.b] - nym[e.a];
    const double straight = std::sqrt(dx * dx + dy * dy);
    const bool flip = rn.uniform() < 0.5;
    const bool candidate = !e.arterial && rn.uniform() < p.oneway_share;
    const double wind = e.arterial ? 1.0 : rn.uniform(1.0, 1.1);
    const double speed = e.arterial ? p.arterial_kmh : p.local_kmh * rn.uniform(0.85, 1.15);
    c.edge_from.push_back(new_id[flip ? e.b : e.a]), c.edge_to.push_back(new_id[flip ? e.a : e.b]);
    c.edge_length_m.push_back(straight * wind), c.edge_speed_kmh.push_back(speed);
    c.edge_arterial.push_back(e.arterial), c.edge_oneway.push_back(0);
    c.edge_cell.push_back(cell_of((nxm[e.a] + nxm[e.b]) / 2, (nym[e.a] + nym[e.b]) / 2));
    oneway_candidate.push_back(candidate);
  }
  {
    // One-way only where the two-way streets left still connect every node: strongly connected.
    detail::UnionFind two_way(static_cast<std::size_t>(c.num_nodes()));
    const auto m = c.num_edges();
    for (std::int64_t e = 0; e < m; ++e)
      if (!oneway_candidate[e]) two_way.unite(static_cast<std::int32_t>(c.edge_from[e]), static_cast<std::int32_t>(c.edge_to[e]));
    for (std::int64_t e = 0; e < m; ++e)
      if (oneway_candidate[e])
        c.edge_oneway[e] = !two_way.unite(static_cast<std::int32_t>(c.edge_from[e]), static_cast<std::int32_t>(c.edge_to[e]));
  }
  {
    std::vector<double> ex(c.num_nodes()), ey(c.num_nodes());
    for (std::int32_t v = 0, k = 0; v < n_raw; ++v)
      if (new_id[v] >= 0) ex[k] = nxm[v], ey[k] = nym[v], ++k;
    detail::NearestPoint near(ex, ey);
    c.cell_node.resize(nc);
    for (std::int32_t i = 0; i < nc; ++i) c.cell_node[i] = near.nearest(c.cell_x_m[i], c.cell_y_m[i]);
  }

  // ---- 10. depots and teams -----------------------------------------------------------
  Xoshiro256ss rd = Xoshiro256ss::stream(p.seed, 7);
  const auto n_depots = capped(count_of(P, 200000, 2));
  const double served = P / static_cast<double>(n_depots);
  const auto rules = match::NeedRule::defaults();
  auto rule_of = [&](const std::string& type) {
    for (const auto& r : rules)
      if (r.type == type) return r;
    return match::NeedRule{};
  };
  const double share_of[] = {2 * p.stock_share, p.stock_share, p.stock_share, 4 * p.stock_share, 0.002 * p.stock_share / 0.05};
  for (auto i : detail::pick_weighted(rd, w_pop, n_depots)) {
    c.depot_id.push_back("depot-" + std::to_string(c.num_depots() + 1));
    c.depot_node.push_back(c.cell_node[i]);
    for (std::size_t t = 0; t < depot_resource_types().size(); ++t) {
      const auto r = rule_of(depot_resource_types()[t]);
      c.depot_stock.push_back(static_cast<std::int64_t>(std::ceil(served * share_of[t] * r.rate * std::max(r.days, 1.0) - 1e-9)));
    }
  }
  const auto n_teams = count_of(P, 50000, 3);
  static const char* const kSkills[10] = {"rescue", "rescue", "rescue", "rescue", "rescue|medic",
                                          "rescue|medic", "medic", "medic", "pump", "repair"};
  for (std::int64_t k = 0; k < n_teams; ++k) {
    const auto cell = detail::pick_weighted(rd, w_pop, 1);
    c.team_id.push_back("team-" + std::to_string(k + 1));
    c.team_node.push_back(c.cell_node[cell.empty() ? 0 : cell[0]]);
    c.team_skills.emplace_back(kSkills[k % 10]);
    c.team_headcount.push_back(6 + static_cast<std::int32_t>(rd.below(10)));
  }
  c.check();
  return c;
}

}  // namespace crisiskit::scenario
