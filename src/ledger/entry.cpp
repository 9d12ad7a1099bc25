// The canonical binary encoding of ledger entries (format version 1).
#include "crisiskit/ledger/entry.hpp"

#include <array>
#include <cctype>

#include "crisiskit/core/error.hpp"

namespace crisiskit::ledger {

namespace {

struct KindName {
  const char* en;
  const char* zh;
};
constexpr std::array<KindName, kind_count> kind_names{{
    {"DONATION", "捐赠入库"},
    {"PURCHASE", "采购入库"},
    {"AGREEMENT_STOCK", "协议储备"},
    {"MOVE", "调拨"},
    {"HAND_OUT", "发放"},
    {"RETURN", "退回"},
    {"WRITE_OFF", "报损核销"},
}};

constexpr std::uint8_t encoding_version = 1;
constexpr std::size_t fixed_bytes = 26;

void put_u64(std::string& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}

void put_str(std::string& out, const std::string& s) {
  out.push_back(static_cast<char>((s.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(s.size() & 0xFF));
  out.append(s);
}

std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

[[noreturn]] void bad_bytes(std::int64_t row, std::string_view bytes, const std::string& problem) {
  throw InvalidInput("entry", row, fmt::format("<{} bytes>", bytes.size()), problem);
}

}  // namespace

const char* to_string(Kind k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < kind_names.size() ? kind_names[i].en : "?";
}

const char* name_zh(Kind k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < kind_names.size() ? kind_names[i].zh : "?";
}

Kind kind_from_string(std::string_view s, const char* field, std::int64_t row) {
  std::string up;
  for (char c : s) up.push_back(c == '-' || c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  for (std::size_t i = 0; i < kind_names.size(); ++i)
    if (up == kind_names[i].en || s == kind_names[i].zh) return static_cast<Kind>(i);
  if (up == "RECEIVE" || up == "RECEIPT")
    throw_invalid(field, row, s, "say how it was received: DONATION, PURCHASE or AGREEMENT_STOCK");
  throw_invalid(field, row, s,
                "expected DONATION, PURCHASE, AGREEMENT_STOCK, MOVE, HAND_OUT, RETURN or WRITE_OFF (or 捐赠入库, "
                "采购入库, 协议储备, 调拨, 发放, 退回, 报损核销)");
}

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

void validate(const Entry& e, std::int64_t row) {
  const auto k = static_cast<int>(e.kind);
  CRISISKIT_CHECK(k >= 0 && k < kind_count, "kind", row, k, "not a movement kind");
  CRISISKIT_CHECK(e.time != no_time, "time", row, "NaT", "a time is required");
  CRISISKIT_CHECK(e.time >= min_time && e.time <= max_time, "time", row, e.time,
                  "must be UTC seconds within the years 1900 … 9999");
  CRISISKIT_CHECK(e.quantity >= 1 && e.quantity <= max_quantity, "quantity", row, e.quantity,
                  "must be a whole number of units in 1 … 2^53");
  const std::pair<const char*, const std::string*> fields[] = {
      {"item", &e.item},   {"unit", &e.unit}, {"from", &e.from},   {"to", &e.to},
      {"actor", &e.actor}, {"need", &e.need}, {"claim", &e.claim}, {"note", &e.note}};
  for (const auto& [name, s] : fields) {
    CRISISKIT_CHECK(s->size() <= max_field_bytes, name, row, *s, "longer than 65535 bytes");
    CRISISKIT_CHECK(is_valid_utf8(*s), name, row, fmt::format("<{} bytes, not UTF-8>", s->size()),
                    "must be valid UTF-8 text");
  }
  CRISISKIT_CHECK(!e.item.empty(), "item", row, e.item, "an item is required");
  if (debits_from(e.kind))
    CRISISKIT_CHECK(!e.from.empty(), "from", row, e.from,
                    fmt::format("a {} needs the holder it takes from", to_string(e.kind)));
  if (e.kind != Kind::WRITE_OFF)
    CRISISKIT_CHECK(!e.to.empty(), "to", row, e.to,
                    fmt::format("a {} needs the party it goes to", to_string(e.kind)));
  if (debits_from(e.kind) && credits_to(e.kind))
    CRISISKIT_CHECK(e.from != e.to, "to", row, e.to, "a transfer must go to a different party than 'from'");
}

void encode_to(const Entry& e, std::string& out) {
  out.push_back(static_cast<char>(encoding_version));
  out.push_back(static_cast<char>(e.kind));
  put_u64(out, e.seq);
  put_u64(out, static_cast<std::uint64_t>(e.time));
  put_u64(out, static_cast<std::uint64_t>(e.quantity));
  for (const std::string* s : {&e.item, &e.unit, &e.from, &e.to, &e.actor, &e.need, &e.claim, &e.note}) put_str(out, *s);
}

std::string encode(const Entry& e) {
  validate(e);
  std::string out;
  out.reserve(fixed_bytes + 16 + e.item.size() + e.unit.size() + e.from.size() + e.to.size() + e.actor.size() +
              e.need.size() + e.claim.size() + e.note.size());
  encode_to(e, out);
  return out;
}

Entry decode(std::string_view bytes, std::int64_t row) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  if (n < fixed_bytes) bad_bytes(row, bytes, "truncated: shorter than the 26 fixed bytes");
  if (p[0] != encoding_version) bad_bytes(row, bytes, fmt::format("unknown encoding version {}", p[0]));
  if (p[1] >= kind_count) bad_bytes(row, bytes, fmt::format("unknown kind {}", p[1]));
  Entry e;
  e.kind = static_cast<Kind>(p[1]);
  e.seq = get_u64(p + 2);
  e.time = static_cast<std::int64_t>(get_u64(p + 10));
  e.quantity = static_cast<std::int64_t>(get_u64(p + 18));
  std::size_t at = fixed_bytes;
  for (std::string* s : {&e.item, &e.unit, &e.from, &e.to, &e.actor, &e.need, &e.claim, &e.note}) {
    if (n - at < 2) bad_bytes(row, bytes, "truncated inside a string length");
    const std::size_t len = (std::size_t{p[at]} << 8) | p[at + 1];
    at += 2;
    if (n - at < len) bad_bytes(row, bytes, "truncated inside a string");
    s->assign(bytes.data() + at, len);
    at += len;
  }
  if (at != n) bad_bytes(row, bytes, fmt::format("{} trailing bytes after the last field", n - at));
  try {
    validate(e, row);
  } catch (const InvalidInput& err) {
    bad_bytes(row, bytes, fmt::format("field check failed: {}", err.what()));
  }
  return e;
}

}  // namespace crisiskit::ledger
