#pragma once
/// \file
/// `AlertLevel`: the four-level alert grading of the source texts
/// (分级预警), plus NONE for "no alert", and its mappings to the national
/// warning colours and to CAP 1.2 codes.
///
/// | level | 中文 | national grade | colour | CAP severity | urgency | certainty | responseType |
/// |---|---|---|---|---|---|---|---|
/// | NONE 0      | 无   | –  | –      | Minor    | Past      | Unlikely | AllClear |
/// | GENERAL 1   | 一般 | Ⅳ  | blue   | Minor    | Future    | Possible | Monitor  |
/// | ATTENTION 2 | 关注 | Ⅲ  | yellow | Moderate | Expected  | Possible | Assess   |
/// | WARNING 3   | 预警 | Ⅱ  | orange | Severe   | Expected  | Likely   | Prepare  |
/// | EMERGENCY 4 | 紧急 | Ⅰ  | red    | Extreme  | Immediate | Likely   | Execute  |
///
/// Why this mapping:
/// - Colours: China's Emergency Response Law and the national master plan
///   grade warnings Ⅰ (particularly serious, red) to Ⅳ (general, blue),
///   Ⅰ being the highest. Our levels run the other way (4 is highest), so
///   level k maps to grade 5−k.
/// - Severity: CAP's four real severities pair one-to-one with the four
///   colours — the same pairing China's national early-warning release
///   system uses when it publishes CAP (red=Extreme … blue=Minor).
/// - Urgency follows the deadline each level starts: EMERGENCY's full
///   response is due at once (Immediate); WARNING's 12 h preparation and
///   ATTENTION's 4 h assessment act within the hour-scale (Expected);
///   GENERAL only asks for reporting within 2 h about something that may
///   develop (Future).
/// - Certainty: a score reaching the two upper levels means the evidence is
///   strong (Likely, > ~50 %); the lower levels flag a possibility. Callers
///   with observed events override it (Observed) when writing CAP.
/// - responseType follows the response each level opens: reporting →
///   Monitor, special assessment → Assess, emergency preparation → Prepare,
///   full response → Execute; the all-clear is AllClear.

#include <array>
#include <cstdint>
#include <string_view>

#include "crisiskit/core/error.hpp"

namespace crisiskit {

/// Alert level. The numeric values are part of the API (stored, exported, compared).
enum class AlertLevel : std::int8_t {
  NONE = 0,       ///< no alert
  GENERAL = 1,    ///< 一般: information report within 2 h
  ATTENTION = 2,  ///< 关注: special assessment within 4 h
  WARNING = 3,    ///< 预警: emergency preparation within 12 h
  EMERGENCY = 4,  ///< 紧急: full response immediately
};

/// Number of levels including NONE.
constexpr int num_alert_levels = 5;

/// All levels, lowest first.
constexpr std::array<AlertLevel, 5> all_alert_levels{AlertLevel::NONE, AlertLevel::GENERAL, AlertLevel::ATTENTION,
                                                     AlertLevel::WARNING, AlertLevel::EMERGENCY};

constexpr int to_int(AlertLevel l) noexcept { return static_cast<int>(l); }

/// `AlertLevel` from its number. \throws InvalidInput if not 0..4.
inline AlertLevel alert_level_from_int(long long v, const char* field = "level",
                                       std::int64_t index = InvalidInput::no_index) {
  CRISISKIT_CHECK(v >= 0 && v <= 4, field, index, v, "an alert level must be 0 (NONE) .. 4 (EMERGENCY)");
  return static_cast<AlertLevel>(v);
}

/// Upper-case English name: "NONE", "GENERAL", "ATTENTION", "WARNING", "EMERGENCY".
constexpr std::string_view to_string(AlertLevel l) noexcept {
  constexpr std::string_view n[] = {"NONE", "GENERAL", "ATTENTION", "WARNING", "EMERGENCY"};
  return n[to_int(l)];
}

/// Chinese name as in the source texts: 无 / 一般 / 关注 / 预警 / 紧急.
constexpr std::string_view name_zh(AlertLevel l) noexcept {
  constexpr std::string_view n[] = {"无", "一般", "关注", "预警", "紧急"};
  return n[to_int(l)];
}

/// `AlertLevel` from its English (any case) or Chinese name.
/// \throws InvalidInput if the name is unknown.
inline AlertLevel alert_level_from_name(std::string_view s, const char* field = "level") {
  for (AlertLevel l : all_alert_levels) {
    if (s == name_zh(l)) return l;
    const std::string_view n = to_string(l);
    if (n.size() == s.size()) {
      bool eq = true;
      for (std::size_t i = 0; i < n.size() && eq; ++i) eq = (s[i] & ~0x20) == n[i];
      if (eq) return l;
    }
  }
  throw_invalid(field, InvalidInput::no_index, s, "unknown alert level (NONE, GENERAL, ATTENTION, WARNING, EMERGENCY)");
}

/// National warning colour (预警颜色).
enum class WarningColor : std::int8_t { NONE = 0, BLUE = 1, YELLOW = 2, ORANGE = 3, RED = 4 };

constexpr WarningColor warning_color(AlertLevel l) noexcept { return static_cast<WarningColor>(to_int(l)); }

constexpr std::string_view to_string(WarningColor c) noexcept {
  constexpr std::string_view n[] = {"NONE", "BLUE", "YELLOW", "ORANGE", "RED"};
  return n[static_cast<int>(c)];
}

/// Chinese colour name: 蓝色 / 黄色 / 橙色 / 红色 (empty for NONE).
constexpr std::string_view color_zh(WarningColor c) noexcept {
  constexpr std::string_view n[] = {"", "蓝色", "黄色", "橙色", "红色"};
  return n[static_cast<int>(c)];
}

/// National grade number 1..4 (Ⅰ highest), 0 for NONE.
constexpr int national_grade(AlertLevel l) noexcept { return l == AlertLevel::NONE ? 0 : 5 - to_int(l); }

/// National grade as a Roman numeral: "Ⅰ" .. "Ⅳ" (empty for NONE).
constexpr std::string_view national_grade_roman(AlertLevel l) noexcept {
  constexpr std::string_view n[] = {"", "Ⅳ", "Ⅲ", "Ⅱ", "Ⅰ"};
  return n[to_int(l)];
}

/// The CAP 1.2 codes for a level (see the table at the top of this file).
struct CapCodes {
  std::string_view urgency;
  std::string_view severity;
  std::string_view certainty;
  std::string_view response_type;
};

constexpr CapCodes cap_codes(AlertLevel l) noexcept {
  constexpr CapCodes c[] = {
      {"Past", "Minor", "Unlikely", "AllClear"},     {"Future", "Minor", "Possible", "Monitor"},
      {"Expected", "Moderate", "Possible", "Assess"}, {"Expected", "Severe", "Likely", "Prepare"},
      {"Immediate", "Extreme", "Likely", "Execute"},
  };
  return c[to_int(l)];
}

}  // namespace crisiskit
