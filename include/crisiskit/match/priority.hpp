#pragma once
/// \file
/// Priority classes of needs (需求优先级): who is served first when supplies
/// are short. Shared by the need board (`need_board.hpp`) and the matcher.
///
/// Model. A need belongs to one priority class, named by a canonical ASCII
/// name (`nursing_home`) or its Chinese name (`养老院`); the class carries a
/// weight, a dimensionless multiplier (> 0, finite) of how much one unit of
/// that need counts against another: larger is served first. Only ratios
/// matter.
///
/// Default table (`PriorityTable::defaults()`):
///
/// | name           | 中文   | weight | why                                              |
/// |----------------|--------|--------|--------------------------------------------------|
/// | `hospital`     | 医院   | 10     | life-critical care; serves everyone else's sick  |
/// | `nursing_home` | 养老院 | 8      | residents cannot leave or fend for themselves    |
/// | `school`       | 学校   | 6      | children (schools and kindergartens)             |
/// | `shelter`      | 安置点 | 5      | displaced people gathered with nothing of their own |
/// | `residential`  | 居民区 | 2      | ordinary households                              |
/// | `other`        | 其他   | 1      | anything else                                    |
///
/// These are planning defaults chosen for crisiskit (the order follows the
/// usual "vulnerable groups first" rule of emergency plans), not figures
/// from a regulation: a platform overrides them with `set` (change a weight
/// or add a class) and hands its table to the board and the matcher.
///
/// Lookup is lenient: ASCII case is ignored and spaces or hyphens count as
/// underscores (`"Nursing home"` → `nursing_home`); Chinese names match
/// exactly.
///
/// Throws: `InvalidInput` naming the field, row and value (an unknown class,
/// a bad name, a weight that is not finite and > 0).
///
/// Thread-safety: const members may run concurrently; `set` needs exclusive
/// access. `PriorityTable::defaults()` returns a fresh copy.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/core/error.hpp"

namespace crisiskit::match {

/// One priority class.
struct PriorityClass {
  std::string name;     ///< canonical: lower-case ASCII letters, digits and `_`
  std::string name_zh;  ///< Chinese name, may be empty
  double weight = 1;    ///< dimensionless, finite, > 0; larger = served first
  friend bool operator==(const PriorityClass& a, const PriorityClass& b) {
    return a.name == b.name && a.name_zh == b.name_zh && a.weight == b.weight;
  }
  friend bool operator!=(const PriorityClass& a, const PriorityClass& b) { return !(a == b); }
};

class PriorityTable {
 public:
  /// An empty table; see `defaults()` for the built-in one.
  PriorityTable() = default;

  /// The documented default table (see the file comment).
  static PriorityTable defaults() {
    PriorityTable t;
    t.set("hospital", 10, "医院");
    t.set("nursing_home", 8, "养老院");
    t.set("school", 6, "学校");
    t.set("shelter", 5, "安置点");
    t.set("residential", 2, "居民区");
    t.set("other", 1, "其他");
    return t;
  }

  /// Canonical form of a class name: ASCII lower case, ' ' and '-' → '_'.
  static std::string normalize(std::string_view name) {
    std::string s(name);
    for (char& c : s) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      else if (c == ' ' || c == '-') c = '_';
    }
    return s;
  }

  /// Change the weight of class `name`, or add it (at the end) if new.
  /// `name_zh` replaces the Chinese name unless empty.
  /// \throws InvalidInput if the name is not 1–64 of [a-z0-9_] after
  ///         `normalize`, the weight is not finite and > 0, or `name_zh`
  ///         is another class's Chinese name. The table is then unchanged.
  void set(std::string_view name, double weight, std::string_view name_zh = {}) {
    const std::string n = normalize(name);
    CRISISKIT_CHECK(!n.empty() && n.size() <= 64, "priority", InvalidInput::no_index, name,
                    "a priority class name must be 1 to 64 characters");
    for (char c : n)
      CRISISKIT_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_', "priority",
                      InvalidInput::no_index, name,
                      "a priority class name may hold only ASCII letters, digits, '_', ' ' and '-'");
    CRISISKIT_CHECK(std::isfinite(weight) && weight > 0, "weight", InvalidInput::no_index, weight,
                    fmt::format("the weight of priority class '{}' must be finite and > 0", n));
    CRISISKIT_CHECK(name_zh.size() <= 64, "name_zh", InvalidInput::no_index, name_zh, "must be at most 64 bytes");
    const auto at = find_index(n);
    if (!name_zh.empty()) {
      const auto other = find_index(name_zh);
      CRISISKIT_CHECK(!other || other == at, "name_zh", InvalidInput::no_index, name_zh,
                      fmt::format("is already the Chinese name of priority class '{}'", classes_[*other].name));
    }
    if (at) {
      PriorityClass& c = classes_[*at];
      c.weight = weight;
      if (!name_zh.empty()) c.name_zh = std::string(name_zh);
    } else {
      classes_.push_back({n, std::string(name_zh), weight});
    }
  }

  /// Position of class `name` (canonical, lenient or Chinese), or nothing.
  std::optional<std::size_t> find_index(std::string_view name) const {
    const std::string n = normalize(name);
    for (std::size_t i = 0; i < classes_.size(); ++i)
      if (classes_[i].name == n || (!classes_[i].name_zh.empty() && classes_[i].name_zh == name)) return i;
    return std::nullopt;
  }

  /// Position of class `name`. \throws InvalidInput naming `field`, `row`
  /// and the name, listing the known classes.
  std::size_t index(std::string_view name, const char* field = "priority",
                    std::int64_t row = InvalidInput::no_index) const {
    if (auto i = find_index(name)) return *i;
    std::string known;
    for (const auto& c : classes_) known += (known.empty() ? "" : ", ") + c.name;
    throw_invalid(field, row, name, fmt::format("unknown priority class (known: {})", known.empty() ? "none" : known));
  }

  /// Weight of class `name`. \throws InvalidInput if unknown.
  double weight(std::string_view name) const { return classes_[index(name)].weight; }

  bool contains(std::string_view name) const { return find_index(name).has_value(); }
  const PriorityClass& operator[](std::size_t i) const { return classes_.at(i); }
  /// Every class, in table order (defaults: heaviest first).
  const std::vector<PriorityClass>& classes() const noexcept { return classes_; }
  std::size_t size() const noexcept { return classes_.size(); }

  friend bool operator==(const PriorityTable& a, const PriorityTable& b) { return a.classes_ == b.classes_; }
  friend bool operator!=(const PriorityTable& a, const PriorityTable& b) { return !(a == b); }

 private:
  std::vector<PriorityClass> classes_;
};

/// Weight of priority class `name` in `table` (default: the built-in table).
/// \throws InvalidInput if the class is unknown.
inline double priority_weight(std::string_view name, const PriorityTable& table = PriorityTable::defaults()) {
  return table.weight(name);
}

}  // namespace crisiskit::match
