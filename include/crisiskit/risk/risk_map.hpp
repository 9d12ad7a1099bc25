#pragma once
/// \file
/// RiskMap (风险图谱): places, the links between them, and multi-source
/// signals, turned into explainable 0–100 risk scores, latent causes and
/// 72-hour incident forecasts.
///
/// ## Score of place i at time t
///
///     p_i(t) = Σ_{signals s at i, t_s ≤ t} w_k(s) · c_s · x_s · 2^(−(t − t_s) / h_k(s))    pressure
///     e_i    = m(kind_i) · (1 + γ · vulnerable_i / max(population_i, 1))                   exposure
///     l_i    = e_i · p_i                                                                  local pressure
///     r      = l + α P r   ⇔   r = (I − α P)⁻¹ l = Σ_n (α P)ⁿ l                           propagated
///     score_i = 100 · (1 − exp(−r_i / scale))                                             0–100
///
/// w_k, h_k: the source kind's weight and half-life; c_s confidence ∈ [0, 1];
/// x_s intensity ≥ 0; m(kind) the place-kind multiplier; γ the vulnerability
/// gain. P holds the link weights (rows = receivers): with RECEIVER
/// normalisation P_ij = w(j→i) / Σ_k w(k→i), so α P r is α times the weighted
/// mean of the neighbours' risk; ‖αP‖_∞ ≤ α < 1 makes r = l + αPr a
/// contraction and the fixed-point iteration converges geometrically (error
/// ≤ αⁿ/(1−α) ‖l‖_∞). With NONE the raw weights are used and every place's
/// incoming weight must satisfy α Σ_j w(j→i) < 1 — links that would break this
/// are refused. The score saturates smoothly: r = scale gives 63.2, 2·scale
/// 86.5, 3·scale 95.0.
///
/// ## Explanations are exact
/// r_i = Σ_j G_ij l_j with G = (I − αP)⁻¹, so the contribution of place j is
/// G_ij l_j and of kind k is Σ_j G_ij e_j p_jk. Row i of G comes from the
/// adjoint system g = e_i + α Pᵀ g. Points on the 0–100 scale are attributed
/// in proportion to raw contributions, so both decompositions sum to the score.
///
/// Thread-safety: const methods may run concurrently with each other; a
/// mutating method (add_links, add_signals, set_source_kind, fit, set_model)
/// must not overlap any other call on the same map. Mutations are
/// all-or-nothing: when one throws, the map is unchanged.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/core/id_map.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/detail/binary_io.hpp"
#include "crisiskit/detail/parallel.hpp"
#include "crisiskit/risk/config.hpp"
#include "crisiskit/risk/geo.hpp"
#include "crisiskit/risk/hawkes.hpp"
#include "crisiskit/risk/sparse.hpp"

namespace crisiskit::risk {

/// Columns describing the places. `id` is required; any other span may be
/// empty (kind → "community", lon/lat → NaN = no location, population and
/// vulnerable → 0, parent → none). `parent` entries are ids of other places
/// in the same table ("" = none); the tree must be acyclic.
struct PlaceColumns {
  Span<const std::string_view> id;
  Span<const std::string_view> kind;
  Span<const double> lon, lat;
  Span<const double> population, vulnerable;
  Span<const std::string_view> parent;
};

/// How `RiskMap::rollup` aggregates leaf scores up the administrative tree.
enum class Rollup : int { MAX = 0, MEAN = 1, POPULATION_MEAN = 2 };

/// Scores and their parts for every place.
struct ScoreDetail {
  std::vector<double> local;  ///< l_i = e_i p_i (pressure units)
  std::vector<double> raw;    ///< r_i after propagation (pressure units)
  std::vector<double> score;  ///< 0–100
  int iterations = 0;         ///< fixed-point iterations used
};

/// An exact decomposition of one place's score (see the file comment).
struct Explanation {
  Index place = -1;
  Timestamp at = 0;
  double score = 0;      ///< 0–100, equal to Σ points of each decomposition
  double raw = 0;        ///< r_i, pressure units
  double local = 0;      ///< l_i, this place's own weighted pressure
  double exposure = 1;   ///< e_i
  struct KindPart {
    std::string kind;
    double raw = 0, points = 0;
  };
  struct PlacePart {
    Index place = -1;          ///< −1: the remainder row (several places)
    std::int64_t places = 1;   ///< places aggregated in this row
    double raw = 0, points = 0;
  };
  struct SignalPart {
    std::int64_t signal = 0;   ///< row in the signal store (insertion order)
    Index place = -1;
    Timestamp time = 0;
    std::string kind;
    double intensity = 0, confidence = 0, raw = 0, points = 0;
  };
  std::vector<KindPart> by_kind;      ///< every kind with a non-zero part, largest first
  std::vector<PlacePart> by_place;    ///< largest first; the last row may be the remainder
  std::vector<SignalPart> top_signals;
};

/// One elevated source kind at a place.
struct LatentKind {
  std::string kind, family;
  std::int64_t observed = 0;  ///< signals in the recent window
  double expected = 0;        ///< from the place's shrunk baseline rate
  double p_value = 1;         ///< P(Poisson(expected) ≥ observed)
};

/// A place where independent sources are elevated together (潜在诱因).
struct LatentCause {
  Index place = -1;
  std::vector<LatentKind> kinds;  ///< every elevated kind, most surprising first
  int families = 0;               ///< independent families among them
  double p_value = 1;             ///< Fisher's combination over families (the least p of each)
  double strength = 0;            ///< −log10(p_value)
  std::int32_t cluster = -1;      ///< connected group of latent places along links; 0 = strongest
};

/// Incident forecast for every place.
struct RiskForecast {
  Timestamp at = 0;
  Duration horizon = 0;
  std::vector<double> expected;   ///< expected incidents in (at, at + horizon]
  std::vector<double> p_any;      ///< probability of at least one
  std::vector<AlertLevel> level;  ///< policy level of 100 · p_any
};

/// Fit options: the Hawkes options plus which signal kinds are incidents and
/// the window (default: from the first to just after the last such signal).
struct RiskFitOptions : HawkesFitOptions {
  std::vector<std::string> kinds = {"incident"};
  std::optional<Timestamp> start, end;
};

/// Memory held by the map, bytes.
struct RiskMemory {
  std::size_t places = 0, links = 0, signals = 0;
};

class RiskMap {
 public:
  /// \throws InvalidInput naming the column, row and value: empty or duplicate
  /// ids, coordinates out of range, negative or non-finite population,
  /// vulnerable > population, unknown parent, a cycle in the parent tree, or
  /// an invalid config.
  explicit RiskMap(const PlaceColumns& places, RiskConfig config = {}) : config_(std::move(config)) {
    config_.validate();
    const std::size_t n = places.id.size();
    CRISISKIT_CHECK(n < static_cast<std::size_t>(INT32_MAX), "id", InvalidInput::no_index, n, "too many places (max 2^31−1)");
    auto check_len = [&](std::size_t len, const char* field) {
      CRISISKIT_CHECK(len == 0 || len == n, field, InvalidInput::no_index, len,
                      fmt::format("length must match id ({}) or be empty", n));
    };
    check_len(places.kind.size(), "kind");
    check_len(places.lon.size(), "lon");
    check_len(places.lat.size(), "lat");
    check_len(places.population.size(), "population");
    check_len(places.vulnerable.size(), "vulnerable");
    check_len(places.parent.size(), "parent");
    CRISISKIT_CHECK(places.lon.size() == places.lat.size(), "lat", InvalidInput::no_index, places.lat.size(),
                    "lon and lat must be given together");
    ids_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      IdMap::validate(places.id[i], "id", static_cast<std::int64_t>(i));
      CRISISKIT_CHECK(!ids_.contains(places.id[i]), "id", static_cast<std::int64_t>(i), places.id[i], "duplicate place id");
      ids_.insert(places.id[i]);
    }
    kind_.resize(n);
    std::unordered_map<std::string, std::uint16_t> kind_code;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string k(places.kind.empty() ? std::string_view("community") : places.kind[i]);
      CRISISKIT_CHECK(!k.empty(), "kind", static_cast<std::int64_t>(i), k, "must not be empty");
      auto [it, fresh] = kind_code.emplace(k, static_cast<std::uint16_t>(place_kinds_.size()));
      if (fresh) {
        CRISISKIT_CHECK(place_kinds_.size() < 65535, "kind", static_cast<std::int64_t>(i), k, "too many distinct place kinds");
        place_kinds_.push_back(k);
      }
      kind_[i] = it->second;
    }
    lon_.assign(n, std::nan("")), lat_.assign(n, std::nan(""));
    if (!places.lon.empty()) {
      internal::check_coords(places.lon, places.lat);
      std::copy(places.lon.begin(), places.lon.end(), lon_.begin());
      std::copy(places.lat.begin(), places.lat.end(), lat_.begin());
    }
    pop_.assign(n, 0.0), vul_.assign(n, 0.0);
    for (std::size_t i = 0; i < places.population.size(); ++i) {
      CRISISKIT_CHECK(std::isfinite(places.population[i]) && places.population[i] >= 0, "population",
                      static_cast<std::int64_t>(i), places.population[i], "must be finite and ≥ 0");
      pop_[i] = places.population[i];
    }
    for (std::size_t i = 0; i < places.vulnerable.size(); ++i) {
      const double v = places.vulnerable[i];
      CRISISKIT_CHECK(std::isfinite(v) && v >= 0, "vulnerable", static_cast<std::int64_t>(i), v, "must be finite and ≥ 0");
      CRISISKIT_CHECK(places.population.empty() || v <= pop_[i], "vulnerable", static_cast<std::int64_t>(i), v,
                      fmt::format("exceeds the population {}", pop_[i]));
      vul_[i] = v;
    }
    parent_.assign(n, -1);
    for (std::size_t i = 0; i < places.parent.size(); ++i) {
      if (places.parent[i].empty()) continue;
      const auto p = ids_.find(places.parent[i]);
      CRISISKIT_CHECK(p.has_value(), "parent", static_cast<std::int64_t>(i), places.parent[i], "unknown place id");
      CRISISKIT_CHECK(*p != static_cast<Index>(i), "parent", static_cast<std::int64_t>(i), places.parent[i],
                      "a place cannot be its own parent");
      parent_[i] = *p;
    }
    check_tree();
    compute_exposure();
    install(build_operators(arcs_, link_types_));
  }

  // ---- places -------------------------------------------------------------
  Index num_places() const noexcept { return ids_.size(); }
  const IdMap& places() const noexcept { return ids_; }
  const std::string& place_kind(Index i) const { return place_kinds_.at(kind_.at(static_cast<std::size_t>(i))); }
  const std::vector<double>& lon() const noexcept { return lon_; }
  const std::vector<double>& lat() const noexcept { return lat_; }
  const std::vector<double>& population() const noexcept { return pop_; }
  const std::vector<double>& vulnerable() const noexcept { return vul_; }
  const std::vector<Index>& parent() const noexcept { return parent_; }
  /// e_i per place (see the file comment).
  const std::vector<double>& exposure() const noexcept { return exposure_; }
  const RiskConfig& config() const noexcept { return config_; }

  // ---- links --------------------------------------------------------------
  /// Adds links src[r] → dst[r] (place indices) of one `type` with weights
  /// (empty span = all 1). Undirected links add both directions. Re-adding a
  /// (src, dst, type) replaces its weight.
  /// \throws InvalidInput naming field and row: index out of range, a
  /// self-link, a negative or non-finite weight, mismatched lengths, or
  /// (NONE normalisation) a place whose incoming weight would make
  /// propagation diverge. Nothing is added then.
  void add_links(Span<const Index> src, Span<const Index> dst, Span<const double> weight, std::string_view type,
                 bool directed) {
    const std::size_t n = src.size();
    CRISISKIT_CHECK(dst.size() == n, "dst", InvalidInput::no_index, dst.size(), fmt::format("length must match src ({})", n));
    CRISISKIT_CHECK(weight.empty() || weight.size() == n, "weight", InvalidInput::no_index, weight.size(),
                    fmt::format("length must match src ({}) or be empty", n));
    CRISISKIT_CHECK(!type.empty(), "type", InvalidInput::no_index, type, "must not be empty");
    const auto N = ids_.size();
    for (std::size_t r = 0; r < n; ++r) {
      const auto row = static_cast<std::int64_t>(r);
      CRISISKIT_CHECK(src[r] >= 0 && src[r] < N, "src", row, src[r], fmt::format("place index out of range [0, {})", N));
      CRISISKIT_CHECK(dst[r] >= 0 && dst[r] < N, "dst", row, dst[r], fmt::format("place index out of range [0, {})", N));
      CRISISKIT_CHECK(src[r] != dst[r], "dst", row, ids_.id(dst[r]), "a place cannot link to itself");
      if (!weight.empty())
        CRISISKIT_CHECK(std::isfinite(weight[r]) && weight[r] >= 0 && weight[r] <= 1e12, "weight", row, weight[r],
                        "must be finite, ≥ 0 and ≤ 1e12");
    }
    std::uint16_t tcode = 0;
    auto it = std::find(link_types_.begin(), link_types_.end(), type);
    std::vector<std::string> types = link_types_;
    if (it == link_types_.end()) {
      CRISISKIT_CHECK(link_types_.size() < 65535, "type", InvalidInput::no_index, type, "too many link types");
      tcode = static_cast<std::uint16_t>(types.size());
      types.emplace_back(type);
    } else {
      tcode = static_cast<std::uint16_t>(it - link_types_.begin());
    }
    std::vector<Arc> arcs;
    arcs.reserve(arcs_.size() + n * (directed ? 1 : 2));
    arcs.assign(arcs_.begin(), arcs_.end());
    for (std::size_t r = 0; r < n; ++r) {
      const double w = weight.empty() ? 1.0 : weight[r];
      arcs.push_back({static_cast<std::int32_t>(src[r]), static_cast<std::int32_t>(dst[r]), tcode, w});
      if (!directed) arcs.push_back({static_cast<std::int32_t>(dst[r]), static_cast<std::int32_t>(src[r]), tcode, w});
    }
    merge_arcs(arcs);
    Operators ops = build_operators(arcs, types);
    if (config_.normalization == Normalization::NONE) check_divergence(ops.in, src, dst, directed);
    install(std::move(ops));
    link_types_ = std::move(types);
    arcs_ = std::move(arcs);
  }

  std::size_t num_links() const noexcept { return arcs_.size(); }  ///< directed arcs after merging
  const std::vector<std::string>& link_types() const noexcept { return link_types_; }
  /// Directed arcs (src, dst, type index, weight) after merging, sorted by (dst, src, type).
  struct Arc {
    std::int32_t src, dst;
    std::uint16_t type;
    double weight;
  };
  const std::vector<Arc>& arcs() const noexcept { return arcs_; }
  /// α-free propagation operator P (rows = receivers) and Hawkes excitation Q.
  const CsrMatrix& propagation_matrix() const noexcept { return P_; }
  const CsrMatrix& excitation_matrix() const noexcept { return Q_; }

  // ---- source kinds and signals ------------------------------------------
  /// Adds a source kind or changes an existing one (scores use the new
  /// weight and half-life at once; signals keep their kind).
  void set_source_kind(const SourceKind& kind) {
    RiskConfig c = config_;
    auto it = std::find_if(c.source_kinds.begin(), c.source_kinds.end(), [&](const auto& k) { return k.name == kind.name; });
    if (it == c.source_kinds.end()) c.source_kinds.push_back(kind);
    else *it = kind;
    c.validate();
    config_ = std::move(c);
  }
  /// Index of a source kind. \throws InvalidInput naming `field`/`row` for unknown names.
  std::uint16_t kind_code(std::string_view name, const char* field = "kind", std::int64_t row = InvalidInput::no_index) const {
    for (std::size_t k = 0; k < config_.source_kinds.size(); ++k)
      if (config_.source_kinds[k].name == name) return static_cast<std::uint16_t>(k);
    std::string known;
    for (const auto& k : config_.source_kinds) known += (known.empty() ? "" : ", ") + k.name;
    throw_invalid(field, row, name, fmt::format("unknown source kind (known: {}); add it with set_source_kind", known));
  }

  /// Appends signals. All spans have the same length; `kind` holds kind
  /// indices (kind_code). Times in UTC seconds, any order.
  /// \throws InvalidInput naming the field, row and value (place out of
  /// range, unknown kind, NaN/negative/infinite intensity, confidence outside
  /// [0, 1], intensity above max_intensity, time outside years 1000–9999);
  /// nothing is added then.
  void add_signals(Span<const Index> place, Span<const Timestamp> time, Span<const std::uint16_t> kind,
                   Span<const double> intensity, Span<const double> confidence) {
    const std::size_t n = place.size();
    auto len = [&](std::size_t got, const char* field) {
      CRISISKIT_CHECK(got == n, field, InvalidInput::no_index, got, fmt::format("length must match place ({})", n));
    };
    len(time.size(), "time"), len(kind.size(), "kind"), len(intensity.size(), "intensity"), len(confidence.size(), "confidence");
    const Index N = ids_.size();
    const std::size_t K = config_.source_kinds.size();
    constexpr Timestamp tmin = -30610224000LL, tmax = 253402300799LL;  // 1000-01-01 … 9999-12-31
    // Validation is a separate (parallel) pass so a bad row leaves the store
    // untouched; the first bad row is then re-checked field by field for the message.
    const unsigned workers = crisiskit::detail::planned_workers(n, 1 << 16);
    std::vector<std::size_t> first_bad(workers, n);
    crisiskit::detail::parallel_for(n, 1 << 16, [&](std::size_t lo, std::size_t hi, unsigned wk) {
      for (std::size_t r = lo; r < hi; ++r) {
        const bool ok = place[r] >= 0 && place[r] < N && time[r] >= tmin && time[r] <= tmax && kind[r] < K &&
                        intensity[r] >= 0 && intensity[r] <= max_intensity && confidence[r] >= 0 && confidence[r] <= 1;
        if (!ok) {
          first_bad[wk] = r;
          return;
        }
      }
    });
    const std::size_t bad = *std::min_element(first_bad.begin(), first_bad.end());
    if (bad < n) {
      const auto row = static_cast<std::int64_t>(bad);
      CRISISKIT_CHECK(place[bad] >= 0 && place[bad] < N, "place", row, place[bad], fmt::format("place index out of range [0, {})", N));
      CRISISKIT_CHECK(time[bad] >= tmin && time[bad] <= tmax, "time", row, time[bad], "outside years 1000–9999 (UTC seconds expected)");
      CRISISKIT_CHECK(kind[bad] < K, "kind", row, kind[bad], fmt::format("kind index out of range [0, {})", K));
      CRISISKIT_CHECK(std::isfinite(intensity[bad]) && intensity[bad] >= 0, "intensity", row, intensity[bad], "must be finite and ≥ 0");
      CRISISKIT_CHECK(intensity[bad] <= max_intensity, "intensity", row, intensity[bad],
                      "is implausibly large (max 1e12): pressures would overflow; check the source's units");
      throw_invalid("confidence", row, confidence[bad], "must be within [0, 1]");
    }
    // Reserve every column first: an allocation failure then happens before any column grows.
    place_s_.reserve(place_s_.size() + n), time_s_.reserve(time_s_.size() + n), kind_s_.reserve(kind_s_.size() + n);
    intensity_s_.reserve(intensity_s_.size() + n), confidence_s_.reserve(confidence_s_.size() + n);
    const std::size_t old = place_s_.size();
    place_s_.resize(old + n);
    for (std::size_t r = 0; r < n; ++r) place_s_[old + r] = static_cast<std::int32_t>(place[r]);
    time_s_.insert(time_s_.end(), time.begin(), time.end());
    kind_s_.insert(kind_s_.end(), kind.begin(), kind.end());
    intensity_s_.insert(intensity_s_.end(), intensity.begin(), intensity.end());
    confidence_s_.insert(confidence_s_.end(), confidence.begin(), confidence.end());
  }
  /// Largest accepted intensity. With weights and factors ≤ 1e6 (RiskConfig)
  /// no sum of pressures can overflow a double.
  static constexpr double max_intensity = 1e12;

  std::size_t num_signals() const noexcept { return place_s_.size(); }
  const std::vector<std::int32_t>& signal_places() const noexcept { return place_s_; }
  const std::vector<Timestamp>& signal_times() const noexcept { return time_s_; }
  const std::vector<std::uint16_t>& signal_kinds() const noexcept { return kind_s_; }
  const std::vector<double>& signal_intensity() const noexcept { return intensity_s_; }
  const std::vector<double>& signal_confidence() const noexcept { return confidence_s_; }

  // ---- scores ---------------------------------------------------------------
  /// Local, propagated and 0–100 scores of every place at `at` (signals with
  /// time ≤ at count). O(signals + iterations · links); parallel.
  ScoreDetail score_detail(Timestamp at) const {
    ScoreDetail d;
    d.local = pressure(at);
    for (std::size_t i = 0; i < d.local.size(); ++i) d.local[i] *= exposure_[i];
    d.raw = propagate(d.local, &d.iterations);
    d.score.resize(d.raw.size());
    for (std::size_t i = 0; i < d.raw.size(); ++i) d.score[i] = to_points(d.raw[i]);
    return d;
  }
  /// 0–100 scores aligned with the place ids.
  std::vector<double> scores(Timestamp at) const { return score_detail(at).score; }
  /// Raw pressure r → 0–100.
  double to_points(double r) const noexcept { return -100.0 * std::expm1(-r / config_.scale); }

  /// Exact decomposition of place `i`'s score at `at` (see the file comment).
  /// `top_places` rows by place (the rest in one remainder row), `top_signals`
  /// strongest individual signals. \throws InvalidInput for a bad index.
  Explanation explain(Index i, Timestamp at, int top_signals = 10, int top_places = 20) const {
    CRISISKIT_CHECK(i >= 0 && i < ids_.size(), "place", InvalidInput::no_index, i, "place index out of range");
    CRISISKIT_CHECK(top_signals >= 0, "top_signals", InvalidInput::no_index, top_signals, "must be ≥ 0");
    CRISISKIT_CHECK(top_places >= 1, "top_places", InvalidInput::no_index, top_places, "must be ≥ 1");
    const std::size_t N = static_cast<std::size_t>(ids_.size());
    // Row i of (I − αP)⁻¹ from the adjoint fixed point g = e_i + α Pᵀ g.
    std::vector<double> g(N, 0.0), next(N);
    g[static_cast<std::size_t>(i)] = 1.0;
    if (config_.alpha > 0 && P_.nnz() > 0) {
      double gmax = 1.0;
      for (int it = 0; it < config_.max_iterations; ++it) {
        std::fill(next.begin(), next.end(), 0.0);
        next[static_cast<std::size_t>(i)] = 1.0;
        P_.multiply_transposed_add(g.data(), next.data(), config_.alpha);
        double change = 0, m = 0;
        const double floor = 1e-6 * gmax;
        for (std::size_t j = 0; j < N; ++j) {
          const double d = std::abs(next[j] - g[j]);
          if (d > 0) change = std::max(change, d / (std::abs(next[j]) + floor));
          m = std::max(m, std::abs(next[j]));
        }
        g.swap(next);
        gmax = m;
        if (change <= config_.tolerance) break;
      }
    }
    Explanation ex;
    ex.place = i;
    ex.at = at;
    ex.exposure = exposure_[static_cast<std::size_t>(i)];
    const std::size_t K = config_.source_kinds.size();
    std::vector<double> by_kind(K, 0.0), by_place(N, 0.0);
    const Decay decay(config_);
    using Top = std::pair<double, std::size_t>;
    std::priority_queue<Top, std::vector<Top>, std::greater<Top>> top;  // min-heap of the strongest
    double local = 0;
    for (std::size_t s = 0; s < place_s_.size(); ++s) {
      if (time_s_[s] > at) continue;
      const auto j = static_cast<std::size_t>(place_s_[s]);
      if (g[j] == 0) continue;
      const double p = decay(*this, s, at);
      const double c = g[j] * exposure_[j] * p;
      if (j == static_cast<std::size_t>(i)) local += exposure_[j] * p;
      by_kind[kind_s_[s]] += c;
      by_place[j] += c;
      if (top_signals > 0 && c > 0) {
        if (top.size() < static_cast<std::size_t>(top_signals)) top.emplace(c, s);
        else if (c > top.top().first) top.pop(), top.emplace(c, s);
      }
    }
    double raw = 0;
    for (double v : by_place) raw += v;
    ex.raw = raw;
    ex.local = local;
    ex.score = to_points(raw);
    const double per = raw > 0 ? ex.score / raw : 0.0;
    for (std::size_t k = 0; k < K; ++k)
      if (by_kind[k] > 0) ex.by_kind.push_back({config_.source_kinds[k].name, by_kind[k], by_kind[k] * per});
    std::sort(ex.by_kind.begin(), ex.by_kind.end(), [](const auto& a, const auto& b) { return a.raw > b.raw; });
    std::vector<std::size_t> order;
    for (std::size_t j = 0; j < N; ++j)
      if (by_place[j] > 0) order.push_back(j);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return by_place[a] != by_place[b] ? by_place[a] > by_place[b] : a < b;
    });
    const std::size_t keep = std::min<std::size_t>(order.size(), static_cast<std::size_t>(top_places));
    for (std::size_t r = 0; r < keep; ++r)
      ex.by_place.push_back({static_cast<Index>(order[r]), 1, by_place[order[r]], by_place[order[r]] * per});
    if (order.size() > keep) {
      Explanation::PlacePart rest{-1, static_cast<std::int64_t>(order.size() - keep), 0, 0};
      for (std::size_t r = keep; r < order.size(); ++r) rest.raw += by_place[order[r]];
      rest.points = rest.raw * per;
      ex.by_place.push_back(rest);
    }
    std::vector<Top> tops;
    while (!top.empty()) tops.push_back(top.top()), top.pop();
    for (auto it = tops.rbegin(); it != tops.rend(); ++it) {
      const std::size_t s = it->second;
      ex.top_signals.push_back({static_cast<std::int64_t>(s), place_s_[s], time_s_[s], config_.source_kinds[kind_s_[s]].name,
                                intensity_s_[s], confidence_s_[s], it->first, it->first * per});
    }
    return ex;
  }

  /// Scores of the administrative tree at `at`: a place with children gets
  /// the aggregate of the scores of the leaves below it (MAX, MEAN, or MEAN
  /// weighted by leaf population); a leaf keeps its own score. A parent's own
  /// signals still count in `scores()` and reach its leaves only via links.
  std::vector<double> rollup(Timestamp at, Rollup how) const { return rollup_scores(scores(at), how); }
  std::vector<double> rollup_scores(const std::vector<double>& score, Rollup how) const {
    const std::size_t N = static_cast<std::size_t>(ids_.size());
    CRISISKIT_CHECK(score.size() == N, "scores", InvalidInput::no_index, score.size(), "one score per place");
    std::vector<double> sum(N, 0.0), wsum(N, 0.0), mx(N, -1.0);
    std::vector<char> has_child(N, 0);
    for (std::size_t i = 0; i < N; ++i)
      if (parent_[i] >= 0) has_child[static_cast<std::size_t>(parent_[i])] = 1;
    for (std::size_t i = 0; i < N; ++i) {
      if (has_child[i]) continue;
      const double wt = how == Rollup::POPULATION_MEAN ? pop_[i] : 1.0;
      for (Index a = parent_[i]; a >= 0; a = parent_[static_cast<std::size_t>(a)]) {
        const auto u = static_cast<std::size_t>(a);
        sum[u] += wt * score[i], wsum[u] += wt, mx[u] = std::max(mx[u], score[i]);
      }
    }
    std::vector<double> out(score);
    for (std::size_t i = 0; i < N; ++i) {
      if (!has_child[i]) continue;
      if (how == Rollup::MAX) out[i] = mx[i];
      else out[i] = wsum[i] > 0 ? sum[i] / wsum[i] : 0.0;
    }
    return out;
  }

  // ---- latent causes ----------------------------------------------------------
  /// Places where at least `latent.min_kinds` independent families of sources
  /// are elevated together at `at` (see LatentOptions), strongest first, with
  /// clusters of such places connected by links.
  std::vector<LatentCause> latent_causes(Timestamp at) const {
    const auto& o = config_.latent;
    const std::size_t K = config_.source_kinds.size();
    const Timestamp r0 = at - o.recent, b0 = r0 - o.baseline;
    std::unordered_map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> cnt;  // (place, kind) → (recent, base)
    std::vector<std::int64_t> base_total(K, 0);
    for (std::size_t s = 0; s < place_s_.size(); ++s) {
      const Timestamp t = time_s_[s];
      if (t > r0 && t <= at) ++cnt[key(place_s_[s], kind_s_[s])].first;
    }
    for (std::size_t s = 0; s < place_s_.size(); ++s) {
      const Timestamp t = time_s_[s];
      if (t > b0 && t <= r0) {
        ++base_total[kind_s_[s]];
        auto it = cnt.find(key(place_s_[s], kind_s_[s]));
        if (it != cnt.end()) ++it->second.second;
      }
    }
    const double W = static_cast<double>(o.baseline), R = static_cast<double>(o.recent), A = static_cast<double>(o.prior);
    const double N = static_cast<double>(ids_.size());
    std::map<std::int32_t, std::vector<LatentKind>> elevated;
    for (const auto& [k, c] : cnt) {
      const auto place = static_cast<std::int32_t>(k >> 16);
      const auto kind = static_cast<std::uint16_t>(k & 0xFFFF);
      if (base_total[kind] == 0 || c.first < o.min_count) continue;  // no history anywhere: nothing to compare with
      const double mean_rate = static_cast<double>(base_total[kind]) / (N * W);
      const double rate = (static_cast<double>(c.second) + A * mean_rate) / (W + A);
      const double expected = rate * R;
      const double p = poisson_tail(c.first, expected);
      if (p <= o.max_p)
        elevated[place].push_back({config_.source_kinds[kind].name, config_.source_kinds[kind].family_or_name(), c.first,
                                   expected, p});
    }
    std::vector<LatentCause> out;
    for (auto& [place, kinds] : elevated) {
      std::map<std::string, double> fam;
      for (const auto& k : kinds) {
        auto [it, fresh] = fam.emplace(k.family, k.p_value);
        if (!fresh) it->second = std::min(it->second, k.p_value);
      }
      if (static_cast<int>(fam.size()) < o.min_kinds) continue;
      LatentCause lc;
      lc.place = place;
      std::sort(kinds.begin(), kinds.end(), [](const auto& a, const auto& b) {
        return a.p_value != b.p_value ? a.p_value < b.p_value : a.kind < b.kind;
      });
      lc.kinds = std::move(kinds);
      lc.families = static_cast<int>(fam.size());
      double x = 0;
      for (const auto& [f, p] : fam) x += -2.0 * std::log(std::max(p, 1e-300));
      lc.p_value = std::max(gamma_q_safe(static_cast<double>(fam.size()), x / 2), 1e-300);
      lc.strength = -std::log10(lc.p_value);
      out.push_back(std::move(lc));
    }
    // Clusters: union-find over arcs joining two latent places.
    std::unordered_map<std::int32_t, std::size_t> pos;
    for (std::size_t k = 0; k < out.size(); ++k) pos[static_cast<std::int32_t>(out[k].place)] = k;
    std::vector<std::size_t> root(out.size());
    std::iota(root.begin(), root.end(), 0);
    auto find = [&](std::size_t x) {
      while (root[x] != x) x = root[x] = root[root[x]];
      return x;
    };
    if (!out.empty())
      for (const auto& a : arcs_) {
        auto s = pos.find(a.src), d = pos.find(a.dst);
        if (s != pos.end() && d != pos.end()) root[find(s->second)] = find(d->second);
      }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.strength != b.strength ? a.strength > b.strength : a.place < b.place;
    });
    // Positions moved: renumber through place indices.
    std::unordered_map<std::size_t, std::int32_t> cluster_of_root;
    for (auto& lc : out) {
      const std::size_t r = find(pos[static_cast<std::int32_t>(lc.place)]);
      auto [it, fresh] = cluster_of_root.emplace(r, static_cast<std::int32_t>(cluster_of_root.size()));
      lc.cluster = it->second;
    }
    return out;
  }

  // ---- forecast -------------------------------------------------------------
  /// Fits the Hawkes forecast model to the signals of `opt.kinds` (each
  /// signal one incident; intensity and confidence are not used) and keeps it.
  /// \throws InvalidInput for unknown kinds, an empty window or bad options.
  const HawkesModel& fit(const RiskFitOptions& opt) {
    auto [pl, tm] = incident_events(opt.kinds, "kinds");
    if (tm.empty()) {
      std::string names;
      for (const auto& k : opt.kinds) names += (names.empty() ? "" : ",") + k;
      throw_invalid("kinds", InvalidInput::no_index, names, "no signals of these kinds to fit to");
    }
    const Timestamp start = opt.start.value_or(tm.front());
    const Timestamp end = opt.end.value_or(tm.back() + 1);
    HawkesModel m = fit_hawkes(static_cast<std::int32_t>(ids_.size()), Q_, has_out_, EventView{pl, tm}, start, end, opt);
    m.kinds = opt.kinds;
    model_ = std::move(m);
    return *model_;
  }
  const std::optional<HawkesModel>& model() const noexcept { return model_; }
  /// Installs a saved model. \throws InvalidInput if it does not fit this map.
  void set_model(HawkesModel m) {
    m.validate(ids_.size());
    for (std::size_t k = 0; k < m.kinds.size(); ++k) kind_code(m.kinds[k], "model.kinds", static_cast<std::int64_t>(k));
    model_ = std::move(m);
  }

  /// Forecast of incidents in (at, at + horizon] from the fitted model and
  /// every incident signal up to `at`. Levels: `config().policy` applied to
  /// 100 · p_any. \throws StateError without a model; InvalidInput for horizon ≤ 0.
  RiskForecast forecast(Timestamp at, Duration horizon = hours(72)) const {
    if (!model_) throw StateError("RiskMap.forecast: no model; call fit() or set_model() first");
    CRISISKIT_CHECK(horizon > 0, "horizon", InvalidInput::no_index, horizon, "must be positive seconds");
    const HawkesModel& m = *model_;
    const std::size_t N = static_cast<std::size_t>(ids_.size());
    std::vector<char> is_incident(config_.source_kinds.size(), 0);
    for (const auto& k : m.kinds) is_incident[kind_code(k)] = 1;
    // Kernel charges from all incidents up to `at` (any arrival order).
    const std::vector<double> c0 = hawkes_state(m, N, place_s_, time_s_, at, kind_s_, is_incident);
    HawkesForecast f = forecast_hawkes(m, Q_, c0, at, horizon);
    RiskForecast out;
    out.at = at;
    out.horizon = horizon;
    out.level.resize(N);
    for (std::size_t i = 0; i < N; ++i) out.level[i] = config_.policy.level_of(100.0 * f.p_any[i]);
    out.expected = std::move(f.expected);
    out.p_any = std::move(f.p_any);
    return out;
  }

  /// Incident events (place, time) of `kinds`, sorted by time.
  std::pair<std::vector<std::int32_t>, std::vector<Timestamp>> incident_events(const std::vector<std::string>& kinds,
                                                                               const char* field = "kinds") const {
    CRISISKIT_CHECK(!kinds.empty(), field, InvalidInput::no_index, "[]", "name at least one source kind");
    std::vector<char> sel(config_.source_kinds.size(), 0);
    for (std::size_t k = 0; k < kinds.size(); ++k) sel[kind_code(kinds[k], field, static_cast<std::int64_t>(k))] = 1;
    std::vector<std::size_t> idx;
    for (std::size_t s = 0; s < place_s_.size(); ++s)
      if (sel[kind_s_[s]]) idx.push_back(s);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return time_s_[a] < time_s_[b]; });
    std::pair<std::vector<std::int32_t>, std::vector<Timestamp>> out;
    out.first.reserve(idx.size()), out.second.reserve(idx.size());
    for (auto s : idx) out.first.push_back(place_s_[s]), out.second.push_back(time_s_[s]);
    return out;
  }

  // ---- persistence and introspection -------------------------------------------
  RiskMemory memory() const noexcept {
    RiskMemory m;
    std::size_t idbytes = 0;
    for (const auto& s : ids_.ids()) idbytes += s.capacity() + sizeof(std::string) + 48;  // string + hash node
    m.places = idbytes + kind_.capacity() * 2 + (lon_.capacity() + lat_.capacity() + pop_.capacity() + vul_.capacity() +
                                                 exposure_.capacity()) * 8 + parent_.capacity() * 8 + has_out_.capacity();
    m.links = arcs_.capacity() * sizeof(Arc) + P_.memory_bytes() + Q_.memory_bytes();
    m.signals = place_s_.capacity() * 4 + time_s_.capacity() * 8 + kind_s_.capacity() * 2 + intensity_s_.capacity() * 8 +
                confidence_s_.capacity() * 8;
    return m;
  }

  /// Versioned binary snapshot of everything (config, places, links, signals, model).
  std::string to_bytes() const {
    crisiskit::detail::BinaryWriter w;
    w.raw("CKRISK1");
    const auto& c = config_;
    w.pod<std::uint64_t>(c.source_kinds.size());
    for (const auto& k : c.source_kinds) w.str(k.name), w.pod(k.weight), w.pod(k.half_life), w.str(k.family);
    auto write_map = [&](const std::map<std::string, double>& m) {
      w.pod<std::uint64_t>(m.size());
      for (const auto& [k, v] : m) w.str(k), w.pod(v);
    };
    write_map(c.place_factors);
    write_map(c.link_type_factors);
    w.pod(c.vulnerability_gain), w.pod(c.alpha), w.pod<std::int32_t>(static_cast<std::int32_t>(c.normalization));
    w.pod(c.scale), w.pod(c.tolerance), w.pod<std::int32_t>(c.max_iterations);
    w.pod(c.latent.recent), w.pod(c.latent.baseline), w.pod(c.latent.prior), w.pod(c.latent.max_p);
    w.pod<std::int32_t>(c.latent.min_count), w.pod<std::int32_t>(c.latent.min_kinds);
    for (int k = 0; k < 4; ++k) w.pod(c.policy.thresholds()[k]), w.pod(c.policy.margins()[k]), w.pod(c.policy.dwells()[k]);
    w.pod<std::uint64_t>(static_cast<std::uint64_t>(ids_.size()));
    for (const auto& id : ids_.ids()) w.str(id);
    for (std::size_t i = 0; i < kind_.size(); ++i) w.str(place_kinds_[kind_[i]]);
    w.array(lon_), w.array(lat_), w.array(pop_), w.array(vul_);
    for (Index p : parent_) w.str(p >= 0 ? std::string_view(ids_.id(p)) : std::string_view());
    w.pod<std::uint64_t>(link_types_.size());
    for (const auto& t : link_types_) w.str(t);
    w.pod<std::uint64_t>(arcs_.size());
    for (const auto& a : arcs_) w.pod(a.src), w.pod(a.dst), w.pod(a.type), w.pod(a.weight);
    w.array(place_s_), w.array(time_s_), w.array(kind_s_), w.array(intensity_s_), w.array(confidence_s_);
    w.pod<std::uint8_t>(model_.has_value());
    if (model_) model_->write(w);
    return std::move(w.buffer());
  }

  /// Rebuilds a map from `to_bytes`, re-validating everything.
  /// \throws InvalidInput naming the byte offset of a corrupt or truncated snapshot.
  static RiskMap from_bytes(std::string_view bytes) {
    crisiskit::detail::BinaryReader r(bytes, "snapshot");
    r.expect("CKRISK1");
    RiskConfig c;
    c.source_kinds.resize(r.count(24));
    for (auto& k : c.source_kinds) k.name = r.str(), k.weight = r.pod<double>(), k.half_life = r.pod<Duration>(), k.family = r.str();
    auto read_map = [&](std::map<std::string, double>& m) {
      m.clear();
      const auto n = r.count(16);
      for (std::uint64_t q = 0; q < n; ++q) {
        std::string k = r.str();
        m[k] = r.pod<double>();
      }
    };
    read_map(c.place_factors);
    read_map(c.link_type_factors);
    c.vulnerability_gain = r.pod<double>(), c.alpha = r.pod<double>();
    const auto norm = r.pod<std::int32_t>();
    if (norm != 0 && norm != 1) r.fail("unknown normalisation");
    c.normalization = static_cast<Normalization>(norm);
    c.scale = r.pod<double>(), c.tolerance = r.pod<double>(), c.max_iterations = r.pod<std::int32_t>();
    c.latent.recent = r.pod<Duration>(), c.latent.baseline = r.pod<Duration>(), c.latent.prior = r.pod<Duration>();
    c.latent.max_p = r.pod<double>(), c.latent.min_count = r.pod<std::int32_t>(), c.latent.min_kinds = r.pod<std::int32_t>();
    GradingPolicy::Thresholds th{};
    GradingPolicy::Margins mg{};
    GradingPolicy::Dwells dw{};
    for (int k = 0; k < 4; ++k) th[k] = r.pod<double>(), mg[k] = r.pod<double>(), dw[k] = r.pod<Duration>();
    c.policy = GradingPolicy(th, mg, dw);
    const auto n = r.count(8);
    std::vector<std::string> ids(n), kinds(n), parents(n);
    for (auto& s : ids) s = r.str();
    for (auto& s : kinds) s = r.str();
    auto lon = r.array<double>(), lat = r.array<double>(), pop = r.array<double>(), vul = r.array<double>();
    for (auto& s : parents) s = r.str();
    if (lon.size() != n || lat.size() != n || pop.size() != n || vul.size() != n) r.fail("place columns differ in length");
    std::vector<std::string_view> idv(ids.begin(), ids.end()), kv(kinds.begin(), kinds.end()), pv(parents.begin(), parents.end());
    PlaceColumns pc{idv, kv, lon, lat, pop, vul, pv};
    RiskMap map(pc, c);
    const auto nt = r.count(8);
    std::vector<std::string> types(nt);
    for (auto& t : types) t = r.str();
    const auto na = r.count(18);
    std::vector<std::vector<Index>> src(nt), dst(nt);
    std::vector<std::vector<double>> wt(nt);
    for (std::uint64_t a = 0; a < na; ++a) {
      const auto s = r.pod<std::int32_t>(), d = r.pod<std::int32_t>();
      const auto t = r.pod<std::uint16_t>();
      const auto w = r.pod<double>();
      if (t >= nt) r.fail("link type out of range");
      src[t].push_back(s), dst[t].push_back(d), wt[t].push_back(w);
    }
    for (std::size_t t = 0; t < nt; ++t) map.add_links(src[t], dst[t], wt[t], types[t], true);
    auto sp = r.array<std::int32_t>();
    auto st = r.array<Timestamp>();
    auto sk = r.array<std::uint16_t>();
    auto si = r.array<double>(), sc = r.array<double>();
    if (st.size() != sp.size() || sk.size() != sp.size() || si.size() != sp.size() || sc.size() != sp.size())
      r.fail("signal columns differ in length");
    std::vector<Index> spi(sp.begin(), sp.end());
    map.add_signals(spi, st, sk, si, sc);
    if (r.pod<std::uint8_t>()) map.set_model(HawkesModel::read(r));
    if (!r.done()) r.fail("trailing bytes after the snapshot");
    return map;
  }

 private:
  static std::uint64_t key(std::int32_t place, std::uint16_t kind) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(place)) << 16) | kind;
  }
  static double poisson_tail(std::int64_t n, double mean) {
    if (n <= 0) return 1.0;
    if (mean <= 0) return 0.0;
    try {
      return boost::math::gamma_p(static_cast<double>(n), mean);  // P(X ≥ n), X ~ Poisson(mean)
    } catch (...) {
      return 0.0;  // underflow: vanishingly small
    }
  }
  static double gamma_q_safe(double a, double x) {
    try {
      return boost::math::gamma_q(a, x);
    } catch (...) {
      return 0.0;
    }
  }

  void check_tree() const {
    // Walk up from every place with a colour per walk: revisiting the
    // current walk's colour is a cycle.
    const std::size_t N = parent_.size();
    std::vector<std::int64_t> mark(N, -1);
    for (std::size_t i = 0; i < N; ++i) {
      for (Index a = static_cast<Index>(i); a >= 0; a = parent_[static_cast<std::size_t>(a)]) {
        auto& m = mark[static_cast<std::size_t>(a)];
        if (m == static_cast<std::int64_t>(i))
          throw_invalid("parent", static_cast<std::int64_t>(i), ids_.id(parent_[i]), "the parent tree has a cycle");
        if (m >= 0) break;  // joins a chain already proven acyclic
        m = static_cast<std::int64_t>(i);
      }
    }
  }

  void compute_exposure() {
    const std::size_t N = kind_.size();
    std::vector<double> factor(place_kinds_.size(), 1.0);
    for (std::size_t k = 0; k < place_kinds_.size(); ++k) {
      auto it = config_.place_factors.find(place_kinds_[k]);
      if (it != config_.place_factors.end()) factor[k] = it->second;
    }
    exposure_.resize(N);
    for (std::size_t i = 0; i < N; ++i)
      exposure_[i] = factor[kind_[i]] * (1.0 + config_.vulnerability_gain * vul_[i] / std::max(pop_[i], 1.0));
  }

  static void merge_arcs(std::vector<Arc>& arcs) {
    // Stable sort by (dst, src, type); of equal keys the last added wins.
    std::stable_sort(arcs.begin(), arcs.end(), [](const Arc& a, const Arc& b) {
      return a.dst != b.dst ? a.dst < b.dst : a.src != b.src ? a.src < b.src : a.type < b.type;
    });
    std::size_t out = 0;
    for (std::size_t k = 0; k < arcs.size(); ++k) {
      const bool last_of_key = k + 1 == arcs.size() || arcs[k + 1].dst != arcs[k].dst || arcs[k + 1].src != arcs[k].src ||
                               arcs[k + 1].type != arcs[k].type;
      if (last_of_key) arcs[out++] = arcs[k];
    }
    arcs.resize(out);
  }

  double type_factor(const std::vector<std::string>& types, std::uint16_t t) const {
    auto it = config_.link_type_factors.find(types[t]);
    return it == config_.link_type_factors.end() ? 1.0 : it->second;
  }

  /// NONE normalisation: the first batch row whose receiver's incoming weight reaches 1/alpha.
  void check_divergence(const std::vector<double>& in, Span<const Index> src, Span<const Index> dst, bool directed) const {
    for (std::size_t r = 0; r < src.size(); ++r) {
      for (int side = 0; side < (directed ? 1 : 2); ++side) {
        const auto recv = static_cast<std::size_t>(side == 0 ? dst[r] : src[r]);
        if (config_.alpha * in[recv] >= 1.0)
          throw_invalid("weight", static_cast<std::int64_t>(r), in[recv],
                        fmt::format("incoming weight of place '{}' reaches {} ≥ 1/alpha = {}: propagation would diverge "
                                    "(lower the weights or alpha, or use RECEIVER normalisation)",
                                    ids_.id(static_cast<Index>(recv)), in[recv], 1.0 / std::max(config_.alpha, 1e-300)));
      }
    }
  }

  /// P, Q, which places have out-links, and each place's incoming weight.
  struct Operators {
    CsrMatrix P, Q;
    std::vector<char> has_out;
    std::vector<double> in;
  };

  void install(Operators&& ops) noexcept {
    P_ = std::move(ops.P);
    Q_ = std::move(ops.Q);
    has_out_ = std::move(ops.has_out);
  }

  Operators build_operators(const std::vector<Arc>& arcs, const std::vector<std::string>& types) const {
    const std::size_t N = static_cast<std::size_t>(ids_.size());
    Operators ops;
    CsrMatrix& P = ops.P;
    CsrMatrix& Q = ops.Q;
    P.rows = Q.rows = static_cast<std::int32_t>(N);
    P.ptr.assign(N + 1, 0);
    std::vector<double>& in = ops.in;
    in.assign(N, 0.0);
    std::vector<double> out(N, 0.0), w(arcs.size());
    for (std::size_t k = 0; k < arcs.size(); ++k) {
      w[k] = arcs[k].weight * type_factor(types, arcs[k].type);
      in[static_cast<std::size_t>(arcs[k].dst)] += w[k];
      out[static_cast<std::size_t>(arcs[k].src)] += w[k];
    }
    // arcs are sorted by dst: the CSR rows follow directly.
    P.col.reserve(arcs.size()), P.val.reserve(arcs.size());
    Q.col.reserve(arcs.size()), Q.val.reserve(arcs.size());
    std::vector<char>& has_out = ops.has_out;
    has_out.assign(N, 0);
    for (std::size_t k = 0; k < arcs.size(); ++k) {
      const auto i = static_cast<std::size_t>(arcs[k].dst), j = static_cast<std::size_t>(arcs[k].src);
      if (w[k] <= 0) continue;
      const double p = config_.normalization == Normalization::RECEIVER ? w[k] / in[i] : w[k];
      P.col.push_back(static_cast<std::int32_t>(j)), P.val.push_back(static_cast<float>(p));
      Q.col.push_back(static_cast<std::int32_t>(j)), Q.val.push_back(static_cast<float>(w[k] / out[j]));
      ++P.ptr[i + 1];
      has_out[j] = 1;
    }
    for (std::size_t i = 0; i < N; ++i) P.ptr[i + 1] += P.ptr[i];
    Q.ptr = P.ptr;
    return ops;
  }

  /// A signal's pressure at `at`: w_k · c · x · 2^(−age / h_k), with the kind constants looked up once.
  struct Decay {
    std::vector<double> weight, rate;  // rate = ln 2 / half-life
    explicit Decay(const RiskConfig& c) {
      for (const auto& k : c.source_kinds)
        weight.push_back(k.weight), rate.push_back(std::log(2.0) / static_cast<double>(k.half_life));
    }
    double operator()(const RiskMap& m, std::size_t s, Timestamp at) const {
      const auto k = m.kind_s_[s];
      return weight[k] * m.confidence_s_[s] * m.intensity_s_[s] * std::exp(-rate[k] * static_cast<double>(at - m.time_s_[s]));
    }
  };

  /// Σ over signals at each place of their pressure, for signals with time ≤ at.
  std::vector<double> pressure(Timestamp at) const {
    const std::size_t N = static_cast<std::size_t>(ids_.size());
    const Decay decay(config_);
    const std::size_t S = place_s_.size();
    const unsigned workers = crisiskit::detail::planned_workers(S, std::max<std::size_t>(1 << 18, N / 4));
    std::vector<std::vector<double>> part(workers);
    crisiskit::detail::parallel_for(S, std::max<std::size_t>(1 << 18, N / 4), [&](std::size_t lo, std::size_t hi, unsigned wk) {
      auto& p = part[wk];
      p.assign(N, 0.0);
      for (std::size_t s = lo; s < hi; ++s) {
        if (time_s_[s] > at) continue;
        p[static_cast<std::size_t>(place_s_[s])] += decay(*this, s, at);
      }
    });
    std::vector<double> out = part.empty() || part[0].empty() ? std::vector<double>(N, 0.0) : std::move(part[0]);
    for (std::size_t q = 1; q < part.size(); ++q)
      for (std::size_t i = 0; i < N; ++i) out[i] += part[q][i];
    return out;
  }

  /// r = l + α P r by fixed-point iteration (see the file comment).
  std::vector<double> propagate(const std::vector<double>& l, int* iterations = nullptr) const {
    std::vector<double> r = l;
    int it = 0;
    if (config_.alpha > 0 && P_.nnz() > 0) {
      std::vector<double> next(l.size());
      double rmax = 0;
      for (double v : l) rmax = std::max(rmax, std::abs(v));
      while (it < config_.max_iterations) {
        ++it;
        double m = 0;
        const double change = P_.multiply(r.data(), next.data(), config_.alpha, l.data(), 1e-6 * rmax, &m);
        r.swap(next);
        rmax = m;
        if (change <= config_.tolerance) break;
      }
    }
    if (iterations) *iterations = it;
    return r;
  }

  RiskConfig config_;
  IdMap ids_;
  std::vector<std::string> place_kinds_;
  std::vector<std::uint16_t> kind_;
  std::vector<double> lon_, lat_, pop_, vul_, exposure_;
  std::vector<Index> parent_;
  std::vector<std::string> link_types_;
  std::vector<Arc> arcs_;
  CsrMatrix P_, Q_;
  std::vector<char> has_out_;
  std::vector<std::int32_t> place_s_;
  std::vector<Timestamp> time_s_;
  std::vector<std::uint16_t> kind_s_;
  std::vector<double> intensity_s_, confidence_s_;
  std::optional<HawkesModel> model_;
};

}  // namespace crisiskit::risk
