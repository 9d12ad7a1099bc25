#pragma once
/// \file
/// National grading tables: the rule-based grades of Chinese regulations as
/// data. A table lists grades from the most severe down; each grade is met
/// when *any* of its criteria holds (the regulations' "或者"), and the grade
/// of an event is the most severe grade met.
///
/// Bounds are written the way the regulations word them: 以上 ("N or more",
/// `at_least`, includes N) and 以下 ("under N", `below`, excludes N), per the
/// definition the regulations give themselves (e.g. 《生产安全事故报告和调查
/// 处理条例》第三条: “所称的‘以上’包括本数，所称的‘以下’不包括本数”).
/// `more_than` (exclusive) and `at_most` (inclusive) cover texts worded
/// otherwise (超过 / 不超过).
///
/// Missing indicators are never taken as 0: the result names them and says
/// which more severe grade they could still reach (`could_be`).
///
/// Thread-safety: value types; const members are safe to share.

#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/detail/binary_io.hpp"
#include "crisiskit/severity/assessor.hpp"

namespace crisiskit::severity {

/// One threshold on one indicator: lower and/or upper bound.
struct Criterion {
  std::string indicator;
  std::optional<double> at_least;   ///< x ≥ v   (以上)
  std::optional<double> more_than;  ///< x > v   (超过)
  std::optional<double> below;      ///< x < v   (以下)
  std::optional<double> at_most;    ///< x ≤ v   (不超过)
  std::string text;                 ///< the regulation's words, for reports

  bool matches(double x) const noexcept {
    if (at_least && !(x >= *at_least)) return false;
    if (more_than && !(x > *more_than)) return false;
    if (below && !(x < *below)) return false;
    if (at_most && !(x <= *at_most)) return false;
    return true;
  }
  friend bool operator==(const Criterion& a, const Criterion& b) {
    return a.indicator == b.indicator && a.at_least == b.at_least && a.more_than == b.more_than &&
           a.below == b.below && a.at_most == b.at_most && a.text == b.text;
  }
};

/// One grade of a table, e.g. 重大 / Ⅱ / WARNING.
struct GradeRule {
  std::string name;     ///< e.g. "重大"
  std::string name_en;  ///< e.g. "major"
  std::string roman;    ///< e.g. "Ⅱ"
  AlertLevel level = AlertLevel::NONE;
  std::vector<Criterion> any_of;
  friend bool operator==(const GradeRule& a, const GradeRule& b) {
    return a.name == b.name && a.name_en == b.name_en && a.roman == b.roman && a.level == b.level &&
           a.any_of == b.any_of;
  }
};

/// A grading table. Grades are ordered from the most severe down.
class GradingTable {
 public:
  /// \throws InvalidInput naming the grade and criterion row: no grades, an
  ///         empty name, a criterion without an indicator or without bounds,
  ///         a non-finite bound, or a lower bound above the upper.
  GradingTable(std::string name, std::string source, std::vector<GradeRule> grades)
      : name_(std::move(name)), source_(std::move(source)), grades_(std::move(grades)) {
    CRISISKIT_CHECK(!grades_.empty(), "grades", InvalidInput::no_index, 0, "a table needs at least one grade");
    for (std::size_t g = 0; g < grades_.size(); ++g) {
      const auto& gr = grades_[g];
      const auto row = static_cast<std::int64_t>(g);
      CRISISKIT_CHECK(!gr.name.empty(), "grades.name", row, gr.name, "must not be empty");
      CRISISKIT_CHECK(to_int(gr.level) >= 0 && to_int(gr.level) <= 4, "grades.level", row, to_int(gr.level),
                      "must be an AlertLevel 0–4");
      CRISISKIT_CHECK(!gr.any_of.empty(), fmt::format("grades[{}].any_of", g), InvalidInput::no_index, 0,
                      "a grade needs at least one criterion");
      for (std::size_t c = 0; c < gr.any_of.size(); ++c) {
        const auto& cr = gr.any_of[c];
        const std::string f = fmt::format("grades[{}].any_of", g);
        const auto crow = static_cast<std::int64_t>(c);
        CRISISKIT_CHECK(!cr.indicator.empty(), f + ".indicator", crow, cr.indicator, "must not be empty");
        CRISISKIT_CHECK(cr.at_least || cr.more_than || cr.below || cr.at_most, f, crow, cr.indicator,
                        "needs at least one bound (at_least, more_than, below, at_most)");
        for (auto [b, n] : {std::pair{cr.at_least, "at_least"}, std::pair{cr.more_than, "more_than"},
                            std::pair{cr.below, "below"}, std::pair{cr.at_most, "at_most"}})
          CRISISKIT_CHECK(!b || std::isfinite(*b), f + "." + n, crow, *b, "must be finite");
        CRISISKIT_CHECK(!(cr.at_least && cr.more_than), f, crow, cr.indicator, "give at_least or more_than, not both");
        CRISISKIT_CHECK(!(cr.below && cr.at_most), f, crow, cr.indicator, "give below or at_most, not both");
        const double lo = cr.at_least ? *cr.at_least : cr.more_than ? *cr.more_than : -INFINITY;
        const double hi = cr.below ? *cr.below : cr.at_most ? *cr.at_most : INFINITY;
        CRISISKIT_CHECK(lo <= hi, f, crow, cr.indicator, fmt::format("lower bound {} is above upper bound {}", lo, hi));
        indicators_.insert(cr.indicator);
      }
    }
  }

  const std::string& name() const noexcept { return name_; }
  const std::string& source() const noexcept { return source_; }
  const std::vector<GradeRule>& grades() const noexcept { return grades_; }
  /// Indicator names the table reads.
  const std::set<std::string>& indicators() const noexcept { return indicators_; }

  friend bool operator==(const GradingTable& a, const GradingTable& b) {
    return a.name_ == b.name_ && a.source_ == b.source_ && a.grades_ == b.grades_;
  }

  std::string to_bytes() const {
    detail::BinaryWriter w;
    w.raw("CKGRTB01");
    w.str(name_);
    w.str(source_);
    w.pod<std::uint64_t>(grades_.size());
    for (const auto& g : grades_) {
      w.str(g.name);
      w.str(g.name_en);
      w.str(g.roman);
      w.pod<std::uint8_t>(static_cast<std::uint8_t>(g.level));
      w.pod<std::uint64_t>(g.any_of.size());
      for (const auto& c : g.any_of) {
        w.str(c.indicator);
        for (const auto* b : {&c.at_least, &c.more_than, &c.below, &c.at_most}) {
          w.pod<std::uint8_t>(b->has_value());
          w.pod<double>(b->value_or(0.0));
        }
        w.str(c.text);
      }
    }
    return std::move(w.buffer());
  }
  static GradingTable from_bytes(std::string_view bytes) {
    detail::BinaryReader r(bytes, "GradingTable bytes");
    r.expect("CKGRTB01");
    std::string name = r.str(), source = r.str();
    std::vector<GradeRule> grades(r.count(8 * 4 + 1 + 8));
    for (auto& g : grades) {
      g.name = r.str();
      g.name_en = r.str();
      g.roman = r.str();
      g.level = static_cast<AlertLevel>(r.pod<std::uint8_t>());
      g.any_of.resize(r.count(8 + 4 * 9 + 8));
      for (auto& c : g.any_of) {
        c.indicator = r.str();
        for (auto* b : {&c.at_least, &c.more_than, &c.below, &c.at_most}) {
          const bool has = r.pod<std::uint8_t>() != 0;
          const double v = r.pod<double>();
          if (has) *b = v;
        }
        c.text = r.str();
      }
    }
    if (!r.done()) r.fail("trailing bytes after the table");
    return GradingTable(std::move(name), std::move(source), std::move(grades));  // re-validates
  }

 private:
  std::string name_, source_;
  std::vector<GradeRule> grades_;
  std::set<std::string> indicators_;
};

/// The outcome of grading one event.
struct NationalGrade {
  int grade = -1;  ///< index into table.grades() (0 = most severe); −1 = no grade met
  std::string name, name_en, roman;
  AlertLevel level = AlertLevel::NONE;
  std::vector<std::string> reasons;  ///< texts of the criteria met at that grade
  std::vector<std::string> missing;  ///< table indicators not given
  /// The most severe grade a missing indicator could still reach (−1 = none
  /// above `grade`): the grade is a lower bound until the missing are known.
  int could_be = -1;
};

/// Grades one event. \throws InvalidInput for a name the table does not
/// read, a name given twice, NaN, ±inf or a negative value.
inline NationalGrade national_grade(const GradingTable& table, const Indicators& indicators) {
  std::vector<std::pair<std::string_view, double>> given;
  for (std::size_t i = 0; i < indicators.size(); ++i) {
    const auto& [name, x] = indicators[i];
    if (!table.indicators().count(name))
      throw InvalidInput(name, InvalidInput::no_index, detail::render(x),
                         fmt::format("is not read by the table '{}' (it reads: {})", table.name(),
                                     fmt::join(table.indicators(), ", ")));
    for (const auto& g : given)
      CRISISKIT_CHECK(g.first != name, name, InvalidInput::no_index, x, "is given twice");
    CRISISKIT_CHECK(std::isfinite(x), name, InvalidInput::no_index, x, "must be a finite number (omit it if unknown)");
    CRISISKIT_CHECK(x >= 0, name, InvalidInput::no_index, x, "must be >= 0");
    given.emplace_back(name, x);
  }
  auto value_of = [&](const std::string& n) -> std::optional<double> {
    for (const auto& g : given)
      if (g.first == n) return g.second;
    return std::nullopt;
  };
  NationalGrade out;
  for (const auto& n : table.indicators())
    if (!value_of(n)) out.missing.push_back(n);
  const auto& grades = table.grades();
  for (std::size_t g = 0; g < grades.size() && out.grade < 0; ++g) {
    for (const auto& c : grades[g].any_of) {
      const auto v = value_of(c.indicator);
      if (!v) {
        if (out.could_be < 0) out.could_be = static_cast<int>(g);
        continue;
      }
      if (c.matches(*v)) {
        out.grade = static_cast<int>(g);
        out.reasons.push_back(c.text.empty() ? c.indicator : c.text);
      }
    }
  }
  if (out.grade >= 0) {
    const auto& g = grades[static_cast<std::size_t>(out.grade)];
    out.name = g.name;
    out.name_en = g.name_en;
    out.roman = g.roman;
    out.level = g.level;
    if (out.could_be >= out.grade) out.could_be = -1;
  }
  return out;
}

/// The State Council's grading of production-safety accidents,
/// 《生产安全事故报告和调查处理条例》(国务院令第493号, 2007) 第三条:
/// 特别重大 (Ⅰ): 30人以上死亡, 或者100人以上重伤(包括急性工业中毒), 或者1亿元以上直接经济损失;
/// 重大 (Ⅱ): 10人以上30人以下死亡, 或者50人以上100人以下重伤, 或者5000万元以上1亿元以下;
/// 较大 (Ⅲ): 3人以上10人以下死亡, 或者10人以上50人以下重伤, 或者1000万元以上5000万元以下;
/// 一般 (Ⅳ): 3人以下死亡, 或者10人以下重伤, 或者1000万元以下直接经济损失.
/// Indicators: `deaths`, `serious_injuries` (people), `economic_loss_cny` (yuan).
/// Levels: Ⅰ EMERGENCY, Ⅱ WARNING, Ⅲ ATTENTION, Ⅳ GENERAL.
inline GradingTable production_safety_table() {
  auto range = [](const char* ind, std::optional<double> lo, std::optional<double> hi, const char* text) {
    Criterion c;
    c.indicator = ind;
    c.at_least = lo;
    c.below = hi;
    c.text = text;
    return c;
  };
  const auto none = std::optional<double>{};
  std::vector<GradeRule> g = {
      {"特别重大", "particularly serious", "Ⅰ", AlertLevel::EMERGENCY,
       {range("deaths", 30, none, "30人以上死亡"), range("serious_injuries", 100, none, "100人以上重伤"),
        range("economic_loss_cny", 1e8, none, "1亿元以上直接经济损失")}},
      {"重大", "serious", "Ⅱ", AlertLevel::WARNING,
       {range("deaths", 10, 30, "10人以上30人以下死亡"), range("serious_injuries", 50, 100, "50人以上100人以下重伤"),
        range("economic_loss_cny", 5e7, 1e8, "5000万元以上1亿元以下直接经济损失")}},
      {"较大", "relatively serious", "Ⅲ", AlertLevel::ATTENTION,
       {range("deaths", 3, 10, "3人以上10人以下死亡"), range("serious_injuries", 10, 50, "10人以上50人以下重伤"),
        range("economic_loss_cny", 1e7, 5e7, "1000万元以上5000万元以下直接经济损失")}},
      {"一般", "ordinary", "Ⅳ", AlertLevel::GENERAL,
       {range("deaths", none, 3, "3人以下死亡"), range("serious_injuries", none, 10, "10人以下重伤"),
        range("economic_loss_cny", none, 1e7, "1000万元以下直接经济损失")}},
  };
  return GradingTable("production_safety",
                      "《生产安全事故报告和调查处理条例》(国务院令第493号) 第三条", std::move(g));
}

}  // namespace crisiskit::severity
