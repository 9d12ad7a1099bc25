#pragma once
/// \file
/// Little-endian binary writer/reader for crisiskit's own state formats
/// (board snapshots, pickles). Internal: no API promise.
/// The reader bounds-checks every read and throws `InvalidInput` naming the
/// byte offset, so a truncated or corrupted snapshot is reported, never read
/// past its end.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "crisiskit/core/error.hpp"

namespace crisiskit::detail {

class BinaryWriter {
 public:
  template <class T>
  void pod(T v) {
    static_assert(std::is_arithmetic_v<T> || std::is_enum_v<T>);
    // Hosts we target are little-endian; the static_assert in reader/writer
    // pairs keeps the format fixed if that ever changes.
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  void str(std::string_view s) {
    pod<std::uint64_t>(s.size());
    out_.append(s.data(), s.size());
  }
  void raw(std::string_view s) { out_.append(s.data(), s.size()); }
  /// A length-prefixed array of arithmetic values, written as raw bytes.
  template <class T, class A>
  void array(const std::vector<T, A>& v) {
    static_assert(std::is_arithmetic_v<T>);
    pod<std::uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  std::string& buffer() noexcept { return out_; }

 private:
  std::string out_;
};

class BinaryReader {
 public:
  BinaryReader(std::string_view in, const char* field) : in_(in), field_(field) {}

  template <class T>
  T pod() {
    static_assert(std::is_arithmetic_v<T> || std::is_enum_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    need(n);
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  template <class T>
  std::vector<T> array() {
    static_assert(std::is_arithmetic_v<T>);
    const auto n = count(sizeof(T));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), in_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  void expect(std::string_view magic) {
    need(magic.size());
    if (in_.substr(pos_, magic.size()) != magic)
      throw_invalid(field_, static_cast<std::int64_t>(pos_), in_.substr(pos_, magic.size()),
                    fmt::format("not a crisiskit snapshot (expected magic '{}')", magic));
    pos_ += magic.size();
  }
  /// A count that must fit in what is left, each element taking at least `min_bytes`.
  std::uint64_t count(std::size_t min_bytes) {
    const auto n = pod<std::uint64_t>();
    if (min_bytes > 0 && n > (in_.size() - pos_) / min_bytes)
      throw_invalid(field_, static_cast<std::int64_t>(pos_), n, "count exceeds the data left: truncated or corrupted");
    return n;
  }
  [[noreturn]] void fail(const std::string& problem) const {
    throw InvalidInput(field_, static_cast<std::int64_t>(pos_), "byte offset", problem);
  }
  bool done() const noexcept { return pos_ == in_.size(); }
  std::size_t offset() const noexcept { return pos_; }

 private:
  void need(std::size_t n) {
    if (n > in_.size() - pos_)
      throw_invalid(field_, static_cast<std::int64_t>(pos_), n,
                    fmt::format("needs {} more bytes but only {} are left: truncated or corrupted", n,
                                in_.size() - pos_));
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  const char* field_;
};

}  // namespace crisiskit::detail
