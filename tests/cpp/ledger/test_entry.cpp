#include <doctest/doctest.h>

#include <string>

#include "crisiskit/core/error.hpp"
#include "crisiskit/ledger/entry.hpp"

using namespace crisiskit;
using namespace crisiskit::ledger;

namespace {
Entry sample() {
  Entry e;
  e.seq = 258;
  e.time = 0x0102030405;
  e.kind = Kind::HAND_OUT;
  e.quantity = 60;
  e.item = "水";
  e.unit = "box";
  e.from = "A";
  e.to = "X";
  e.need = "n1";
  return e;
}
}  // namespace

TEST_CASE("entry: the encoding is the documented byte layout") {
  const std::string b = encode(sample());
  std::string want;
  want += '\x01';                                       // version
  want += '\x04';                                       // HAND_OUT
  want += std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8);  // seq 258, big-endian
  want += std::string("\x00\x00\x00\x01\x02\x03\x04\x05", 8);  // time
  want += std::string("\x00\x00\x00\x00\x00\x00\x00\x3c", 8);  // quantity 60
  want += std::string("\x00\x03", 2) + "水";                  // item: 3 UTF-8 bytes
  want += std::string("\x00\x03", 2) + "box";
  want += std::string("\x00\x01", 2) + "A";
  want += std::string("\x00\x01", 2) + "X";
  want += std::string("\x00\x00", 2);                         // actor
  want += std::string("\x00\x02", 2) + "n1";
  want += std::string("\x00\x00", 2);                         // claim
  want += std::string("\x00\x00", 2);                         // note
  CHECK(b == want);
  CHECK(b.size() == 26 + 8 * 2 + 3 + 3 + 1 + 1 + 2);
  CHECK(decode(b) == sample());
}

TEST_CASE("entry: decode refuses every truncation, trailing bytes, unknown version and kind") {
  const std::string b = encode(sample());
  for (std::size_t n = 0; n < b.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(decode(b.substr(0, n), 3), InvalidInput);
  }
  CHECK_THROWS_WITH_AS(decode(b + "x", 7), doctest::Contains("entry[7]"), InvalidInput);
  std::string v = b;
  v[0] = 2;
  CHECK_THROWS_WITH_AS(decode(v), doctest::Contains("unknown encoding version 2"), InvalidInput);
  v = b;
  v[1] = 7;
  CHECK_THROWS_WITH_AS(decode(v), doctest::Contains("unknown kind 7"), InvalidInput);
  v = b;
  v[26 + 2] = '\xff';  // first byte of the item: not UTF-8
  CHECK_THROWS_WITH_AS(decode(v), doctest::Contains("UTF-8"), InvalidInput);
  v = b;
  v[18 + 7] = 0;  // quantity 0
  CHECK_THROWS_WITH_AS(decode(v), doctest::Contains("quantity"), InvalidInput);
}

TEST_CASE("entry: validate names field, row and value") {
  Entry e = sample();
  e.quantity = 0;
  CHECK_THROWS_WITH_AS(validate(e, 4), "invalid quantity[4] = 0: must be a whole number of units in 1 … 2^53", InvalidInput);
  e = sample();
  e.quantity = max_quantity + 1;
  CHECK_THROWS_AS(validate(e), InvalidInput);
  e = sample();
  e.from.clear();
  CHECK_THROWS_WITH_AS(validate(e, 2), doctest::Contains("invalid from[2] = ''"), InvalidInput);
  e = sample();
  e.to = e.from;
  CHECK_THROWS_WITH_AS(validate(e, 2), doctest::Contains("invalid to[2] = 'A'"), InvalidInput);
  e = sample();
  e.item.clear();
  CHECK_THROWS_WITH_AS(validate(e), doctest::Contains("invalid item = ''"), InvalidInput);
  e = sample();
  e.time = no_time;
  CHECK_THROWS_WITH_AS(validate(e), doctest::Contains("invalid time = 'NaT'"), InvalidInput);
  e.time = max_time + 1;
  CHECK_THROWS_WITH_AS(validate(e), doctest::Contains("within the years 1900 … 9999"), InvalidInput);
  e.time = min_time;
  CHECK_NOTHROW(validate(e));
  e = sample();
  e.note = std::string(65536, 'x');
  CHECK_THROWS_WITH_AS(validate(e), doctest::Contains("longer than 65535 bytes"), InvalidInput);
  e = sample();
  e.actor = "\xc0\xaf";  // overlong '/'
  CHECK_THROWS_WITH_AS(validate(e), doctest::Contains("actor"), InvalidInput);
  // Receipts need no `from`; a write-off needs no `to`.
  e = sample();
  e.kind = Kind::DONATION;
  e.from.clear();
  CHECK_NOTHROW(validate(e));
  e = sample();
  e.kind = Kind::WRITE_OFF;
  e.to.clear();
  CHECK_NOTHROW(validate(e));
}

TEST_CASE("entry: kind names, English and Chinese") {
  CHECK(kind_from_string("hand_out") == Kind::HAND_OUT);
  CHECK(kind_from_string("Hand-Out") == Kind::HAND_OUT);
  CHECK(kind_from_string("发放") == Kind::HAND_OUT);
  CHECK(kind_from_string("协议储备") == Kind::AGREEMENT_STOCK);
  CHECK(std::string(name_zh(Kind::WRITE_OFF)) == "报损核销");
  CHECK_THROWS_WITH_AS(kind_from_string("receive", "kind", 3), doctest::Contains("DONATION, PURCHASE or AGREEMENT_STOCK"),
                       InvalidInput);
  CHECK_THROWS_WITH_AS(kind_from_string("gift", "kind", 3), doctest::Contains("invalid kind[3] = 'gift'"), InvalidInput);
  for (int k = 0; k < kind_count; ++k) CHECK(kind_from_string(to_string(static_cast<Kind>(k))) == static_cast<Kind>(k));
  CHECK(is_valid_utf8("帐篷 tent"));
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));  // a surrogate
  CHECK(fmt::format("{}", sample()).find("HAND_OUT 60 box 水 A → X need=n1") != std::string::npos);
}
