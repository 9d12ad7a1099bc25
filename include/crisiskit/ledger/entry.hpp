#pragma once
/// \file
/// `Entry`: one movement of material in the sunshine ledger (阳光台账), and
/// its fixed binary encoding — the bytes that are hashed into the Merkle
/// tree and stored in ledger files.
///
/// Kinds and what they do to balances (a *balance* is the quantity of one
/// item held by one party, see ledger.hpp):
/// | kind            | 中文     | from                  | to                     | balances            |
/// |-----------------|----------|-----------------------|------------------------|---------------------|
/// | DONATION        | 捐赠入库 | donor (optional)      | receiving holder       | to += q             |
/// | PURCHASE        | 采购入库 | supplier (optional)   | receiving holder       | to += q             |
/// | AGREEMENT_STOCK | 协议储备 | agreement partner (opt.)| receiving holder     | to += q             |
/// | MOVE            | 调拨     | holder                | holder                 | from −= q, to += q  |
/// | HAND_OUT        | 发放     | holder                | recipient (community…) | from −= q, to += q  |
/// | RETURN          | 退回     | recipient / holder    | holder                 | from −= q, to += q  |
/// | WRITE_OFF       | 报损核销 | holder                | reason / sink (opt.)   | from −= q           |
/// A debit never takes a balance below zero (the ledger rejects it).
///
/// Binary encoding, format version 1 (all integers big-endian, "network
/// order" as in RFC 6962's TLS presentation; strings UTF-8, no terminator):
/// | offset | bytes | field                                                |
/// |--------|-------|------------------------------------------------------|
/// | 0      | 1     | encoding version = 0x01                              |
/// | 1      | 1     | kind (0 DONATION … 6 WRITE_OFF, the enum values)     |
/// | 2      | 8     | seq: u64, the entry's 0-based position in the ledger  |
/// | 10     | 8     | time: i64, UTC seconds since 1970-01-01T00:00:00Z    |
/// | 18     | 8     | quantity: i64, whole units, 1 … 2^53                 |
/// | 26     | …     | 8 strings, each u16 byte length L then L bytes, in   |
/// |        |       | this order: item, unit, from, to, actor, need, claim,|
/// |        |       | note                                                 |
/// Total: 26 + Σ(2 + L) bytes, at most 26 + 8·(2 + 65535). The Merkle leaf of
/// an entry is HASH(0x00 ‖ these bytes). An encoding is canonical: decode
/// refuses trailing bytes, unknown versions or kinds, invalid UTF-8, and
/// field values that `validate` refuses, so one entry has one byte string.
///
/// Thread-safety: everything here is a pure function of its arguments.

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "crisiskit/core/time.hpp"

namespace crisiskit::ledger {

/// What a movement is; values are stored in the encoding and never change.
enum class Kind : std::uint8_t {
  DONATION = 0,         ///< received as a donation (捐赠入库)
  PURCHASE = 1,         ///< received from a purchase (采购入库)
  AGREEMENT_STOCK = 2,  ///< received from agreement reserve stock (协议储备调用)
  MOVE = 3,             ///< moved between two holders (调拨)
  HAND_OUT = 4,         ///< handed out to a recipient (发放)
  RETURN = 5,           ///< returned to a holder (退回)
  WRITE_OFF = 6,        ///< written off: spoiled, lost, expired (报损核销)
};
inline constexpr int kind_count = 7;

/// "DONATION", "HAND_OUT", …
const char* to_string(Kind k) noexcept;
/// The Chinese name: "捐赠入库", "发放", …
const char* name_zh(Kind k) noexcept;
/// Parse an English (any case) or Chinese kind name. Throws `InvalidInput`
/// naming `field`/`row` for anything else.
Kind kind_from_string(std::string_view s, const char* field = "kind", std::int64_t row = -1);
/// DONATION, PURCHASE or AGREEMENT_STOCK: credits `to`, debits nobody.
constexpr bool is_receipt(Kind k) noexcept { return static_cast<int>(k) <= 2; }
/// Kinds that debit `from`: MOVE, HAND_OUT, RETURN, WRITE_OFF.
constexpr bool debits_from(Kind k) noexcept { return !is_receipt(k); }
/// Kinds that credit `to`: every kind but WRITE_OFF.
constexpr bool credits_to(Kind k) noexcept { return k != Kind::WRITE_OFF; }

/// Largest quantity an entry may carry (2^53: exact in a double, so hosts
/// that read the numbers as floats lose nothing).
inline constexpr std::int64_t max_quantity = std::int64_t{1} << 53;
/// Entry times lie within 1900-01-01T00:00:00Z … 9999-12-31T23:59:59Z.
inline constexpr Timestamp min_time = -2'208'988'800;
inline constexpr Timestamp max_time = 253'402'300'799;
/// Largest byte length of one string field.
inline constexpr std::size_t max_field_bytes = 65535;

/// One movement of material. A plain value type; `seq` is assigned by the
/// ledger (its position), everything else by the caller.
struct Entry {
  std::uint64_t seq = 0;      ///< 0-based position in the ledger (set by Ledger::append)
  Timestamp time = 0;         ///< when it happened, UTC seconds
  Kind kind = Kind::DONATION; ///< what happened
  std::int64_t quantity = 0;  ///< how much, whole `unit`s, 1 … 2^53
  std::string item;           ///< what: "drinking_water", "帐篷" (required)
  std::string unit;           ///< unit label: "bottle", "kg" (optional; fixed per item by the ledger)
  std::string from;           ///< source party / debited holder (see the table above)
  std::string to;             ///< receiving holder / recipient / write-off reason
  std::string actor;          ///< who recorded or carried it out
  std::string need;           ///< id of the need it serves (NeedBoard need id), optional
  std::string claim;          ///< id of the claim it serves (NeedBoard claim id), optional
  std::string note;           ///< free text: document number, reason

  friend bool operator==(const Entry& a, const Entry& b) {
    return a.seq == b.seq && a.time == b.time && a.kind == b.kind && a.quantity == b.quantity && a.item == b.item &&
           a.unit == b.unit && a.from == b.from && a.to == b.to && a.actor == b.actor && a.need == b.need &&
           a.claim == b.claim && a.note == b.note;
  }
  friend bool operator!=(const Entry& a, const Entry& b) { return !(a == b); }
};

/// Check the fields that do not depend on ledger state: quantity in 1 … 2^53,
/// time within [min_time, max_time], item non-empty, `from`/`to` present where the kind
/// requires them (table above) and different from each other for a
/// transfer, every string valid UTF-8 and ≤ 65535 bytes. Throws
/// `InvalidInput` naming the field (e.g. "quantity"), `row` and the value.
void validate(const Entry& e, std::int64_t row = -1);

/// The canonical bytes of `e` (format version 1, see the file comment).
/// Calls `validate` first.
std::string encode(const Entry& e);
/// Append the canonical bytes of an already validated `e` to `out`.
void encode_to(const Entry& e, std::string& out);
/// Parse canonical bytes. Throws `InvalidInput` (field "entry", the row,
/// and what is wrong: truncated, trailing bytes, unknown version or kind, a
/// field `validate` refuses) — never reads out of bounds.
Entry decode(std::string_view bytes, std::int64_t row = -1);

/// Does `s` hold valid UTF-8 (no overlong forms, no surrogates, ≤ U+10FFFF)?
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace crisiskit::ledger

/// `fmt::format("{}", entry)`: `#12 2026-07-20T08:00:00+00:00 HAND_OUT 60 bottle drinking_water 仓库A → 社区X (need=n-1)`.
template <>
struct fmt::formatter<crisiskit::ledger::Entry> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const crisiskit::ledger::Entry& e, Ctx& ctx) const {
    std::string s = fmt::format("#{} {} {} {}{}{} {} {} → {}", e.seq, crisiskit::format_time(e.time),
                                crisiskit::ledger::to_string(e.kind), e.quantity, e.unit.empty() ? "" : " ", e.unit,
                                e.item, e.from.empty() ? "-" : e.from, e.to.empty() ? "-" : e.to);
    if (!e.need.empty()) s += fmt::format(" need={}", e.need);
    if (!e.claim.empty()) s += fmt::format(" claim={}", e.claim);
    return fmt::formatter<std::string_view>::format(s, ctx);
  }
};
