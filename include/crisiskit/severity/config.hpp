#pragma once
/// \file
/// Configuration of the three-dimensional severity assessment (三维评估):
/// which indicators exist, how each is normalised to 0–10, how indicators
/// are aggregated within their dimension, how the three dimensions are
/// combined, and how the overall score becomes an `AlertLevel`.
///
/// ## Formulas (all documented again in the README, "Severity assessment")
/// - **Transform** of a raw value x to a score s ∈ [0, 10]:
///   - `LOG`:    s = 10 · (ln(1+x) − ln(1+lo)) / (ln(1+hi) − ln(1+lo)), clamped;
///     for counts, people, money and areas, whose sizes span orders of
///     magnitude (INFORM log-scales such indicators the same way).
///   - `LINEAR`: s = 10 · (x − lo) / (hi − lo), clamped (INFORM's min-max);
///     for shares, probabilities, growth rates and rainfall.
///   `hi` is the cap: every value at or above it scores 10.
/// - **Within a dimension** (weights wᵢ of the indicators present, sᵢ their scores):
///   - `POWER` (default, p = 4): D = (Σ wᵢ sᵢᵖ / Σ wᵢ)^(1/p);
///   - `ARITHMETIC`: D = Σ wᵢ sᵢ / Σ wᵢ;
///   - `GEOMETRIC`: D = exp(Σ wᵢ ln(sᵢ + c) / Σ wᵢ) − c, shift c ≥ 0;
///   - `MAX`: D = max sᵢ (weights ignored).
/// - **Overall** from the dimensions present, the same four methods with the
///   dimension weights; the default is the shifted geometric mean (c = 1):
///   O = exp(Σ wⱼ ln(Dⱼ + 1) / Σ wⱼ) − 1. INFORM multiplies its dimensions
///   (c = 0); the shift keeps one quiet dimension (a stable trend is 0) from
///   zeroing the whole score while still penalising imbalance less than an
///   arithmetic mean rewards it.
/// - **Level**: `policy.level_of(O)` (stateless; margins and dwells apply when
///   O is fed into an `AlertBoard` with the same policy). Default thresholds
///   2.0 / 3.5 / 5.0 / 6.5 are INFORM's fixed class boundaries (low, medium,
///   high, very high).
///
/// Every method is non-decreasing in each indicator, so more harm or more
/// scope never lowers a score, and a missing indicator's effect is bounded
/// by setting it to 0 and to 10 (the result's range).
///
/// Thread-safety: value types; const members are safe to share.

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crisiskit/alert/grading_policy.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/detail/binary_io.hpp"

namespace crisiskit::severity {

/// The three dimensions. Index order is used in arrays: 0 scope, 1 harm, 2 trend.
enum class Dimension : std::uint8_t { SCOPE = 0, HARM = 1, TREND = 2 };
inline constexpr int num_dimensions = 3;

constexpr std::string_view to_string(Dimension d) noexcept {
  constexpr std::string_view n[] = {"scope", "harm", "trend"};
  return n[static_cast<int>(d)];
}
/// 影响范围 / 危害程度 / 演化趋势
constexpr std::string_view name_zh(Dimension d) noexcept {
  constexpr std::string_view n[] = {"影响范围", "危害程度", "演化趋势"};
  return n[static_cast<int>(d)];
}

/// What raw values an indicator accepts.
enum class Domain : std::uint8_t {
  NON_NEGATIVE = 0,  ///< counts, money, area, mm: finite, ≥ 0
  SHARE = 1,         ///< shares and probabilities: [0, 1]
  REAL = 2,          ///< growth rates: any finite value (negative = shrinking)
};
constexpr std::string_view to_string(Domain d) noexcept {
  constexpr std::string_view n[] = {"non_negative", "share", "real"};
  return n[static_cast<int>(d)];
}

enum class TransformKind : std::uint8_t { LOG = 0, LINEAR = 1 };
constexpr std::string_view to_string(TransformKind k) noexcept {
  constexpr std::string_view n[] = {"log", "linear"};
  return n[static_cast<int>(k)];
}

/// Raw value → 0–10 (see the file comment). Monotone non-decreasing. Applied
/// by `SeverityAssessor` (one vectorised implementation for every path).
struct Transform {
  TransformKind kind = TransformKind::LINEAR;
  double lo = 0;   ///< scores 0 at or below
  double hi = 10;  ///< the cap: scores 10 at or above

  friend bool operator==(const Transform& a, const Transform& b) {
    return a.kind == b.kind && a.lo == b.lo && a.hi == b.hi;
  }
};

/// One indicator: name (the key callers use), dimension, accepted domain,
/// transform, weight within its dimension, unit and Chinese label for reports.
struct IndicatorSpec {
  std::string name;
  Dimension dimension = Dimension::SCOPE;
  Domain domain = Domain::NON_NEGATIVE;
  Transform transform;
  double weight = 1;
  std::string unit;
  std::string label_zh;

  friend bool operator==(const IndicatorSpec& a, const IndicatorSpec& b) {
    return a.name == b.name && a.dimension == b.dimension && a.domain == b.domain && a.transform == b.transform &&
           a.weight == b.weight && a.unit == b.unit && a.label_zh == b.label_zh;
  }
};

enum class Method : std::uint8_t { ARITHMETIC = 0, GEOMETRIC = 1, MAX = 2, POWER = 3 };
constexpr std::string_view to_string(Method m) noexcept {
  constexpr std::string_view n[] = {"arithmetic", "geometric", "max", "power"};
  return n[static_cast<int>(m)];
}

/// How scores are combined: `p` is the POWER exponent (≥ 1), `shift` the
/// GEOMETRIC shift c (≥ 0); each is ignored by the other methods.
struct Aggregation {
  Method method = Method::ARITHMETIC;
  double p = 1;
  double shift = 0;

  static Aggregation arithmetic() { return {Method::ARITHMETIC, 1, 0}; }
  static Aggregation geometric(double shift = 1) { return {Method::GEOMETRIC, 1, shift}; }
  static Aggregation max() { return {Method::MAX, 1, 0}; }
  static Aggregation power(double p) { return {Method::POWER, p, 0}; }

  friend bool operator==(const Aggregation& a, const Aggregation& b) {
    return a.method == b.method && a.p == b.p && a.shift == b.shift;
  }
};

/// The built-in indicators with their default transforms and weights; the
/// reasons for each cap are in the README ("Severity assessment").
inline std::vector<IndicatorSpec> default_indicators() {
  using D = Dimension;
  using Dom = Domain;
  const auto LOG = TransformKind::LOG;
  const auto LIN = TransformKind::LINEAR;
  return {
      // 影响范围 impact scope
      {"affected_area_km2", D::SCOPE, Dom::NON_NEGATIVE, {LOG, 0, 1e4}, 1, "km²", "影响面积"},
      {"affected_population", D::SCOPE, Dom::NON_NEGATIVE, {LOG, 0, 1e7}, 2, "people", "影响人口"},
      {"vulnerable_share", D::SCOPE, Dom::SHARE, {LIN, 0, 0.5}, 1, "share", "脆弱人群占比"},
      {"townships_affected", D::SCOPE, Dom::NON_NEGATIVE, {LOG, 0, 200}, 0.5, "units", "受影响乡镇(街道)数"},
      {"counties_affected", D::SCOPE, Dom::NON_NEGATIVE, {LOG, 0, 30}, 0.5, "units", "受影响县(区)数"},
      {"schools_affected", D::SCOPE, Dom::NON_NEGATIVE, {LOG, 0, 100}, 0.5, "sites", "受影响学校数"},
      {"nursing_homes_affected", D::SCOPE, Dom::NON_NEGATIVE, {LOG, 0, 20}, 0.5, "sites", "受影响养老机构数"},
      {"hospitals_affected", D::SCOPE, Dom::NON_NEGATIVE, {LOG, 0, 20}, 0.5, "sites", "受影响医院数"},
      // 危害程度 harm degree
      {"deaths", D::HARM, Dom::NON_NEGATIVE, {LOG, 0, 100}, 3, "people", "死亡人数"},
      {"serious_injuries", D::HARM, Dom::NON_NEGATIVE, {LOG, 0, 300}, 2, "people", "重伤人数"},
      {"missing", D::HARM, Dom::NON_NEGATIVE, {LOG, 0, 100}, 2, "people", "失踪人数"},
      {"trapped", D::HARM, Dom::NON_NEGATIVE, {LOG, 0, 1000}, 1.5, "people", "被困人数"},
      {"economic_loss_cny", D::HARM, Dom::NON_NEGATIVE, {LOG, 0, 1e10}, 2, "CNY", "直接经济损失"},
      {"power_outage_share", D::HARM, Dom::SHARE, {LIN, 0, 0.5}, 1, "share", "停电用户占比"},
      {"water_outage_share", D::HARM, Dom::SHARE, {LIN, 0, 0.5}, 1, "share", "停水用户占比"},
      {"telecom_outage_share", D::HARM, Dom::SHARE, {LIN, 0, 0.5}, 1, "share", "通信中断占比"},
      {"transport_outage_share", D::HARM, Dom::SHARE, {LIN, 0, 0.5}, 1, "share", "交通中断占比"},
      {"gathering_size", D::HARM, Dom::NON_NEGATIVE, {LOG, 0, 1e4}, 1, "people", "聚集人数"},
      {"negative_opinion_share", D::HARM, Dom::SHARE, {LIN, 0, 1}, 0.5, "share", "负面舆情占比"},
      // 演化趋势 evolution trend
      {"population_growth", D::TREND, Dom::REAL, {LIN, 0, 1}, 1, "ratio", "影响人口增长率"},
      {"harm_growth", D::TREND, Dom::REAL, {LIN, 0, 1}, 1, "ratio", "伤亡人数增长率"},
      {"secondary_likelihood", D::TREND, Dom::SHARE, {LIN, 0, 1}, 1.5, "probability", "次生灾害可能性"},
      {"rainfall_24h_mm", D::TREND, Dom::NON_NEGATIVE, {LIN, 0, 250}, 1, "mm", "未来24小时降雨量"},
  };
}

/// Severity thresholds on the 0–10 scale (INFORM's classes), margins 0.5,
/// dwells as the alert defaults.
inline GradingPolicy default_severity_policy() {
  return GradingPolicy({2.0, 3.5, 5.0, 6.5}, {0.5, 0.5, 0.5, 0.5}, {hours(2), hours(4), hours(12), hours(12)});
}

/// Everything the assessor needs. Validated on construction; immutable after.
class SeverityConfig {
 public:
  SeverityConfig()
      : SeverityConfig(default_indicators(), {1, 1, 1},
                       {Aggregation::power(4), Aggregation::power(4), Aggregation::power(4)},
                       Aggregation::geometric(1), default_severity_policy()) {}

  /// \param indicators         open set; names unique, non-empty, at least one per dimension
  /// \param dimension_weights  scope, harm, trend: finite, ≥ 0, not all 0
  /// \param within             per dimension
  /// \param overall            across dimensions
  /// \param policy             thresholds on the 0–10 overall score
  /// \throws InvalidInput naming the field, the row and the value.
  SeverityConfig(std::vector<IndicatorSpec> indicators, std::array<double, 3> dimension_weights,
                 std::array<Aggregation, 3> within, Aggregation overall, GradingPolicy policy)
      : ind_(std::move(indicators)), dim_w_(dimension_weights), within_(within), overall_(overall),
        policy_(std::move(policy)) {
    std::array<int, 3> per_dim{};
    for (std::size_t i = 0; i < ind_.size(); ++i) {
      const auto& s = ind_[i];
      const auto row = static_cast<std::int64_t>(i);
      CRISISKIT_CHECK(!s.name.empty(), "indicators.name", row, s.name, "must not be empty");
      CRISISKIT_CHECK(static_cast<int>(s.dimension) < num_dimensions, "indicators.dimension", row,
                      static_cast<int>(s.dimension), "must be scope (0), harm (1) or trend (2)");
      CRISISKIT_CHECK(static_cast<int>(s.domain) <= 2, "indicators.domain", row, static_cast<int>(s.domain),
                      "must be non_negative (0), share (1) or real (2)");
      CRISISKIT_CHECK(static_cast<int>(s.transform.kind) <= 1, "indicators.transform", row,
                      static_cast<int>(s.transform.kind), "must be log (0) or linear (1)");
      CRISISKIT_CHECK(std::isfinite(s.transform.lo), "indicators.lo", row, s.transform.lo, "must be finite");
      CRISISKIT_CHECK(std::isfinite(s.transform.hi) && s.transform.hi > s.transform.lo, "indicators.hi", row,
                      s.transform.hi, fmt::format("must be finite and greater than lo = {}", s.transform.lo));
      CRISISKIT_CHECK(s.transform.kind != TransformKind::LOG || s.transform.lo >= 0, "indicators.lo", row,
                      s.transform.lo, "a log transform needs lo >= 0");
      CRISISKIT_CHECK(std::isfinite(s.weight) && s.weight > 0, "indicators.weight", row, s.weight,
                      "must be finite and > 0 (drop the indicator instead of weighting it 0)");
      const bool fresh = index_.emplace(s.name, i).second;
      CRISISKIT_CHECK(fresh, "indicators.name", row, s.name, "is a duplicate");
      ++per_dim[static_cast<int>(s.dimension)];
    }
    double wsum = 0;
    for (int d = 0; d < 3; ++d) {
      CRISISKIT_CHECK(per_dim[d] > 0, "indicators", InvalidInput::no_index, to_string(static_cast<Dimension>(d)),
                      "every dimension needs at least one indicator");
      CRISISKIT_CHECK(std::isfinite(dim_w_[d]) && dim_w_[d] >= 0, "dimension_weights", d, dim_w_[d],
                      "must be finite and >= 0");
      wsum += dim_w_[d];
      check_aggregation(within_[d], "within", d);
      normalise(within_[d]);
    }
    CRISISKIT_CHECK(wsum > 0, "dimension_weights", InvalidInput::no_index, wsum, "must not all be 0");
    check_aggregation(overall_, "overall", InvalidInput::no_index);
    normalise(overall_);
  }

  const std::vector<IndicatorSpec>& indicators() const noexcept { return ind_; }
  const std::array<double, 3>& dimension_weights() const noexcept { return dim_w_; }
  const std::array<Aggregation, 3>& within() const noexcept { return within_; }
  const Aggregation& overall() const noexcept { return overall_; }
  const GradingPolicy& policy() const noexcept { return policy_; }
  std::size_t size() const noexcept { return ind_.size(); }

  /// Position of an indicator, or nullopt.
  std::optional<std::size_t> find(std::string_view name) const {
    auto it = index_.find(std::string(name));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  /// Position of an indicator. \throws InvalidInput naming `field` and the name.
  std::size_t index_of(std::string_view name, const char* field = "indicator") const {
    auto f = find(name);
    if (!f) throw InvalidInput(field, InvalidInput::no_index, detail::render(name),
                               "is not an indicator of this configuration (see SeverityConfig.indicators)");
    return *f;
  }

  /// Checks a raw value against the indicator's domain (NaN never passes).
  /// \throws InvalidInput naming the indicator, `row` and the value.
  void check_value(std::size_t i, double x, std::int64_t row = InvalidInput::no_index) const {
    const auto& s = ind_[i];
    if (!std::isfinite(x)) throw_invalid(s.name, row, x, "must be a finite number (omit the indicator if unknown)");
    if (s.domain == Domain::NON_NEGATIVE && x < 0) throw_invalid(s.name, row, x, "must be >= 0");
    if (s.domain == Domain::SHARE && !(x >= 0 && x <= 1)) throw_invalid(s.name, row, x, "must be a share in [0, 1]");
  }

  friend bool operator==(const SeverityConfig& a, const SeverityConfig& b) {
    return a.ind_ == b.ind_ && a.dim_w_ == b.dim_w_ && a.within_ == b.within_ && a.overall_ == b.overall_ &&
           a.policy_ == b.policy_;
  }
  friend bool operator!=(const SeverityConfig& a, const SeverityConfig& b) { return !(a == b); }

  // ---- serialisation ---------------------------------------------------------
  void write(detail::BinaryWriter& w) const {
    w.pod<std::uint64_t>(ind_.size());
    for (const auto& s : ind_) {
      w.str(s.name);
      w.pod<std::uint8_t>(static_cast<std::uint8_t>(s.dimension));
      w.pod<std::uint8_t>(static_cast<std::uint8_t>(s.domain));
      w.pod<std::uint8_t>(static_cast<std::uint8_t>(s.transform.kind));
      w.pod(s.transform.lo);
      w.pod(s.transform.hi);
      w.pod(s.weight);
      w.str(s.unit);
      w.str(s.label_zh);
    }
    for (int d = 0; d < 3; ++d) w.pod(dim_w_[d]);
    for (int d = 0; d < 3; ++d) write_agg(w, within_[d]);
    write_agg(w, overall_);
    for (int k = 0; k < 4; ++k) w.pod(policy_.thresholds()[k]);
    for (int k = 0; k < 4; ++k) w.pod(policy_.margins()[k]);
    for (int k = 0; k < 4; ++k) w.pod<std::int64_t>(policy_.dwells()[k]);
  }
  static SeverityConfig read(detail::BinaryReader& r) {
    const auto n = r.count(8 + 3 + 24 + 16);
    std::vector<IndicatorSpec> ind(n);
    for (auto& s : ind) {
      s.name = r.str();
      s.dimension = static_cast<Dimension>(r.pod<std::uint8_t>());
      s.domain = static_cast<Domain>(r.pod<std::uint8_t>());
      s.transform.kind = static_cast<TransformKind>(r.pod<std::uint8_t>());
      s.transform.lo = r.pod<double>();
      s.transform.hi = r.pod<double>();
      s.weight = r.pod<double>();
      s.unit = r.str();
      s.label_zh = r.str();
    }
    std::array<double, 3> dw{};
    for (auto& x : dw) x = r.pod<double>();
    std::array<Aggregation, 3> within{};
    for (auto& a : within) a = read_agg(r);
    Aggregation overall = read_agg(r);
    GradingPolicy::Thresholds t{};
    GradingPolicy::Margins m{};
    GradingPolicy::Dwells dd{};
    for (auto& x : t) x = r.pod<double>();
    for (auto& x : m) x = r.pod<double>();
    for (auto& x : dd) x = r.pod<std::int64_t>();
    return SeverityConfig(std::move(ind), dw, within, overall, GradingPolicy(t, m, dd));  // re-validates
  }
  /// A self-describing snapshot ("CKSEVCF1" + body); `from_bytes` re-validates.
  std::string to_bytes() const {
    detail::BinaryWriter w;
    w.raw("CKSEVCF1");
    write(w);
    return std::move(w.buffer());
  }
  static SeverityConfig from_bytes(std::string_view b) {
    detail::BinaryReader r(b, "SeverityConfig bytes");
    r.expect("CKSEVCF1");
    SeverityConfig c = read(r);
    if (!r.done()) r.fail("trailing bytes after the configuration");
    return c;
  }

 private:
  static void check_aggregation(const Aggregation& a, const char* field, std::int64_t row) {
    CRISISKIT_CHECK(static_cast<int>(a.method) <= 3, field, row, static_cast<int>(a.method),
                    "method must be arithmetic (0), geometric (1), max (2) or power (3)");
    CRISISKIT_CHECK(a.method != Method::POWER || (std::isfinite(a.p) && a.p >= 1 && a.p <= 64),
                    fmt::format("{}.p", field), row, a.p, "power exponent must be in [1, 64]");
    CRISISKIT_CHECK(a.method != Method::GEOMETRIC || (std::isfinite(a.shift) && a.shift >= 0),
                    fmt::format("{}.shift", field), row, a.shift, "geometric shift must be finite and >= 0");
  }
  // Settings a method ignores are reset, so equal behaviour compares equal.
  static void normalise(Aggregation& a) {
    if (a.method != Method::POWER) a.p = 1;
    if (a.method != Method::GEOMETRIC) a.shift = 0;
  }
  static void write_agg(detail::BinaryWriter& w, const Aggregation& a) {
    w.pod<std::uint8_t>(static_cast<std::uint8_t>(a.method));
    w.pod(a.p);
    w.pod(a.shift);
  }
  static Aggregation read_agg(detail::BinaryReader& r) {
    Aggregation a;
    a.method = static_cast<Method>(r.pod<std::uint8_t>());
    a.p = r.pod<double>();
    a.shift = r.pod<double>();
    return a;
  }

  std::vector<IndicatorSpec> ind_;
  std::array<double, 3> dim_w_;
  std::array<Aggregation, 3> within_;
  Aggregation overall_;
  GradingPolicy policy_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace crisiskit::severity
