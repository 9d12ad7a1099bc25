#pragma once
/// \file
/// `IdMap`: stable external string ids (place codes, event numbers, team
/// call-signs) ↔ dense indices 0..n-1. Every core keeps its per-item arrays
/// by dense index and speaks external ids at its API; this is the one place
/// the two meet. Indices are assigned in insertion order and never change.
///
/// Thread-safety: const members may be called concurrently; `insert` needs
/// exclusive access.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crisiskit/core/error.hpp"

namespace crisiskit {

/// Dense index of an item (subject, place, node, …).
using Index = std::int64_t;

class IdMap {
 public:
  IdMap() = default;
  // Keys are views into `ids_` (a deque, so elements never move); copying
  // must rebuild the table so the copy's views point into its own storage.
  IdMap(const IdMap& o) : ids_(o.ids_) { rebuild(); }
  IdMap& operator=(const IdMap& o) {
    if (this != &o) {
      ids_ = o.ids_;
      rebuild();
    }
    return *this;
  }
  IdMap(IdMap&&) noexcept = default;
  IdMap& operator=(IdMap&&) noexcept = default;

  /// Check that `id` is acceptable as an external id: non-empty, at most
  /// 1024 bytes, no control characters (they break CSV, XML and logs).
  /// \throws InvalidInput naming `field`, `index` and the id.
  static void validate(std::string_view id, const char* field = "id", std::int64_t index = InvalidInput::no_index) {
    CRISISKIT_CHECK(!id.empty(), field, index, id, "an id must not be empty");
    CRISISKIT_CHECK(id.size() <= 1024, field, index, id, "an id must be at most 1024 bytes");
    for (unsigned char c : id)
      CRISISKIT_CHECK(c >= 0x20 && c != 0x7f, field, index, id, "an id must not contain control characters");
  }

  /// Index of `id`, adding it if new. \throws InvalidInput if `id` is not valid (see `validate`).
  Index insert(std::string_view id) {
    if (auto it = map_.find(id); it != map_.end()) return it->second;
    validate(id);
    const Index i = static_cast<Index>(ids_.size());
    ids_.emplace_back(id);
    map_.emplace(std::string_view(ids_.back()), i);
    return i;
  }

  /// Index of `id`, or nothing if unknown.
  std::optional<Index> find(std::string_view id) const {
    auto it = map_.find(id);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }

  /// Index of `id`. \throws InvalidInput "unknown id" naming `field`.
  Index at(std::string_view id, const char* field = "id", std::int64_t index = InvalidInput::no_index) const {
    auto it = map_.find(id);
    if (it == map_.end()) throw_invalid(field, index, id, "unknown id");
    return it->second;
  }

  /// External id of dense index `i`. \throws InvalidInput if out of range.
  const std::string& id(Index i) const {
    CRISISKIT_CHECK(i >= 0 && i < size(), "index", InvalidInput::no_index, i,
                    fmt::format("must be in 0..{}", size() - 1));
    return ids_[static_cast<std::size_t>(i)];
  }

  bool contains(std::string_view id) const { return map_.count(id) != 0; }
  Index size() const noexcept { return static_cast<Index>(ids_.size()); }
  bool empty() const noexcept { return ids_.empty(); }
  void reserve(std::size_t n) { map_.reserve(n); }
  /// All ids in index order.
  const std::deque<std::string>& ids() const noexcept { return ids_; }

  friend bool operator==(const IdMap& a, const IdMap& b) { return a.ids_ == b.ids_; }
  friend bool operator!=(const IdMap& a, const IdMap& b) { return !(a == b); }

 private:
  void rebuild() {
    map_.clear();
    map_.reserve(ids_.size());
    for (std::size_t i = 0; i < ids_.size(); ++i) map_.emplace(std::string_view(ids_[i]), static_cast<Index>(i));
  }

  std::deque<std::string> ids_;
  std::unordered_map<std::string_view, Index> map_;
};

}  // namespace crisiskit
