#pragma once
/// \file
/// `Span<T>`: a pointer and a length, the C++17 stand-in for `std::span`.
/// Arrays cross crisiskit's API as spans (or `Eigen::Ref`) so that numpy
/// buffers and `std::vector`s are read in place, never copied.

#include <array>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace crisiskit {

template <class T>
class Span {
 public:
  using element_type = T;
  using value_type = std::remove_cv_t<T>;

  constexpr Span() noexcept = default;
  constexpr Span(T* data, std::size_t size) noexcept : data_(data), size_(size) {}
  template <class A>
  Span(std::vector<value_type, A>& v) noexcept : data_(v.data()), size_(v.size()) {}  // NOLINT(implicit)
  template <class A, class U = T, class = std::enable_if_t<std::is_const_v<U>>>
  Span(const std::vector<value_type, A>& v) noexcept : data_(v.data()), size_(v.size()) {}  // NOLINT(implicit)
  template <std::size_t N>
  constexpr Span(std::array<value_type, N>& a) noexcept : data_(a.data()), size_(N) {}  // NOLINT(implicit)
  template <std::size_t N, class U = T, class = std::enable_if_t<std::is_const_v<U>>>
  constexpr Span(const std::array<value_type, N>& a) noexcept : data_(a.data()), size_(N) {}  // NOLINT(implicit)
  template <class U, class = std::enable_if_t<std::is_convertible_v<U (*)[], T (*)[]>>>
  constexpr Span(Span<U> o) noexcept : data_(o.data()), size_(o.size()) {}  // NOLINT(implicit)

  constexpr T* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr T& operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr T* begin() const noexcept { return data_; }
  constexpr T* end() const noexcept { return data_ + size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace crisiskit
