#include <doctest/doctest.h>

#include <limits>

#include <ctime>
#include <random>

#include "crisiskit/core/time.hpp"

using namespace crisiskit;

TEST_CASE("format_time writes an explicit offset and no fraction") {
  CHECK(format_time(0) == "1970-01-01T00:00:00+00:00");
  CHECK(format_time(0, 480) == "1970-01-01T08:00:00+08:00");
  CHECK(format_time(0, -330) == "1969-12-31T18:30:00-05:30");
  CHECK(format_time(-1) == "1969-12-31T23:59:59+00:00");
  CHECK(format_time(951782400) == "2000-02-29T00:00:00+00:00");
  CHECK_THROWS_AS(format_time(0, 24 * 60), InvalidInput);
}

TEST_CASE("parse_time requires an offset and reads several spellings") {
  CHECK(parse_time("1970-01-01T08:00:00+08:00") == 0);
  CHECK(parse_time("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_time("1970-01-01 00:00:00+0000") == 0);
  CHECK(parse_time("1970-01-01T00:00:01.999Z") == 1);  // fraction truncated
  CHECK(parse_time_with_offset("2026-07-20T08:00:00-05:30").offset_minutes == -330);
  CHECK_THROWS_WITH_AS(parse_time("2026-07-20T08:00:00"), doctest::Contains("offset is missing"), InvalidInput);
  CHECK_THROWS_AS(parse_time("2026-02-30T08:00:00Z"), InvalidInput);
  CHECK_THROWS_AS(parse_time("2026-07-20T24:00:00Z"), InvalidInput);
  CHECK_THROWS_AS(parse_time("2026-07-20T08:00:00+25:00"), InvalidInput);
  CHECK_THROWS_AS(parse_time("2026-07-20T08:00:00.Z"), InvalidInput);
  CHECK_THROWS_AS(parse_time("garbage"), InvalidInput);
  CHECK_THROWS_AS(parse_time(""), InvalidInput);
}

TEST_CASE("civil conversion agrees with the C library (timegm/gmtime_r) on random instants") {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> dist(-4'000'000'000LL, 8'000'000'000LL);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t t = dist(rng);
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    REQUIRE(gmtime_r(&tt, &tm) != nullptr);
    const CivilTime c = to_civil(t);
    CHECK(c.year == tm.tm_year + 1900);
    CHECK(c.month == tm.tm_mon + 1);
    CHECK(c.day == tm.tm_mday);
    CHECK(c.hour == tm.tm_hour);
    CHECK(c.minute == tm.tm_min);
    CHECK(c.second == tm.tm_sec);
    CHECK(to_timestamp(c) == t);
    const int off = static_cast<int>(dist(rng) % (14 * 60));
    CHECK(parse_time(format_time(t, off)) == t);
  }
}

TEST_CASE("ManualClock only moves forward") {
  ManualClock c(100);
  c.advance(hours(1));
  CHECK(c.now() == 3700);
  CHECK_THROWS_AS(c.advance(-1), InvalidInput);
  CHECK_THROWS_AS(c.set(0), InvalidInput);
  c.set(4000);
  CHECK(c.now() == 4000);
}

TEST_CASE("to_civil and format_time are defined at the ends of the int64 range (no overflow)") {
  constexpr auto lo = std::numeric_limits<Timestamp>::min(), hi = std::numeric_limits<Timestamp>::max();
  for (Timestamp t : {lo, lo + 1, lo + 86399, hi - 86399, hi - 1, hi}) {
    for (int off : {-max_offset_minutes, -480, 0, 330, max_offset_minutes}) {
      const CivilTime c = to_civil(t, off);
      CHECK(c.month >= 1);
      CHECK(c.month <= 12);
      CHECK(c.hour >= 0);
      CHECK(c.hour <= 23);
      CHECK(c.second <= 59);
      CHECK(!format_time(t, off).empty());
      // Applying the offset to the day's second must agree with applying it to t, wherever t + offset fits.
      const Timestamp shifted = off >= 0 ? (t <= hi - off * 60 ? t + off * 60 : t) : (t >= lo - off * 60 ? t + off * 60 : t);
      if (shifted != t || off == 0) {
        const CivilTime u = to_civil(shifted, 0);
        CHECK(c.year == u.year);
        CHECK(c.month == u.month);
        CHECK(c.day == u.day);
        CHECK(c.hour == u.hour);
        CHECK(c.minute == u.minute);
        CHECK(c.second == u.second);
      }
    }
  }
  CHECK_THROWS_AS(to_timestamp(CivilTime{4000000000LL, 1, 1, 0, 0, 0}), InvalidInput);
}
