#pragma once
/// \file
/// Time in crisiskit: UTC seconds since 1970-01-01T00:00:00Z as `std::int64_t`
/// inside every core (no time zone, no leap seconds, like POSIX time).
/// Offsets appear only at the edges: `format_time` writes an explicit offset
/// (`2026-07-20T08:00:00+08:00`), `parse_time` requires one.
///
/// Thread-safety: all functions are pure; `ManualClock` is not synchronised.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "crisiskit/core/error.hpp"

namespace crisiskit {

/// UTC seconds since the Unix epoch.
using Timestamp = std::int64_t;
/// A span of time, seconds.
using Duration = std::int64_t;

/// "No time": a subject registered but never observed, an obligation not yet
/// acknowledged, a claim without a promised delivery time. Equals numpy's NaT.
constexpr Timestamp no_time = std::numeric_limits<Timestamp>::min();

constexpr Duration seconds(std::int64_t n) noexcept { return n; }
constexpr Duration minutes(std::int64_t n) noexcept { return n * 60; }
constexpr Duration hours(std::int64_t n) noexcept { return n * 3600; }
constexpr Duration days(std::int64_t n) noexcept { return n * 86400; }

/// Calendar date-time fields (proleptic Gregorian).
struct CivilTime {
  std::int64_t year;
  int month, day, hour, minute, second;
};

namespace detail {
// Howard Hinnant's days_from_civil / civil_from_days: exact for every int64
// day count we can meet, no tables, no locale, no tzdata.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline void civil_from_days(std::int64_t z, std::int64_t& y, int& m, int& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

inline bool is_leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
inline int days_in_month(std::int64_t y, int m) noexcept {
  static constexpr int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}
}  // namespace detail

/// UTC timestamp of a civil time given in the zone `offset_minutes` east of UTC.
/// \throws InvalidInput if a field is out of range (month 13, 31 April, hour 24, …).
inline Timestamp to_timestamp(const CivilTime& c, int offset_minutes = 0) {
  // Beyond this the seconds would not fit in int64 (and nobody plans a crisis there).
  CRISISKIT_CHECK(c.year >= -1000000000 && c.year <= 1000000000, "year", InvalidInput::no_index, c.year,
                  "must be within ±1,000,000,000");
  CRISISKIT_CHECK(c.month >= 1 && c.month <= 12, "month", InvalidInput::no_index, c.month, "must be 1..12");
  CRISISKIT_CHECK(c.day >= 1 && c.day <= detail::days_in_month(c.year, c.month), "day",
                  InvalidInput::no_index, c.day, "does not exist in that month");
  CRISISKIT_CHECK(c.hour >= 0 && c.hour <= 23, "hour", InvalidInput::no_index, c.hour, "must be 0..23");
  CRISISKIT_CHECK(c.minute >= 0 && c.minute <= 59, "minute", InvalidInput::no_index, c.minute, "must be 0..59");
  // 60 would be a leap second, which POSIX time (and so crisiskit) does not count.
  CRISISKIT_CHECK(c.second >= 0 && c.second <= 59, "second", InvalidInput::no_index, c.second, "must be 0..59");
  const std::int64_t d = detail::days_from_civil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day));
  return d * 86400 + c.hour * 3600 + c.minute * 60 + c.second - static_cast<std::int64_t>(offset_minutes) * 60;
}

/// Civil time of `t` as seen in the zone `offset_minutes` east of UTC.
/// Defined for every int64 `t` (years far outside ±292 billion are not
/// reached): the offset is applied to the second of the day, not to `t`, so
/// nothing can overflow even at the ends of the range.
inline CivilTime to_civil(Timestamp t, int offset_minutes = 0) noexcept {
  std::int64_t day = t / 86400;  // truncated: day * 86400 cannot overflow, unlike the floor
  std::int64_t sod = t % 86400 + static_cast<std::int64_t>(offset_minutes) * 60;
  const std::int64_t shift = detail::floor_div(sod, 86400);
  day += shift;
  sod -= shift * 86400;
  CivilTime c{};
  detail::civil_from_days(day, c.year, c.month, c.day);
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod / 60 % 60);
  c.second = static_cast<int>(sod % 60);
  return c;
}

/// Largest offset accepted anywhere, minutes (UTC-14:00 .. UTC+14:00 are the real extremes; allow ±23:59).
constexpr int max_offset_minutes = 23 * 60 + 59;

/// Render an offset as `+08:00` / `-05:30` / `+00:00`.
/// \throws InvalidInput if |offset| > 23:59.
inline std::string format_offset(int offset_minutes) {
  CRISISKIT_CHECK(offset_minutes >= -max_offset_minutes && offset_minutes <= max_offset_minutes, "offset",
                  InvalidInput::no_index, offset_minutes, "must be within ±23:59 (minutes east of UTC)");
  const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  return fmt::format("{}{:02d}:{:02d}", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
}

/// Parse `+08:00`, `-0530`, `+08` or `Z` into minutes east of UTC.
/// \throws InvalidInput naming `field` and the text.
inline int parse_offset(std::string_view s, const char* field = "offset") {
  auto bad = [&](const char* why) -> int { throw_invalid(field, InvalidInput::no_index, s, why); };
  if (s == "Z" || s == "z") return 0;
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return bad("expected Z or ±HH:MM");
  auto digit = [&](std::size_t i) -> int {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') bad("expected Z or ±HH:MM");
    return s[i] - '0';
  };
  const int hh = digit(1) * 10 + digit(2);
  int mm = 0;
  if (s.size() == 6 && s[3] == ':') mm = digit(4) * 10 + digit(5);
  else if (s.size() == 5) mm = digit(3) * 10 + digit(4);
  else if (s.size() != 3) return bad("expected Z or ±HH:MM");
  if (hh > 23 || mm > 59) return bad("hours must be 0..23 and minutes 0..59");
  const int off = hh * 60 + mm;
  return s[0] == '-' ? -off : off;
}

/// ISO 8601 / RFC 3339 text with an explicit offset and no fraction:
/// `2026-07-20T08:00:00+08:00` (UTC is written `+00:00`, never `Z`, as CAP 1.2 requires).
/// \throws InvalidInput if the offset is out of range.
inline std::string format_time(Timestamp t, int offset_minutes = 0) {
  const std::string off = format_offset(offset_minutes);
  const CivilTime c = to_civil(t, offset_minutes);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}", c.year, c.month, c.day, c.hour, c.minute,
                     c.second, off);
}

/// Result of `parse_time_with_offset`: the instant and the offset it was written in.
struct ParsedTime {
  Timestamp time;
  int offset_minutes;
};

/// Parse `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (a space may stand for `T`).
/// A fraction is truncated toward the past (floor). The offset is required:
/// a time without one is ambiguous, and crisiskit refuses to guess.
/// \throws InvalidInput naming `field` and the text.
inline ParsedTime parse_time_with_offset(std::string_view s, const char* field = "time") {
  auto bad = [&](const char* why) -> ParsedTime { throw_invalid(field, InvalidInput::no_index, s, why); };
  const char* fmt_msg = "expected YYYY-MM-DDTHH:MM:SS with an offset (Z or ±HH:MM)";
  if (s.size() < 19) return bad(fmt_msg);
  auto num = [&](std::size_t pos, std::size_t len, int& out) -> bool {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s[13] != ':' || !num(14, 2, mi) ||
      s[16] != ':' || !num(17, 2, se))
    return bad(fmt_msg);
  std::size_t p = 19;
  if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
    ++p;
    const std::size_t start = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
    if (p == start) return bad("a decimal point must be followed by digits");
  }
  if (p == s.size()) return bad("the offset is missing (Z or ±HH:MM): a time without one is ambiguous");
  const int off = parse_offset(s.substr(p), field);
  try {
    return {to_timestamp({y, mo, d, h, mi, se}, off), off};
  } catch (const InvalidInput& e) {
    throw InvalidInput(field, InvalidInput::no_index, detail::render(s), e.what());
  }
}

/// Parse an ISO 8601 time with a required offset; see `parse_time_with_offset`.
inline Timestamp parse_time(std::string_view s, const char* field = "time") {
  return parse_time_with_offset(s, field).time;
}

/// Source of "now" for code that needs one; inject `ManualClock` in simulations and tests.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Current time, UTC seconds.
  virtual Timestamp now() const = 0;
};

/// A clock that moves only when told to (scenario runs, tests).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = 0) noexcept : now_(start) {}
  Timestamp now() const override { return now_; }
  /// Move forward by `d` seconds. \throws InvalidInput if `d` < 0.
  void advance(Duration d) {
    CRISISKIT_CHECK(d >= 0, "duration", InvalidInput::no_index, d, "a clock cannot go backwards");
    now_ += d;
  }
  /// Jump to `t`. \throws InvalidInput if `t` is before now.
  void set(Timestamp t) {
    CRISISKIT_CHECK(t >= now_, "time", InvalidInput::no_index, t, "a clock cannot go backwards");
    now_ = t;
  }

 private:
  Timestamp now_;
};

}  // namespace crisiskit
