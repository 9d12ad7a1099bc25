#pragma once
/// \file
/// `AlertBoard`: stateful alert grading of many subjects (places or events,
/// by external id) with hysteresis, transition history and the obligations
/// each escalation opens, with their deadlines.
///
/// The flow: `update(ids, scores, time)` grades every subject in bulk
/// through the `GradingPolicy` (immediate escalation, delayed de-escalation);
/// each escalation opens the new level's obligations from the
/// `ResponsePlan`, due `within` seconds later; `acknowledge` / `complete`
/// close them; `overdue(at)` lists what is late. With
/// `BoardOptions::escalate_overdue`, a subject whose obligation is past due
/// moves up one level (reason OVERDUE) — late response is itself a risk.
///
/// Guarantees:
/// - Every mutating call is all-or-nothing: it validates everything first
///   (NaN score, unknown or malformed id, an id twice in one call, time
///   before the subject's last event) and throws `InvalidInput` naming the
///   field, index and value, leaving the board exactly as it was.
/// - Time never goes backwards per subject; different subjects may be
///   updated at different times.
/// - `to_bytes()` / `from_bytes()` round-trip the whole board exactly
///   (Python pickling uses them).
///
/// Thread-safety: const members may run concurrently with each other; any
/// mutating member needs exclusive access (the board does no locking — a
/// host that shares one wraps it in its own mutex).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crisiskit/alert/grading_policy.hpp"
#include "crisiskit/alert/level.hpp"
#include "crisiskit/alert/response_plan.hpp"
#include "crisiskit/core/id_map.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/detail/binary_io.hpp"

namespace crisiskit {

/// Why a subject changed level.
enum class TransitionReason : std::int8_t {
  SCORE = 0,    ///< the score crossed a threshold (or a release held long enough)
  OVERDUE = 1,  ///< an obligation went past due and `escalate_overdue` is on
};

constexpr std::string_view to_string(TransitionReason r) noexcept { return r == TransitionReason::SCORE ? "SCORE" : "OVERDUE"; }

/// One change of level.
struct Transition {
  Index subject = 0;      ///< dense subject index (see `AlertBoard::subjects()`)
  Timestamp time = 0;     ///< UTC seconds
  AlertLevel from = AlertLevel::NONE;
  AlertLevel to = AlertLevel::NONE;
  double score = 0;       ///< the score that caused it (the last score for OVERDUE)
  TransitionReason reason = TransitionReason::SCORE;
  std::int64_t previous = -1;  ///< index of this subject's previous transition, −1 if none
  friend bool operator==(const Transition& a, const Transition& b) {
    return a.subject == b.subject && a.time == b.time && a.from == b.from && a.to == b.to &&
           (a.score == b.score || (a.score != a.score && b.score != b.score)) && a.reason == b.reason &&
           a.previous == b.previous;
  }
  friend bool operator!=(const Transition& a, const Transition& b) { return !(a == b); }
};

enum class ObligationStatus : std::int8_t { OPEN = 0, ACKNOWLEDGED = 1, COMPLETED = 2 };

constexpr std::string_view to_string(ObligationStatus s) noexcept {
  constexpr std::string_view n[] = {"OPEN", "ACKNOWLEDGED", "COMPLETED"};
  return n[static_cast<int>(s)];
}

/// An obligation opened by an escalation. Its name and Chinese name are
/// `AlertBoard::spec(o)`'s (kept by reference to the plan to stay small).
struct Obligation {
  std::int64_t id = 0;        ///< equals its position in `AlertBoard::obligations()`
  Index subject = 0;
  AlertLevel level = AlertLevel::NONE;  ///< the level whose plan opened it
  std::int32_t spec = 0;      ///< index into `ResponsePlan::obligations(level)`
  std::int64_t transition = 0;  ///< the transition that opened it
  Timestamp opened = 0;       ///< UTC seconds
  Timestamp due = 0;          ///< UTC seconds; overdue when `at > due` and not completed
  Timestamp acknowledged_at = no_time;
  Timestamp completed_at = no_time;
  std::string acknowledged_by;
  std::string completed_by;
  ObligationStatus status = ObligationStatus::OPEN;
  bool escalated = false;     ///< already escalated its subject once for being overdue

  bool is_open() const noexcept { return status != ObligationStatus::COMPLETED; }
  bool is_overdue(Timestamp at) const noexcept { return is_open() && at > due; }
  friend bool operator==(const Obligation& a, const Obligation& b) {
    return a.id == b.id && a.subject == b.subject && a.level == b.level && a.spec == b.spec &&
           a.transition == b.transition && a.opened == b.opened && a.due == b.due &&
           a.acknowledged_at == b.acknowledged_at && a.completed_at == b.completed_at &&
           a.acknowledged_by == b.acknowledged_by && a.completed_by == b.completed_by && a.status == b.status &&
           a.escalated == b.escalated;
  }
  friend bool operator!=(const Obligation& a, const Obligation& b) { return !(a == b); }
};

/// A subject's current state.
struct SubjectState {
  AlertLevel level = AlertLevel::NONE;
  Timestamp since = no_time;       ///< last change of level, or first observation; `no_time` if never observed
  Timestamp last_time = no_time;   ///< last event (score update or overdue escalation)
  double last_score = std::numeric_limits<double>::quiet_NaN();  ///< NaN if never observed
};

/// What one `update` / `escalate_overdue` call did. Its transitions are
/// `transitions()[first_transition .. end_transition)`.
struct UpdateSummary {
  std::size_t updated = 0;           ///< subjects graded
  std::size_t new_subjects = 0;      ///< ids seen for the first time
  std::size_t escalated = 0;
  std::size_t deescalated = 0;
  std::size_t obligations_opened = 0;
  std::size_t first_transition = 0;
  std::size_t end_transition = 0;
};

struct BoardOptions {
  /// Escalate a subject one level when one of its obligations is past due
  /// (once per obligation), checked at every `update` for all open obligations.
  bool escalate_overdue = false;
  friend bool operator==(const BoardOptions& a, const BoardOptions& b) { return a.escalate_overdue == b.escalate_overdue; }
  friend bool operator!=(const BoardOptions& a, const BoardOptions& b) { return !(a == b); }
};

class AlertBoard {
 public:
  explicit AlertBoard(GradingPolicy policy = {}, ResponsePlan plan = ResponsePlan::defaults(),
                      BoardOptions options = {})
      : policy_(std::move(policy)), plan_(std::move(plan)), options_(options) {}

  // ---- updates -------------------------------------------------------------

  /// Grade `scores[i]` for subject `ids[i]` at `time`. New ids are added.
  /// \param ids    n external ids, each at most once per call
  /// \param scores n scores (policy scale, default 0–100); NaN refused
  /// \param time   UTC seconds; not before any listed subject's last event
  /// \throws InvalidInput (board unchanged) on a length mismatch, NaN, a bad
  ///         or repeated id, or time going backwards for a subject.
  UpdateSummary update(Span<const std::string_view> ids, Span<const double> scores, Timestamp time) {
    return update_impl(ids.size(), [&](std::size_t i) { return ids[i]; }, scores, time);
  }
  UpdateSummary update(Span<const std::string> ids, Span<const double> scores, Timestamp time) {
    return update_impl(ids.size(), [&](std::size_t i) { return std::string_view(ids[i]); }, scores, time);
  }

  /// As `update`, with dense subject indices (from `add_subject` / `subjects()`):
  /// the fast path when the same subjects are graded every step.
  /// \throws InvalidInput (board unchanged) on an index out of range, plus `update`'s cases.
  UpdateSummary update_indices(Span<const Index> subjects, Span<const double> scores, Timestamp time) {
    check_lengths(subjects.size(), scores.size());
    const std::uint64_t epoch = next_epoch();
    for (std::size_t i = 0; i < subjects.size(); ++i) {
      const Index s = subjects[i];
      CRISISKIT_CHECK(s >= 0 && s < num_subjects(), "subjects", static_cast<std::int64_t>(i), s,
                      fmt::format("must be a subject index in 0..{}", num_subjects() - 1));
      check_subject(s, i, scores[i], time, epoch, "subjects");
    }
    UpdateSummary sum = begin_summary();
    for (std::size_t i = 0; i < subjects.size(); ++i) apply(subjects[i], scores[i], time, sum);
    return finish(sum, time);
  }

  /// Escalate subjects whose obligations are past due at `at` (one level per
  /// subject per call, once per obligation). Subjects with an event after
  /// `at` are skipped: their clock is already past it.
  UpdateSummary escalate_overdue(Timestamp at) {
    UpdateSummary sum = begin_summary();
    escalate_overdue_impl(at, sum);
    sum.end_transition = transitions_.size();
    return sum;
  }

  /// Register a subject without grading it; returns its dense index (existing or new).
  /// \throws InvalidInput if the id is malformed (see `IdMap::validate`).
  Index add_subject(std::string_view id) {
    const Index s = ids_.insert(id);
    if (s == static_cast<Index>(level_.size())) grow(1);
    return s;
  }

  // ---- obligations ---------------------------------------------------------

  /// Mark obligation `id` acknowledged (签收) at `time` by `actor`.
  /// \throws InvalidInput unknown id or time before it was opened;
  ///         StateError if already acknowledged or completed.
  void acknowledge(std::int64_t id, Timestamp time, std::string actor = {}) {
    Obligation& o = obligation_ref(id, time);
    if (o.status == ObligationStatus::COMPLETED)
      throw StateError(fmt::format("obligation {} is already completed", id));
    if (o.status == ObligationStatus::ACKNOWLEDGED)
      throw StateError(fmt::format("obligation {} is already acknowledged", id));
    o.status = ObligationStatus::ACKNOWLEDGED;
    o.acknowledged_at = time;
    o.acknowledged_by = std::move(actor);
  }

  /// Mark obligation `id` completed at `time` by `actor` (acknowledging is optional).
  /// \throws InvalidInput unknown id or time before it was opened / acknowledged;
  ///         StateError if already completed.
  void complete(std::int64_t id, Timestamp time, std::string actor = {}) {
    Obligation& o = obligation_ref(id, time);
    if (o.status == ObligationStatus::COMPLETED)
      throw StateError(fmt::format("obligation {} is already completed", id));
    if (o.acknowledged_at != no_time)
      CRISISKIT_CHECK(time >= o.acknowledged_at, "time", InvalidInput::no_index, format_time(time),
                      fmt::format("is before obligation {} was acknowledged ({})", id, format_time(o.acknowledged_at)));
    o.status = ObligationStatus::COMPLETED;
    o.completed_at = time;
    o.completed_by = std::move(actor);
  }

  /// Open obligations past due at `at` (`at > due`), in id order.
  std::vector<Obligation> overdue(Timestamp at) const {
    std::vector<Obligation> out;
    for (const auto& o : obligations_)
      if (o.is_overdue(at)) out.push_back(o);
    return out;
  }

  /// Obligations of one subject, in id order.
  std::vector<Obligation> obligations_of(std::string_view id) const {
    const Index s = ids_.at(id, "subject");
    std::vector<Obligation> out;
    for (const auto& o : obligations_)
      if (o.subject == s) out.push_back(o);
    return out;
  }

  /// The plan entry behind an obligation (its name, Chinese name, deadline).
  const ObligationSpec& spec(const Obligation& o) const {
    return plan_.obligations(o.level).at(static_cast<std::size_t>(o.spec));
  }

  // ---- queries -------------------------------------------------------------

  Index num_subjects() const noexcept { return ids_.size(); }
  /// External ids ↔ dense indices.
  const IdMap& subjects() const noexcept { return ids_; }

  /// State of subject `id`. \throws InvalidInput if unknown.
  SubjectState state(std::string_view id) const { return state(ids_.at(id, "subject")); }
  /// State of dense subject `s`. \throws InvalidInput if out of range.
  SubjectState state(Index s) const {
    check_index(s);
    const auto u = static_cast<std::size_t>(s);
    return {static_cast<AlertLevel>(level_[u]), since_[u], last_time_[u], last_score_[u]};
  }
  AlertLevel level(std::string_view id) const { return state(id).level; }

  /// Current level of every subject, by dense index (0..4 as int8).
  Span<const std::int8_t> levels() const noexcept { return {level_.data(), level_.size()}; }
  /// Last score of every subject, by dense index (NaN if never observed).
  Span<const double> last_scores() const noexcept { return {last_score_.data(), last_score_.size()}; }

  /// Every transition, oldest first.
  const std::vector<Transition>& transitions() const noexcept { return transitions_; }
  /// Transitions of one subject, oldest first. \throws InvalidInput if unknown.
  std::vector<Transition> history(std::string_view id) const {
    const Index s = ids_.at(id, "subject");
    std::vector<Transition> out;
    for (std::int64_t t = last_transition_[static_cast<std::size_t>(s)]; t >= 0; t = transitions_[static_cast<std::size_t>(t)].previous)
      out.push_back(transitions_[static_cast<std::size_t>(t)]);
    std::reverse(out.begin(), out.end());
    return out;
  }
  /// Every obligation, by id.
  const std::vector<Obligation>& obligations() const noexcept { return obligations_; }

  const GradingPolicy& policy() const noexcept { return policy_; }
  const ResponsePlan& plan() const noexcept { return plan_; }
  const BoardOptions& options() const noexcept { return options_; }

  // ---- persistence ---------------------------------------------------------

  /// The whole board as bytes (little-endian, versioned; see `from_bytes`).
  std::string to_bytes() const {
    detail::BinaryWriter w;
    w.raw(magic);
    w.pod<std::uint32_t>(format_version);
    for (int k = 0; k < 4; ++k) {
      w.pod(policy_.thresholds()[k]);
      w.pod(policy_.margins()[k]);
      w.pod(policy_.dwells()[k]);
    }
    w.pod<std::uint8_t>(plan_.cumulative());
    for (AlertLevel l : all_alert_levels) {
      const auto& specs = plan_.obligations(l);
      w.pod<std::uint64_t>(specs.size());
      for (const auto& sp : specs) {
        w.str(sp.name);
        w.str(sp.name_zh);
        w.pod(sp.within);
      }
    }
    w.pod<std::uint8_t>(options_.escalate_overdue);
    w.pod<std::uint64_t>(level_.size());
    for (std::size_t s = 0; s < level_.size(); ++s) {
      w.str(ids_.ids()[s]);
      w.pod(level_[s]);
      w.pod(since_[s]);
      w.pod(last_time_[s]);
      w.pod(last_score_[s]);
      for (int k = 0; k < 4; ++k) w.pod(below_[4 * s + k]);
      w.pod(last_transition_[s]);
    }
    w.pod<std::uint64_t>(transitions_.size());
    for (const auto& t : transitions_) {
      w.pod(t.subject);
      w.pod(t.time);
      w.pod(t.from);
      w.pod(t.to);
      w.pod(t.score);
      w.pod(t.reason);
      w.pod(t.previous);
    }
    w.pod<std::uint64_t>(obligations_.size());
    for (const auto& o : obligations_) {
      w.pod(o.subject);
      w.pod(o.level);
      w.pod(o.spec);
      w.pod(o.transition);
      w.pod(o.opened);
      w.pod(o.due);
      w.pod(o.acknowledged_at);
      w.pod(o.completed_at);
      w.str(o.acknowledged_by);
      w.str(o.completed_by);
      w.pod(o.status);
      w.pod<std::uint8_t>(o.escalated);
    }
    return std::move(w.buffer());
  }

  /// Rebuild a board from `to_bytes()`'s bytes.
  /// \throws InvalidInput (field "state", index = byte offset) on truncated,
  ///         corrupted or foreign data; never reads out of bounds.
  static AlertBoard from_bytes(std::string_view bytes) {
    detail::BinaryReader r(bytes, "state");
    r.expect(magic);
    const auto version = r.pod<std::uint32_t>();
    if (version != format_version) r.fail(fmt::format("unsupported snapshot version {} (this build reads {})", version, format_version));
    GradingPolicy::Thresholds t{};
    GradingPolicy::Margins m{};
    GradingPolicy::Dwells d{};
    for (int k = 0; k < 4; ++k) {
      t[k] = r.pod<double>();
      m[k] = r.pod<double>();
      d[k] = r.pod<Duration>();
    }
    ResponsePlan plan;
    plan.set_cumulative(r.pod<std::uint8_t>() != 0);
    for (AlertLevel l : all_alert_levels) {
      const auto n = r.count(24);
      std::vector<ObligationSpec> specs(n);
      for (auto& sp : specs) {
        sp.name = r.str();
        sp.name_zh = r.str();
        sp.within = r.pod<Duration>();
      }
      if (l == AlertLevel::NONE) {
        if (n != 0) r.fail("level NONE cannot have obligations");
      } else {
        plan.set(l, std::move(specs));
      }
    }
    BoardOptions opt;
    opt.escalate_overdue = r.pod<std::uint8_t>() != 0;
    AlertBoard b(GradingPolicy(t, m, d), std::move(plan), opt);
    const auto ns = r.count(8 + 1 + 8 * 8);
    b.grow(ns);
    for (std::size_t s = 0; s < ns; ++s) {
      const std::string id = r.str();
      if (b.ids_.insert(id) != static_cast<Index>(s)) r.fail(fmt::format("subject id '{}' appears twice", id));
      b.level_[s] = r.pod<std::int8_t>();
      if (b.level_[s] < 0 || b.level_[s] > 4) r.fail("alert level out of range");
      b.since_[s] = r.pod<Timestamp>();
      b.last_time_[s] = r.pod<Timestamp>();
      b.last_score_[s] = r.pod<double>();
      for (int k = 0; k < 4; ++k) b.below_[4 * s + k] = r.pod<Timestamp>();
      b.last_transition_[s] = r.pod<std::int64_t>();
    }
    const auto nt = r.count(8 + 8 + 1 + 1 + 8 + 1 + 8);
    b.transitions_.resize(nt);
    for (std::size_t i = 0; i < nt; ++i) {
      Transition& x = b.transitions_[i];
      x.subject = r.pod<Index>();
      x.time = r.pod<Timestamp>();
      x.from = r.pod<AlertLevel>();
      x.to = r.pod<AlertLevel>();
      x.score = r.pod<double>();
      x.reason = r.pod<TransitionReason>();
      x.previous = r.pod<std::int64_t>();
      if (x.subject < 0 || x.subject >= static_cast<Index>(ns) || to_int(x.from) < 0 || to_int(x.from) > 4 ||
          to_int(x.to) < 0 || to_int(x.to) > 4 || static_cast<int>(x.reason) < 0 || static_cast<int>(x.reason) > 1 ||
          x.previous < -1 || x.previous >= static_cast<std::int64_t>(i))
        r.fail(fmt::format("transition {} is inconsistent", i));
    }
    for (std::size_t s = 0; s < ns; ++s)
      if (b.last_transition_[s] < -1 || b.last_transition_[s] >= static_cast<std::int64_t>(nt))
        r.fail(fmt::format("subject {} points at a transition that does not exist", s));
    const auto no = r.count(8 + 1 + 4 + 8 * 5 + 16 + 2);
    b.obligations_.resize(no);
    for (std::size_t i = 0; i < no; ++i) {
      Obligation& o = b.obligations_[i];
      o.id = static_cast<std::int64_t>(i);
      o.subject = r.pod<Index>();
      o.level = r.pod<AlertLevel>();
      o.spec = r.pod<std::int32_t>();
      o.transition = r.pod<std::int64_t>();
      o.opened = r.pod<Timestamp>();
      o.due = r.pod<Timestamp>();
      o.acknowledged_at = r.pod<Timestamp>();
      o.completed_at = r.pod<Timestamp>();
      o.acknowledged_by = r.str();
      o.completed_by = r.str();
      o.status = r.pod<ObligationStatus>();
      o.escalated = r.pod<std::uint8_t>() != 0;
      if (o.subject < 0 || o.subject >= static_cast<Index>(ns) || to_int(o.level) < 1 || to_int(o.level) > 4 ||
          o.spec < 0 || static_cast<std::size_t>(o.spec) >= b.plan_.obligations(o.level).size() ||
          o.transition < 0 || o.transition >= static_cast<std::int64_t>(nt) || static_cast<int>(o.status) < 0 ||
          static_cast<int>(o.status) > 2)
        r.fail(fmt::format("obligation {} is inconsistent", i));
    }
    if (!r.done()) r.fail("trailing bytes after the snapshot");
    return b;
  }

  friend bool operator==(const AlertBoard& a, const AlertBoard& b) { return a.to_bytes() == b.to_bytes(); }
  friend bool operator!=(const AlertBoard& a, const AlertBoard& b) { return !(a == b); }

 private:
  static constexpr std::string_view magic = "CKAB";
  static constexpr std::uint32_t format_version = 1;

  static void check_lengths(std::size_t n_ids, std::size_t n_scores) {
    CRISISKIT_CHECK(n_ids == n_scores, "scores", InvalidInput::no_index, n_scores,
                    fmt::format("has {} elements but ids has {}: they must match", n_scores, n_ids));
  }

  void check_index(Index s) const {
    CRISISKIT_CHECK(s >= 0 && s < num_subjects(), "subject", InvalidInput::no_index, s,
                    fmt::format("must be a subject index in 0..{}", num_subjects() - 1));
  }

  std::uint64_t next_epoch() {
    if (mark_.size() < level_.size()) mark_.resize(level_.size(), 0);
    return ++epoch_;
  }

  // Validation of an existing subject in a batch (NaN, repeat, time order).
  void check_subject(Index s, std::size_t i, double score, Timestamp time, std::uint64_t epoch, const char* field) {
    const auto u = static_cast<std::size_t>(s);
    const auto row = static_cast<std::int64_t>(i);
    CRISISKIT_CHECK(score == score, "scores", row, score, "a score must be a number, not NaN");
    if (mark_[u] == epoch) throw_invalid(field, row, ids_.id(s), "appears more than once in one update");
    mark_[u] = epoch;
    if (last_time_[u] != no_time && time < last_time_[u])
      throw_invalid("time", row, format_time(time),
                    fmt::format("is before the last event of subject '{}' at {}: time must not go backwards",
                                ids_.id(s), format_time(last_time_[u])));
  }

  template <class GetId>
  UpdateSummary update_impl(std::size_t n, GetId get_id, Span<const double> scores, Timestamp time) {
    check_lengths(n, scores.size());
    const std::uint64_t epoch = next_epoch();
    scratch_.resize(n);
    // New ids are only remembered here until every row has passed: a
    // rejected update must not leave half its ids registered.
    std::unordered_map<std::string_view, std::size_t> fresh;
    if (ids_.empty()) fresh.reserve(n);
    const auto& known = ids_.ids();
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view id = get_id(i);
      // Hosts usually send the same ids in the same order every step: try the
      // subject seen at this position last time before hashing (a byte
      // compare, walking memory in order, instead of a random probe).
      if (i < hint_.size() && known[static_cast<std::size_t>(hint_[i])] == id) {
        check_subject(hint_[i], i, scores[i], time, epoch, "ids");
        scratch_[i] = hint_[i];
      } else if (auto s = ids_.find(id)) {
        check_subject(*s, i, scores[i], time, epoch, "ids");
        scratch_[i] = *s;
      } else {
        const auto row = static_cast<std::int64_t>(i);
        IdMap::validate(id, "ids", row);
        CRISISKIT_CHECK(scores[i] == scores[i], "scores", row, scores[i], "a score must be a number, not NaN");
        if (!fresh.emplace(id, i).second) throw_invalid("ids", row, id, "appears more than once in one update");
        scratch_[i] = -1;
      }
    }
    UpdateSummary sum = begin_summary();
    if (!fresh.empty()) {
      ids_.reserve(ids_.ids().size() + fresh.size());
      grow(fresh.size());
      for (std::size_t i = 0; i < n; ++i)
        if (scratch_[i] < 0) scratch_[i] = ids_.insert(get_id(i));
      sum.new_subjects = fresh.size();
    }
    for (std::size_t i = 0; i < n; ++i) apply(scratch_[i], scores[i], time, sum);
    hint_.swap(scratch_);
    return finish(sum, time);
  }

  UpdateSummary begin_summary() const {
    UpdateSummary s;
    s.first_transition = transitions_.size();
    return s;
  }

  UpdateSummary finish(UpdateSummary& sum, Timestamp time) {
    if (options_.escalate_overdue) escalate_overdue_impl(time, sum);
    sum.end_transition = transitions_.size();
    return sum;
  }

  void grow(std::size_t k) {
    const std::size_t n = level_.size() + k;
    level_.resize(n, 0);
    since_.resize(n, no_time);
    last_time_.resize(n, no_time);
    last_score_.resize(n, std::numeric_limits<double>::quiet_NaN());
    below_.resize(4 * n, no_time);
    last_transition_.resize(n, -1);
    mark_.resize(n, 0);
  }

  // One grading step of subject s (see grading_policy.hpp for the rule).
  void apply(Index s, double x, Timestamp t, UpdateSummary& sum) {
    const auto u = static_cast<std::size_t>(s);
    Timestamp* below = &below_[4 * u];
    const auto& rel = policy_.release_points();
    for (int k = 0; k < 4; ++k) {
      if (x < rel[k]) {
        if (below[k] == no_time) below[k] = t;
      } else {
        below[k] = no_time;
      }
    }
    const int from = level_[u];
    const int raw = to_int(policy_.level_of(x));
    int to = from;
    if (raw > from) {
      to = raw;
    } else {
      const auto& dw = policy_.dwells();
      while (to > raw && below[to - 1] != no_time && t - below[to - 1] >= dw[to - 1]) --to;
    }
    if (since_[u] == no_time) since_[u] = t;
    last_time_[u] = t;
    last_score_[u] = x;
    ++sum.updated;
    if (to != from) transition(s, t, from, to, x, TransitionReason::SCORE, sum);
  }

  void transition(Index s, Timestamp t, int from, int to, double score, TransitionReason why, UpdateSummary& sum) {
    const auto u = static_cast<std::size_t>(s);
    const auto ti = static_cast<std::int64_t>(transitions_.size());
    transitions_.push_back(
        {s, t, static_cast<AlertLevel>(from), static_cast<AlertLevel>(to), score, why, last_transition_[u]});
    last_transition_[u] = ti;
    level_[u] = static_cast<std::int8_t>(to);
    since_[u] = t;
    last_time_[u] = t;
    if (to < from) {
      ++sum.deescalated;
      return;
    }
    ++sum.escalated;
    for (int l = plan_.cumulative() ? from + 1 : to; l <= to; ++l) {
      const auto& specs = plan_.obligations(static_cast<AlertLevel>(l));
      for (std::size_t k = 0; k < specs.size(); ++k) {
        Obligation o;
        o.id = static_cast<std::int64_t>(obligations_.size());
        o.subject = s;
        o.level = static_cast<AlertLevel>(l);
        o.spec = static_cast<std::int32_t>(k);
        o.transition = ti;
        o.opened = t;
        o.due = t + specs[k].within;
        obligations_.push_back(std::move(o));
        ++sum.obligations_opened;
      }
    }
  }

  void escalate_overdue_impl(Timestamp at, UpdateSummary& sum) {
    const std::uint64_t epoch = next_epoch();
    const std::size_t n = obligations_.size();  // obligations opened below are not yet due
    for (std::size_t i = 0; i < n; ++i) {
      Obligation& o = obligations_[i];
      if (o.escalated || !o.is_overdue(at)) continue;
      const auto u = static_cast<std::size_t>(o.subject);
      if (last_time_[u] != no_time && last_time_[u] > at) continue;
      o.escalated = true;
      if (mark_[u] == epoch || level_[u] >= 4) continue;
      mark_[u] = epoch;
      const int from = level_[u];
      // Restart the new level's dwell: it was not reached by score, so an
      // old "below since" must not release it on the next update.
      if (below_[4 * u + from] != no_time) below_[4 * u + from] = at;
      transition(o.subject, at, from, from + 1, last_score_[u], TransitionReason::OVERDUE, sum);
    }
  }

  Obligation& obligation_ref(std::int64_t id, Timestamp time) {
    CRISISKIT_CHECK(id >= 0 && id < static_cast<std::int64_t>(obligations_.size()), "obligation",
                    InvalidInput::no_index, id, "unknown obligation id");
    Obligation& o = obligations_[static_cast<std::size_t>(id)];
    CRISISKIT_CHECK(time >= o.opened, "time", InvalidInput::no_index, format_time(time),
                    fmt::format("is before obligation {} was opened ({})", id, format_time(o.opened)));
    return o;
  }

  GradingPolicy policy_;
  ResponsePlan plan_;
  BoardOptions options_;
  IdMap ids_;
  // Per subject, by dense index (structure of arrays: the bulk update walks
  // them in order and stays in cache).
  std::vector<std::int8_t> level_;
  std::vector<Timestamp> since_;
  std::vector<Timestamp> last_time_;
  std::vector<double> last_score_;
  std::vector<Timestamp> below_;  // 4 per subject: since when below threshold − margin, per level
  std::vector<std::int64_t> last_transition_;
  std::vector<Transition> transitions_;
  std::vector<Obligation> obligations_;
  // Scratch, not state: per-call duplicate detection and resolved indices.
  std::vector<std::uint64_t> mark_;
  std::uint64_t epoch_ = 0;
  std::vector<Index> scratch_;
  std::vector<Index> hint_;  // subjects of the last update by id, by position
};

}  // namespace crisiskit
