#pragma once
/// \file
/// `NeedBoard`: the need board (需求发布 / 社会认领). Needs are published per
/// place and resource type; volunteer groups and companies claim parts of
/// them, deliver, or withdraw; the board keeps what is still open, every
/// claim, and a log of every change.
///
/// Model and units.
/// - A *need* is a quantity of one resource type (`"drinking_water"`) at one
///   place (a place id; optionally a road-network node), with a priority
///   class (`priority.hpp`), a deadline, and an optional unit label.
/// - Quantities are whole units (`Quantity`, int64, 1..2^53): accounting is
///   exact, and the numbers go straight into the integer matcher. Choose the
///   unit so that claims are whole (kg rather than t, bottles rather than
///   cases). `quantity_from_double` turns a float read from a host into one,
///   refusing NaN, infinities and fractions.
/// - Times are UTC seconds (`Timestamp`). Per need, time never goes
///   backwards: every change of a need or of one of its claims is at or
///   after the need's last change. Different needs are independent.
/// - Ids: needs and claims have stable string ids, given by the caller or
///   generated (`need-1`, `need-2`, …; `claim-1`, …; a generated id skips
///   any id already taken). Need ids and claim ids are separate namespaces.
///   Dense indices (publication / claim order) never change.
///
/// Rules.
/// - A claim's *held* quantity counts against its need: the whole claim
///   while ACTIVE, only what it delivered once WITHDRAWN or CANCELLED.
///   `claimed` = Σ held; `open` = quantity − claimed (0 once cancelled).
///   Invariant: Σ held + open = quantity for every need not cancelled, and
///   0 ≤ delivered ≤ claimed ≤ quantity.
/// - `claim` takes at most the open quantity: more is a `StateError`, and so
///   is a claim on a cancelled need.
/// - `deliver` records a (partial) delivery of an ACTIVE claim, at most what
///   it still owes; when all is delivered the claim is DELIVERED. A need is
///   FULFILLED when its whole quantity is delivered.
/// - `withdraw` ends an ACTIVE claim; its undelivered part returns to the
///   open need, what it already delivered stays delivered.
/// - `amend` changes a need's quantity (not below what is claimed) and/or
///   deadline; raising a FULFILLED need's quantity reopens it.
/// - `close` stops further claims: the quantity is lowered to what is
///   claimed, so the need is FULLY_CLAIMED (or FULFILLED). Its active claims
///   are kept and still delivered or withdrawn; a later withdrawal reopens
///   that part (the need was closed *because* those claims covered it).
/// - `cancel` withdraws the need itself (CANCELLED, final): every ACTIVE
///   claim on it is released (status CANCELLED, undelivered part dropped,
///   one RELEASE event each, ids returned so the host can tell claimants);
///   what was delivered stays on record. A FULFILLED need cannot be
///   cancelled.
/// - Status of a need, first match: CANCELLED; FULFILLED (delivered =
///   quantity); FULLY_CLAIMED (open = 0); PARTLY_CLAIMED (claimed > 0); OPEN.
/// - A claim is overdue at `at` when ACTIVE and `at` > its due time: the
///   promised delivery time if given, else its need's deadline.
///
/// Event log: every change appends one `NeedEvent` (time, actor, kind, need,
/// claim, quantity, open after it, deadline, note), never rewritten: the
/// input of a tamper-evident ledger. See `NeedEventKind` for the fields.
///
/// Throws. Malformed input — an unknown id, an empty or repeated id, a
/// quantity ≤ 0, a missing deadline, time going backwards, an unknown
/// priority class — is `InvalidInput` naming the field, row and value. An
/// operation the current state forbids — claiming more than is open,
/// claiming a cancelled need, withdrawing twice, delivering more than owed,
/// cancelling twice — is `StateError`. Every mutating call validates first:
/// one that throws leaves the board exactly as it was (a batch `publish` is
/// all or nothing).
///
/// `to_bytes()` / `from_bytes()` round-trip the whole board exactly
/// (Python pickling uses them).
///
/// Thread-safety: const members may run concurrently with each other; any
/// mutating member needs exclusive access. The board does no locking (the
/// Python wrapper holds a mutex).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/id_map.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/detail/binary_io.hpp"
#include "crisiskit/match/priority.hpp"

namespace crisiskit::match {

/// A quantity of a resource, whole units of the need's unit.
using Quantity = std::int64_t;
/// Largest quantity: 2^53, exact as a float64 and within the flow solver's limits.
constexpr Quantity kMaxQuantity = Quantity{1} << 53;

/// Check a quantity: 1 ≤ q ≤ 2^53. \throws InvalidInput naming `field` and `row`.
inline Quantity check_quantity(Quantity q, const char* field = "quantity", std::int64_t row = InvalidInput::no_index) {
  CRISISKIT_CHECK(q > 0, field, row, q, "a quantity must be > 0");
  CRISISKIT_CHECK(q <= kMaxQuantity, field, row, q, "a quantity must be at most 2^53");
  return q;
}

/// A quantity from a float (a host's column): finite, whole, 1..2^53.
/// \throws InvalidInput naming `field` and `row`: NaN, ±inf, a fraction, ≤ 0.
inline Quantity quantity_from_double(double x, const char* field = "quantity",
                                     std::int64_t row = InvalidInput::no_index) {
  CRISISKIT_CHECK(std::isfinite(x), field, row, x, "a quantity must be a finite number");
  CRISISKIT_CHECK(x == std::floor(x), field, row, x,
                  "a quantity must be a whole number of units (use a smaller unit, e.g. kg instead of t)");
  CRISISKIT_CHECK(x > 0, field, row, x, "a quantity must be > 0");
  CRISISKIT_CHECK(x <= static_cast<double>(kMaxQuantity), field, row, x, "a quantity must be at most 2^53");
  return static_cast<Quantity>(x);
}

enum class NeedStatus : std::int8_t { OPEN = 0, PARTLY_CLAIMED = 1, FULLY_CLAIMED = 2, FULFILLED = 3, CANCELLED = 4 };
enum class ClaimStatus : std::int8_t { ACTIVE = 0, DELIVERED = 1, WITHDRAWN = 2, CANCELLED = 3 };

/// What one event records. `quantity` and `deadline` by kind:
/// PUBLISH: the quantity and deadline published; AMEND: the new quantity and
/// deadline; CLOSE: the new quantity (= claimed); CANCEL: the open quantity
/// dropped; CLAIM: the quantity claimed and the promised delivery time
/// (`no_time` if none); DELIVER: the quantity delivered; WITHDRAW: the
/// quantity returned to the need; RELEASE (a claim cancelled with its need):
/// the quantity it no longer owes. `deadline` is `no_time` where not listed.
enum class NeedEventKind : std::int8_t {
  PUBLISH = 0, AMEND = 1, CLOSE = 2, CANCEL = 3, CLAIM = 4, DELIVER = 5, WITHDRAW = 6, RELEASE = 7
};

constexpr std::string_view to_string(NeedStatus s) noexcept {
  constexpr std::string_view n[] = {"OPEN", "PARTLY_CLAIMED", "FULLY_CLAIMED", "FULFILLED", "CANCELLED"};
  return n[static_cast<int>(s)];
}
constexpr std::string_view to_string(ClaimStatus s) noexcept {
  constexpr std::string_view n[] = {"ACTIVE", "DELIVERED", "WITHDRAWN", "CANCELLED"};
  return n[static_cast<int>(s)];
}
constexpr std::string_view to_string(NeedEventKind k) noexcept {
  constexpr std::string_view n[] = {"PUBLISH", "AMEND", "CLOSE", "CANCEL", "CLAIM", "DELIVER", "WITHDRAW", "RELEASE"};
  return n[static_cast<int>(k)];
}

/// A need to publish.
struct NeedSpec {
  std::string id;                      ///< "" = generated (`need-1`, `need-2`, …)
  std::string place;                   ///< place id (required)
  std::string type;                    ///< resource type id, e.g. "drinking_water" (required)
  Quantity quantity = 0;               ///< whole units, 1..2^53
  std::string priority = "residential";  ///< priority class name (see priority.hpp)
  Timestamp deadline = no_time;        ///< UTC seconds (required), not before publication
  std::int64_t node = -1;              ///< road-network node of the place, −1 if not given
  std::string unit;                    ///< unit label for people ("box", "kg"); may be empty
};

/// A published need. Ids and names are the board's (`need_id`, `places()`, …).
struct Need {
  Index place = 0;
  Index type = 0;
  std::int64_t node = -1;
  std::string unit;
  std::int32_t priority = 0;        ///< index into the board's `priorities()`
  Quantity quantity = 0;            ///< current quantity (after amend / close)
  Quantity claimed = 0;             ///< Σ held quantity of its claims
  Quantity delivered = 0;           ///< Σ delivered by its claims
  Timestamp deadline = no_time;
  Timestamp published_at = no_time;
  std::string published_by;
  Timestamp cancelled_at = no_time;  ///< `no_time` unless cancelled
  Timestamp last_time = no_time;    ///< last change of the need or one of its claims

  bool cancelled() const noexcept { return cancelled_at != no_time; }
  Quantity open() const noexcept { return cancelled() ? 0 : quantity - claimed; }
  NeedStatus status() const noexcept {
    if (cancelled()) return NeedStatus::CANCELLED;
    if (delivered == quantity) return NeedStatus::FULFILLED;
    if (claimed == quantity) return NeedStatus::FULLY_CLAIMED;
    return claimed > 0 ? NeedStatus::PARTLY_CLAIMED : NeedStatus::OPEN;
  }
};

/// A claim to make.
struct ClaimRequest {
  std::string id;                 ///< "" = generated (`claim-1`, …)
  std::string need;               ///< need id
  std::string claimant;           ///< who claims (a group or company name; required)
  Quantity quantity = 0;          ///< whole units, 1..open
  Timestamp promised = no_time;   ///< promised delivery time, UTC seconds; `no_time` = none
};

/// A claim on a need.
struct Claim {
  Index need = 0;
  std::string claimant;
  Quantity quantity = 0;            ///< as claimed
  Quantity delivered = 0;
  Timestamp time = no_time;         ///< when claimed
  Timestamp promised = no_time;     ///< promised delivery time, `no_time` if none
  Timestamp closed_at = no_time;    ///< when it became DELIVERED, WITHDRAWN or CANCELLED
  ClaimStatus status = ClaimStatus::ACTIVE;

  /// What counts against the need: all while ACTIVE, else what was delivered.
  Quantity held() const noexcept { return status == ClaimStatus::ACTIVE ? quantity : delivered; }
  /// What is still to deliver (0 unless ACTIVE).
  Quantity outstanding() const noexcept { return status == ClaimStatus::ACTIVE ? quantity - delivered : 0; }
};

/// One change on the board (see `NeedEventKind` for `quantity` and `deadline`).
struct NeedEvent {
  Timestamp time = no_time;
  NeedEventKind kind = NeedEventKind::PUBLISH;
  Index need = 0;
  Index claim = -1;                 ///< −1 for need-level events
  Quantity quantity = 0;
  Quantity open_after = 0;          ///< the need's open quantity after the event
  Timestamp deadline = no_time;
  std::string actor;                ///< who did it (free text, may be empty)
  std::string note;                 ///< reason given, may be empty
};

/// The open needs as columns for the matcher, in need order (open > 0 only).
struct OpenDemand {
  std::vector<Index> need;          ///< dense need index (`NeedBoard::need_id`)
  std::vector<Index> place;         ///< dense place index (`NeedBoard::places()`)
  std::vector<std::int64_t> node;   ///< road-network node, −1 if not given
  std::vector<Index> type;          ///< dense resource type index (`NeedBoard::types()`)
  std::vector<Quantity> quantity;   ///< open quantity, whole units
  std::vector<double> weight;       ///< priority weight
  std::vector<Timestamp> deadline;  ///< UTC seconds
};

class NeedBoard {
 public:
  explicit NeedBoard(PriorityTable priorities = PriorityTable::defaults()) : priorities_(std::move(priorities)) {
    CRISISKIT_CHECK(priorities_.size() > 0, "priorities", InvalidInput::no_index, 0,
                    "a need board needs at least one priority class");
  }

  // ---- changes ----------------------------------------------------------------

  /// Publish needs at `time` by `actor`, all or nothing.
  /// \returns their ids, in order.
  /// \throws InvalidInput (board unchanged) naming the field and row: an id
  ///         malformed, taken or repeated; an empty place or type; a bad
  ///         quantity, unit or node; an unknown priority class; a deadline
  ///         missing or before `time`; a malformed actor.
  std::vector<std::string> publish(Span<const NeedSpec> needs, Timestamp time, std::string_view actor = {}) {
    check_time(time, "time");
    check_actor(actor);
    const std::size_t n = needs.size();
    std::vector<std::int32_t> prio(n);
    std::unordered_set<std::string_view> given;
    for (std::size_t i = 0; i < n; ++i) {
      const NeedSpec& s = needs[i];
      const auto row = static_cast<std::int64_t>(i);
      if (!s.id.empty()) {
        IdMap::validate(s.id, "id", row);
        if (need_ids_.contains(s.id)) throw_invalid("id", row, s.id, "is already the id of a need");
        if (!given.insert(s.id).second) throw_invalid("id", row, s.id, "appears more than once in one publish");
      }
      IdMap::validate(s.place, "place", row);
      IdMap::validate(s.type, "type", row);
      check_quantity(s.quantity, "quantity", row);
      prio[i] = static_cast<std::int32_t>(priorities_.index(s.priority, "priority", row));
      CRISISKIT_CHECK(s.deadline != no_time, "deadline", row, "none", "a need must have a deadline");
      CRISISKIT_CHECK(s.deadline >= time, "deadline", row, format_time(s.deadline),
                      fmt::format("is before the publication time {}", format_time(time)));
      CRISISKIT_CHECK(s.node >= -1, "node", row, s.node, "must be a node id >= 0, or -1 for none");
      if (!s.unit.empty()) IdMap::validate(s.unit, "unit", row);
    }
    std::vector<std::string> ids(n);
    std::uint64_t counter = need_counter_;
    for (std::size_t i = 0; i < n; ++i) {
      if (!needs[i].id.empty()) {
        ids[i] = needs[i].id;
        continue;
      }
      do ids[i] = fmt::format("need-{}", ++counter);
      while (need_ids_.contains(ids[i]) || given.count(ids[i]));
    }
    make_room(needs_, n);
    make_room(need_claims_, n);
    make_room(events_, n);
    for (std::size_t i = 0; i < n; ++i) {
      const NeedSpec& s = needs[i];
      need_ids_.insert(ids[i]);
      Need d;
      d.place = places_.insert(s.place);
      d.type = types_.insert(s.type);
      d.node = s.node;
      d.unit = s.unit;
      d.priority = prio[i];
      d.quantity = s.quantity;
      d.deadline = s.deadline;
      d.published_at = d.last_time = time;
      d.published_by = std::string(actor);
      needs_.push_back(std::move(d));
      need_claims_.emplace_back();
      log(time, NeedEventKind::PUBLISH, static_cast<Index>(needs_.size() - 1), -1, s.quantity, s.deadline, actor, {});
    }
    need_counter_ = counter;
    return ids;
  }

  /// Publish one need. \returns its id. \throws as the batch `publish`.
  std::string publish(const NeedSpec& need, Timestamp time, std::string_view actor = {}) {
    return publish(Span<const NeedSpec>(&need, 1), time, actor).front();
  }

  /// Claim part of a need at `time`; `actor` defaults to the claimant.
  /// \returns the claim id.
  /// \throws InvalidInput: unknown need, malformed or taken claim id, empty
  ///         claimant, bad quantity, promised time before `time`, time before
  ///         the need's last change. StateError: the need is cancelled, or
  ///         the quantity exceeds what is open.
  std::string claim(const ClaimRequest& req, Timestamp time, std::string_view actor = {}) {
    check_time(time, "time");
    check_actor(actor);
    const Index ni = need_ids_.at(req.need, "need");
    if (!req.id.empty()) {
      IdMap::validate(req.id, "id");
      if (claim_ids_.contains(req.id)) throw_invalid("id", InvalidInput::no_index, req.id, "is already the id of a claim");
    }
    IdMap::validate(req.claimant, "claimant");
    check_quantity(req.quantity);
    if (req.promised != no_time)
      CRISISKIT_CHECK(req.promised >= time, "promised", InvalidInput::no_index, format_time(req.promised),
                      fmt::format("is before the claim's time {}", format_time(time)));
    Need& d = needs_[static_cast<std::size_t>(ni)];
    check_need_time(ni, time);
    if (d.cancelled()) throw StateError(fmt::format("need '{}' is cancelled: it takes no claims", need_id(ni)));
    if (req.quantity > d.open())
      throw StateError(d.open() == 0
                           ? fmt::format("need '{}' has nothing open to claim (status {})", need_id(ni), to_string(d.status()))
                           : fmt::format("a claim of {} exceeds the open quantity {} of need '{}'", req.quantity,
                                         d.open(), need_id(ni)));
    std::string id = req.id;
    std::uint64_t counter = claim_counter_;
    if (id.empty()) {
      do id = fmt::format("claim-{}", ++counter);
      while (claim_ids_.contains(id));
    }
    make_room(claims_, 1);
    make_room(need_claims_[static_cast<std::size_t>(ni)], 1);
    make_room(events_, 1);
    const Index ci = claim_ids_.insert(id);
    Claim c;
    c.need = ni;
    c.claimant = req.claimant;
    c.quantity = req.quantity;
    c.time = time;
    c.promised = req.promised;
    claims_.push_back(std::move(c));
    need_claims_[static_cast<std::size_t>(ni)].push_back(ci);
    d.claimed += req.quantity;
    d.last_time = time;
    claim_counter_ = counter;
    log(time, NeedEventKind::CLAIM, ni, ci, req.quantity, req.promised, actor.empty() ? req.claimant : actor, {});
    return id;
  }

  /// Record a delivery on claim `claim`: `quantity` units, or (nullopt)
  /// everything it still owes.
  /// \throws InvalidInput: unknown claim, bad quantity, time before the
  ///         need's last change. StateError: the claim is not ACTIVE, or the
  ///         quantity exceeds what it still owes.
  void deliver(std::string_view claim, std::optional<Quantity> quantity, Timestamp time, std::string_view actor = {}) {
    check_time(time, "time");
    check_actor(actor);
    const Index ci = claim_ids_.at(claim, "claim");
    if (quantity) check_quantity(*quantity);
    Claim& c = claims_[static_cast<std::size_t>(ci)];
    check_need_time(c.need, time);
    check_active(ci, "deliver on");
    const Quantity q = quantity ? *quantity : c.outstanding();
    if (q > c.outstanding())
      throw StateError(fmt::format("a delivery of {} exceeds the {} that claim '{}' still owes", q, c.outstanding(),
                                   claim_id(ci)));
    make_room(events_, 1);
    Need& d = needs_[static_cast<std::size_t>(c.need)];
    c.delivered += q;
    d.delivered += q;
    if (c.delivered == c.quantity) {
      c.status = ClaimStatus::DELIVERED;
      c.closed_at = time;
    }
    d.last_time = time;
    log(time, NeedEventKind::DELIVER, c.need, ci, q, no_time, actor, {});
  }

  /// Withdraw an ACTIVE claim: its undelivered part returns to the need.
  /// \returns the quantity returned.
  /// \throws InvalidInput: unknown claim, time before the need's last
  ///         change. StateError: the claim is not ACTIVE (withdrawn twice,
  ///         fully delivered, cancelled with its need).
  Quantity withdraw(std::string_view claim, Timestamp time, std::string_view actor = {}, std::string_view reason = {}) {
    check_time(time, "time");
    check_actor(actor);
    check_note(reason);
    const Index ci = claim_ids_.at(claim, "claim");
    Claim& c = claims_[static_cast<std::size_t>(ci)];
    check_need_time(c.need, time);
    check_active(ci, "withdraw");
    make_room(events_, 1);
    const Quantity back = end_claim(ci, ClaimStatus::WITHDRAWN, time);
    log(time, NeedEventKind::WITHDRAW, c.need, ci, back, no_time, actor, reason);
    return back;
  }

  /// Change a need's quantity and/or deadline (at least one).
  /// \throws InvalidInput: unknown need, neither given, bad quantity, a
  ///         deadline before publication, time before the need's last
  ///         change. StateError: the need is cancelled, or the quantity is
  ///         below what is claimed (withdraw claims first).
  void amend(std::string_view need, std::optional<Quantity> quantity, std::optional<Timestamp> deadline, Timestamp time,
             std::string_view actor = {}, std::string_view note = {}) {
    check_time(time, "time");
    check_actor(actor);
    check_note(note, "note");
    const Index ni = need_ids_.at(need, "need");
    Need& d = needs_[static_cast<std::size_t>(ni)];
    CRISISKIT_CHECK(quantity || deadline, "quantity", InvalidInput::no_index, "none",
                    "give a new quantity, a new deadline or both");
    if (quantity) check_quantity(*quantity);
    if (deadline) {
      CRISISKIT_CHECK(*deadline != no_time, "deadline", InvalidInput::no_index, "none", "a need must have a deadline");
      CRISISKIT_CHECK(*deadline >= d.published_at, "deadline", InvalidInput::no_index, format_time(*deadline),
                      fmt::format("is before need '{}' was published ({})", need_id(ni), format_time(d.published_at)));
    }
    check_need_time(ni, time);
    check_not_cancelled(ni, "amend");
    if (quantity && *quantity < d.claimed)
      throw StateError(fmt::format("need '{}' has {} claimed: its quantity cannot go below that (withdraw claims first)",
                                   need_id(ni), d.claimed));
    make_room(events_, 1);
    if (quantity) d.quantity = *quantity;
    if (deadline) d.deadline = *deadline;
    d.last_time = time;
    log(time, NeedEventKind::AMEND, ni, -1, d.quantity, d.deadline, actor, note);
  }

  /// Close a need to further claims: its quantity becomes what is claimed;
  /// active claims are kept.
  /// \throws InvalidInput: unknown need, time before its last change.
  ///         StateError: cancelled, nothing claimed (cancel it instead), or
  ///         nothing open.
  void close(std::string_view need, Timestamp time, std::string_view actor = {}, std::string_view reason = {}) {
    check_time(time, "time");
    check_actor(actor);
    check_note(reason);
    const Index ni = need_ids_.at(need, "need");
    Need& d = needs_[static_cast<std::size_t>(ni)];
    check_need_time(ni, time);
    check_not_cancelled(ni, "close");
    if (d.claimed == 0)
      throw StateError(fmt::format("need '{}' has nothing claimed: cancel it instead of closing it", need_id(ni)));
    if (d.open() == 0)
      throw StateError(fmt::format("need '{}' has nothing open to close (status {})", need_id(ni), to_string(d.status())));
    make_room(events_, 1);
    d.quantity = d.claimed;
    d.last_time = time;
    log(time, NeedEventKind::CLOSE, ni, -1, d.quantity, no_time, actor, reason);
  }

  /// Cancel a need: it takes no more claims, and every ACTIVE claim on it is
  /// released (CANCELLED; delivered parts stay on record).
  /// \returns the ids of the claims released, in claim order.
  /// \throws InvalidInput: unknown need, time before its last change.
  ///         StateError: already cancelled, or fulfilled.
  std::vector<std::string> cancel(std::string_view need, Timestamp time, std::string_view actor = {},
                                  std::string_view reason = {}) {
    check_time(time, "time");
    check_actor(actor);
    check_note(reason);
    const Index ni = need_ids_.at(need, "need");
    Need& d = needs_[static_cast<std::size_t>(ni)];
    check_need_time(ni, time);
    check_not_cancelled(ni, "cancel");
    if (d.status() == NeedStatus::FULFILLED)
      throw StateError(fmt::format("need '{}' is fulfilled: there is nothing left to cancel", need_id(ni)));
    const auto& mine = need_claims_[static_cast<std::size_t>(ni)];
    std::vector<std::string> released;
    for (Index ci : mine)
      if (claims_[static_cast<std::size_t>(ci)].status == ClaimStatus::ACTIVE) released.push_back(claim_id(ci));
    make_room(events_, 1 + released.size());
    const Quantity dropped = d.open();
    d.cancelled_at = time;
    d.last_time = time;
    log(time, NeedEventKind::CANCEL, ni, -1, dropped, no_time, actor, reason);
    for (Index ci : mine) {
      if (claims_[static_cast<std::size_t>(ci)].status != ClaimStatus::ACTIVE) continue;
      const Quantity owed = end_claim(ci, ClaimStatus::CANCELLED, time);
      log(time, NeedEventKind::RELEASE, ni, ci, owed, no_time, actor, reason);
    }
    return released;
  }

  // ---- queries ----------------------------------------------------------------

  Index num_needs() const noexcept { return need_ids_.size(); }
  Index num_claims() const noexcept { return claim_ids_.size(); }
  /// Every need, by dense index (publication order).
  const std::vector<Need>& needs() const noexcept { return needs_; }
  /// Every claim, by dense index (claim order).
  const std::vector<Claim>& claims() const noexcept { return claims_; }
  /// Every change, oldest first.
  const std::vector<NeedEvent>& events() const noexcept { return events_; }

  /// Dense index of a need id. \throws InvalidInput if unknown.
  Index need_index(std::string_view id) const { return need_ids_.at(id, "need"); }
  /// Dense index of a claim id. \throws InvalidInput if unknown.
  Index claim_index(std::string_view id) const { return claim_ids_.at(id, "claim"); }
  const std::string& need_id(Index i) const { return need_ids_.id(i); }
  const std::string& claim_id(Index i) const { return claim_ids_.id(i); }
  const Need& need(std::string_view id) const { return needs_[static_cast<std::size_t>(need_index(id))]; }
  const Claim& claim_of(std::string_view id) const { return claims_[static_cast<std::size_t>(claim_index(id))]; }

  NeedStatus status(std::string_view need) const { return this->need(need).status(); }
  Quantity open(std::string_view need) const { return this->need(need).open(); }
  /// Priority weight of a need.
  double weight(const Need& d) const { return priorities_[static_cast<std::size_t>(d.priority)].weight; }
  /// When a claim is due: its promised time, else its need's deadline.
  Timestamp due(const Claim& c) const {
    return c.promised != no_time ? c.promised : needs_[static_cast<std::size_t>(c.need)].deadline;
  }

  /// Needs with something open, in need order; each filter is ignored when
  /// empty. An unknown type or place matches nothing.
  /// \throws InvalidInput if `priority` is not a class of the board.
  std::vector<Index> open_needs(std::string_view type = {}, std::string_view priority = {},
                                std::string_view place = {}) const {
    const auto t = type.empty() ? std::optional<Index>(-1) : types_.find(type);
    const auto p = place.empty() ? std::optional<Index>(-1) : places_.find(place);
    const auto k = priority.empty() ? -1 : static_cast<std::int64_t>(priorities_.index(priority));
    std::vector<Index> out;
    if (!t || !p) return out;
    for (std::size_t i = 0; i < needs_.size(); ++i) {
      const Need& d = needs_[i];
      if (d.open() > 0 && (*t < 0 || d.type == *t) && (*p < 0 || d.place == *p) && (k < 0 || d.priority == k))
        out.push_back(static_cast<Index>(i));
    }
    return out;
  }

  /// Claims made by `claimant` (exact name), in claim order.
  std::vector<Index> claims_of(std::string_view claimant) const {
    std::vector<Index> out;
    for (std::size_t i = 0; i < claims_.size(); ++i)
      if (claims_[i].claimant == claimant) out.push_back(static_cast<Index>(i));
    return out;
  }

  /// Claims on need `need`, in claim order. \throws InvalidInput if unknown.
  const std::vector<Index>& claims_on(std::string_view need) const {
    return need_claims_[static_cast<std::size_t>(need_index(need))];
  }

  /// ACTIVE claims past due at `at` (`at` > `due(c)`), in claim order.
  std::vector<Index> overdue_claims(Timestamp at) const {
    std::vector<Index> out;
    for (std::size_t i = 0; i < claims_.size(); ++i)
      if (claims_[i].status == ClaimStatus::ACTIVE && at > due(claims_[i])) out.push_back(static_cast<Index>(i));
    return out;
  }

  /// The open needs as matcher input: one row per need with open > 0.
  OpenDemand open_demand() const {
    OpenDemand o;
    for (std::size_t i = 0; i < needs_.size(); ++i) {
      const Need& d = needs_[i];
      if (d.open() == 0) continue;
      o.need.push_back(static_cast<Index>(i));
      o.place.push_back(d.place);
      o.node.push_back(d.node);
      o.type.push_back(d.type);
      o.quantity.push_back(d.open());
      o.weight.push_back(weight(d));
      o.deadline.push_back(d.deadline);
    }
    return o;
  }

  /// Place ids ↔ dense place indices (insertion order).
  const IdMap& places() const noexcept { return places_; }
  /// Resource type ids ↔ dense type indices.
  const IdMap& types() const noexcept { return types_; }
  const IdMap& need_ids() const noexcept { return need_ids_; }
  const IdMap& claim_ids() const noexcept { return claim_ids_; }
  const PriorityTable& priorities() const noexcept { return priorities_; }

  // ---- persistence ------------------------------------------------------------

  /// The whole board as bytes (little-endian, versioned; see `from_bytes`).
  std::string to_bytes() const {
    ::crisiskit::detail::BinaryWriter w;
    w.raw(magic);
    w.pod<std::uint32_t>(format_version);
    w.pod<std::uint64_t>(priorities_.size());
    for (const auto& c : priorities_.classes()) {
      w.str(c.name);
      w.str(c.name_zh);
      w.pod(c.weight);
    }
    w.pod(need_counter_);
    w.pod(claim_counter_);
    for (const IdMap* m : {&places_, &types_}) {
      w.pod<std::uint64_t>(static_cast<std::uint64_t>(m->size()));
      for (const auto& s : m->ids()) w.str(s);
    }
    w.pod<std::uint64_t>(needs_.size());
    for (std::size_t i = 0; i < needs_.size(); ++i) {
      const Need& d = needs_[i];
      w.str(need_ids_.ids()[i]);
      w.pod(d.place);
      w.pod(d.type);
      w.pod(d.node);
      w.str(d.unit);
      w.pod(d.priority);
      w.pod(d.quantity);
      w.pod(d.claimed);
      w.pod(d.delivered);
      w.pod(d.deadline);
      w.pod(d.published_at);
      w.str(d.published_by);
      w.pod(d.cancelled_at);
      w.pod(d.last_time);
    }
    w.pod<std::uint64_t>(claims_.size());
    for (std::size_t i = 0; i < claims_.size(); ++i) {
      const Claim& c = claims_[i];
      w.str(claim_ids_.ids()[i]);
      w.pod(c.need);
      w.str(c.claimant);
      w.pod(c.quantity);
      w.pod(c.delivered);
      w.pod(c.time);
      w.pod(c.promised);
      w.pod(c.closed_at);
      w.pod(c.status);
    }
    w.pod<std::uint64_t>(events_.size());
    for (const NeedEvent& e : events_) {
      w.pod(e.time);
      w.pod(e.kind);
      w.pod(e.need);
      w.pod(e.claim);
      w.pod(e.quantity);
      w.pod(e.open_after);
      w.pod(e.deadline);
      w.str(e.actor);
      w.str(e.note);
    }
    return std::move(w.buffer());
  }

  /// Rebuild a board from `to_bytes()`'s bytes.
  /// \throws InvalidInput (field "state", index = byte offset) on truncated,
  ///         corrupted, inconsistent or foreign data; never reads out of bounds.
  static NeedBoard from_bytes(std::string_view bytes) {
    ::crisiskit::detail::BinaryReader r(bytes, "state");
    r.expect(magic);
    const auto version = r.pod<std::uint32_t>();
    if (version != format_version)
      r.fail(fmt::format("unsupported need board version {} (this build reads {})", version, format_version));
    PriorityTable table;
    const auto np = r.count(8 + 8 + 8);
    for (std::size_t i = 0; i < np; ++i) {
      const std::string name = r.str();
      const std::string zh = r.str();
      const auto weight = r.pod<double>();
      if (table.contains(name)) r.fail(fmt::format("priority class '{}' appears twice", name));
      try {
        table.set(name, weight, zh);
      } catch (const InvalidInput& e) {
        r.fail(e.what());
      }
      if (table.classes().back().name != name) r.fail(fmt::format("priority class '{}' is not canonical", name));
    }
    if (np == 0) r.fail("no priority classes");
    NeedBoard b(std::move(table));
    b.need_counter_ = r.pod<std::uint64_t>();
    b.claim_counter_ = r.pod<std::uint64_t>();
    for (IdMap* m : {&b.places_, &b.types_}) {
      const auto n = r.count(8);
      for (std::size_t i = 0; i < n; ++i) read_id(r, *m, i);
    }
    const auto nn = r.count(13 * 8 + 4);  // the smallest need record
    b.needs_.resize(nn);
    b.need_claims_.resize(nn);
    for (std::size_t i = 0; i < nn; ++i) {
      read_id(r, b.need_ids_, i);
      Need& d = b.needs_[i];
      d.place = r.pod<Index>();
      d.type = r.pod<Index>();
      d.node = r.pod<std::int64_t>();
      d.unit = r.str();
      d.priority = r.pod<std::int32_t>();
      d.quantity = r.pod<Quantity>();
      d.claimed = r.pod<Quantity>();
      d.delivered = r.pod<Quantity>();
      d.deadline = r.pod<Timestamp>();
      d.published_at = r.pod<Timestamp>();
      d.published_by = r.str();
      d.cancelled_at = r.pod<Timestamp>();
      d.last_time = r.pod<Timestamp>();
      if (d.place < 0 || d.place >= b.places_.size() || d.type < 0 || d.type >= b.types_.size() || d.node < -1 ||
          d.priority < 0 || static_cast<std::size_t>(d.priority) >= b.priorities_.size() || d.quantity <= 0 ||
          d.quantity > kMaxQuantity || d.deadline == no_time || d.published_at == no_time || d.last_time < d.published_at)
        r.fail(fmt::format("need {} is inconsistent", i));
    }
    const auto nc = r.count(8 * 8 + 1);
    b.claims_.resize(nc);
    std::vector<Quantity> claimed(nn, 0), delivered(nn, 0);
    for (std::size_t i = 0; i < nc; ++i) {
      read_id(r, b.claim_ids_, i);
      Claim& c = b.claims_[i];
      c.need = r.pod<Index>();
      c.claimant = r.str();
      c.quantity = r.pod<Quantity>();
      c.delivered = r.pod<Quantity>();
      c.time = r.pod<Timestamp>();
      c.promised = r.pod<Timestamp>();
      c.closed_at = r.pod<Timestamp>();
      c.status = r.pod<ClaimStatus>();
      const int st = static_cast<int>(c.status);
      if (c.need < 0 || c.need >= static_cast<Index>(nn) || c.quantity <= 0 || c.quantity > kMaxQuantity ||
          c.delivered < 0 || c.delivered > c.quantity || st < 0 || st > 3 || c.time == no_time ||
          (c.status == ClaimStatus::ACTIVE) != (c.closed_at == no_time) ||
          (c.status == ClaimStatus::DELIVERED) != (c.delivered == c.quantity) ||
          (c.status == ClaimStatus::ACTIVE && b.needs_[static_cast<std::size_t>(c.need)].cancelled()))
        r.fail(fmt::format("claim {} is inconsistent", i));
      const auto u = static_cast<std::size_t>(c.need);
      claimed[u] += c.held();  // each term ≤ 2^53 and each total is kept ≤ 2^53: no overflow
      delivered[u] += c.delivered;
      if (claimed[u] > kMaxQuantity) r.fail(fmt::format("claims on need {} add up to more than 2^53", u));
      b.need_claims_[u].push_back(static_cast<Index>(i));
    }
    for (std::size_t i = 0; i < nn; ++i) {
      const Need& d = b.needs_[i];
      if (d.claimed != claimed[i] || d.delivered != delivered[i] || d.claimed > d.quantity)
        r.fail(fmt::format("need {} does not add up with its claims", i));
    }
    const auto ne = r.count(8 * 8 + 1);
    b.events_.resize(ne);
    for (std::size_t i = 0; i < ne; ++i) {
      NeedEvent& e = b.events_[i];
      e.time = r.pod<Timestamp>();
      e.kind = r.pod<NeedEventKind>();
      e.need = r.pod<Index>();
      e.claim = r.pod<Index>();
      e.quantity = r.pod<Quantity>();
      e.open_after = r.pod<Quantity>();
      e.deadline = r.pod<Timestamp>();
      e.actor = r.str();
      e.note = r.str();
      const int k = static_cast<int>(e.kind);
      if (k < 0 || k > 7 || e.need < 0 || e.need >= static_cast<Index>(nn) || e.claim < -1 ||
          e.claim >= static_cast<Index>(nc) || (e.claim >= 0 && b.claims_[static_cast<std::size_t>(e.claim)].need != e.need))
        r.fail(fmt::format("event {} is inconsistent", i));
    }
    if (!r.done()) r.fail("trailing bytes after the need board");
    return b;
  }

  friend bool operator==(const NeedBoard& a, const NeedBoard& b) { return a.to_bytes() == b.to_bytes(); }
  friend bool operator!=(const NeedBoard& a, const NeedBoard& b) { return !(a == b); }

 private:
  static constexpr std::string_view magic = "CKNB";
  static constexpr std::uint32_t format_version = 1;

  static void read_id(::crisiskit::detail::BinaryReader& r, IdMap& m, std::size_t i) {
    const std::string id = r.str();
    try {
      if (m.insert(id) == static_cast<Index>(i)) return;
    } catch (const InvalidInput& e) {
      r.fail(e.what());
    }
    r.fail(fmt::format("id '{}' appears twice", id));
  }

  static void check_time(Timestamp t, const char* field) {
    CRISISKIT_CHECK(t != no_time, field, InvalidInput::no_index, "none", "a time is required");
  }

  static void check_actor(std::string_view actor) {
    if (!actor.empty()) IdMap::validate(actor, "actor");
  }

  static void check_note(std::string_view note, const char* field = "reason") {
    CRISISKIT_CHECK(note.size() <= 4096, field, InvalidInput::no_index, note, "must be at most 4096 bytes");
  }

  // Room for `extra` more elements, growing geometrically, so the pushes
  // after validation cannot fail half-way.
  template <class V>
  static void make_room(V& v, std::size_t extra) {
    if (v.capacity() - v.size() < extra) v.reserve(std::max(v.size() + extra, 2 * v.capacity()));
  }

  void check_need_time(Index ni, Timestamp time) const {
    const Need& d = needs_[static_cast<std::size_t>(ni)];
    if (time < d.last_time)
      throw_invalid("time", InvalidInput::no_index, format_time(time),
                    fmt::format("is before the last change of need '{}' at {}: time must not go backwards",
                                need_id(ni), format_time(d.last_time)));
  }

  void check_not_cancelled(Index ni, const char* what) const {
    if (needs_[static_cast<std::size_t>(ni)].cancelled())
      throw StateError(fmt::format("cannot {} need '{}': it is cancelled", what, need_id(ni)));
  }

  void check_active(Index ci, const char* what) const {
    const Claim& c = claims_[static_cast<std::size_t>(ci)];
    if (c.status != ClaimStatus::ACTIVE)
      throw StateError(fmt::format("cannot {} claim '{}': it is {}", what, claim_id(ci), to_string(c.status)));
  }

  // End an ACTIVE claim; its undelivered part leaves the need's claimed total.
  Quantity end_claim(Index ci, ClaimStatus to, Timestamp time) {
    Claim& c = claims_[static_cast<std::size_t>(ci)];
    Need& d = needs_[static_cast<std::size_t>(c.need)];
    const Quantity owed = c.outstanding();
    c.status = to;
    c.closed_at = time;
    d.claimed -= owed;
    d.last_time = time;
    return owed;
  }

  void log(Timestamp time, NeedEventKind kind, Index need, Index claim, Quantity q, Timestamp deadline,
           std::string_view actor, std::string_view note) {
    events_.push_back({time, kind, need, claim, q, needs_[static_cast<std::size_t>(need)].open(), deadline,
                       std::string(actor), std::string(note)});
  }

  PriorityTable priorities_;
  IdMap need_ids_, claim_ids_, places_, types_;
  std::vector<Need> needs_;
  std::vector<Claim> claims_;
  std::vector<std::vector<Index>> need_claims_;  // derived: claims of each need, in order
  std::vector<NeedEvent> events_;
  std::uint64_t need_counter_ = 0;   // last generated need number
  std::uint64_t claim_counter_ = 0;  // last generated claim number
};

}  // namespace crisiskit::match
