#pragma once
/// \file
/// The error model shared by every crisiskit core.
///
/// - `InvalidInput` (derives from `std::invalid_argument`; Python `ValueError`):
///   the caller passed something wrong. The message always names the field,
///   the index (row) when there is one, and the offending value.
/// - `Error` (derives from `std::runtime_error`; Python `crisiskit.Error`):
///   base of the domain errors, raised when an operation is not possible in
///   the current state even though each argument is well-formed.
///
/// Nothing in crisiskit aborts or exits the host process: every failure is
/// an exception, and an operation that throws leaves the object as it was
/// (strong guarantee) unless its documentation says otherwise.

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace crisiskit {

/// Base of crisiskit's domain errors (Python: `crisiskit.Error`, a `RuntimeError`).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An operation is not allowed in the object's current state, e.g. completing
/// an obligation twice (Python: `crisiskit.StateError`).
class StateError : public Error {
 public:
  using Error::Error;
};

/// A bad argument (Python: `ValueError`). `field()`, `index()` and `value()`
/// are available separately so host platforms can point at the bad cell.
class InvalidInput : public std::invalid_argument {
 public:
  /// Index value meaning "the field is a scalar, no row".
  static constexpr std::int64_t no_index = -1;

  /// \param field   name of the argument or column, e.g. "scores"
  /// \param index   row / element index, or `no_index`
  /// \param value   the offending value, already rendered as text
  /// \param problem what is wrong with it, e.g. "must not be NaN"
  InvalidInput(std::string field, std::int64_t index, std::string value, const std::string& problem)
      : std::invalid_argument(compose(field, index, value, problem)),
        field_(std::move(field)),
        index_(index),
        value_(std::move(value)) {}

  const std::string& field() const noexcept { return field_; }
  std::int64_t index() const noexcept { return index_; }
  const std::string& value() const noexcept { return value_; }

 private:
  static std::string compose(const std::string& field, std::int64_t index, const std::string& value,
                             const std::string& problem) {
    if (index == no_index) return fmt::format("invalid {} = {}: {}", field, value, problem);
    return fmt::format("invalid {}[{}] = {}: {}", field, index, value, problem);
  }

  std::string field_;
  std::int64_t index_;
  std::string value_;
};

namespace detail {

/// Render a value for an error message: strings quoted, doubles shortest
/// round-trip (so "nan", "inf" and "1e-300" read as they are).
template <class T>
std::string render(const T& v) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    std::string_view s(v);
    if (s.size() > 80) {
      // Cut on a UTF-8 character boundary so the message stays valid text.
      std::size_t cut = 80;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
      return fmt::format("'{}…' ({} bytes)", s.substr(0, cut), s.size());
    }
    return fmt::format("'{}'", s);
  } else if constexpr (std::is_enum_v<T>) {
    return fmt::format("{}", static_cast<long long>(v));
  } else {
    return fmt::format("{}", v);
  }
}

}  // namespace detail

/// Throw `InvalidInput` naming field, index and value. Always on, in every
/// build type: these guard the host process against bad data, not bugs.
template <class T>
[[noreturn]] void throw_invalid(std::string field, std::int64_t index, const T& value,
                                const std::string& problem) {
  throw InvalidInput(std::move(field), index, detail::render(value), problem);
}

}  // namespace crisiskit

/// `CRISISKIT_CHECK(cond, field, index, value, problem)`: if `cond` is false,
/// throw `crisiskit::InvalidInput`. Evaluated in every build type.
#define CRISISKIT_CHECK(cond, field, index, value, problem)             \
  do {                                                                  \
    if (!(cond)) ::crisiskit::throw_invalid((field), (index), (value), (problem)); \
  } while (0)
