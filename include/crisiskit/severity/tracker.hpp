#pragma once
/// \file
/// `SeverityTracker`: the history of assessments per event, the trend
/// indicators derived from it, and the 2-hour re-assessment clock.
///
/// ## Derived trend indicators
/// When an update does not give them and the previous assessment of the same
/// event allows it, the tracker fills in (config permitting):
/// - `population_growth` = (P − P₀) / max(P₀, 1), P = `affected_population`
///   now, P₀ at the previous assessment (both must be present);
/// - `harm_growth` = (H − H₀) / max(H₀, 1), H = the sum of `deaths`,
///   `serious_injuries`, `missing` and `trapped` over those given both times
///   (at least one).
/// Both are relative growth since the last assessment, whatever its age.
/// Values given explicitly are kept as they are.
///
/// ## Re-assessment clock
/// `due(event, at)` is true once `at ≥ last + interval` (default 2 h, the
/// source's cadence); `overdue(at)` lists every such event.
///
/// Thread-safety: not synchronised. Concurrent const calls are safe; an
/// `update` must not run alongside any other call on the same tracker
/// (Python raises `StateError` for that).

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crisiskit/core/time.hpp"
#include "crisiskit/severity/assessor.hpp"

namespace crisiskit::severity {

/// One entry of an event's history.
struct Assessment {
  Timestamp time = 0;
  SeverityResult result;
  std::vector<std::string> derived;  ///< indicator names the tracker filled in
};

class SeverityTracker {
 public:
  /// \throws InvalidInput if `interval` ≤ 0.
  explicit SeverityTracker(SeverityAssessor assessor = SeverityAssessor{}, Duration interval = hours(2))
      : a_(std::move(assessor)), interval_(interval) {
    CRISISKIT_CHECK(interval_ > 0, "interval", InvalidInput::no_index, interval_, "must be positive seconds");
    const auto& c = a_.config();
    pop_ = c.find("affected_population");
    pop_growth_ = c.find("population_growth");
    harm_growth_ = c.find("harm_growth");
    for (const char* n : {"deaths", "serious_injuries", "missing", "trapped"})
      if (auto f = c.find(n)) harm_.push_back(*f);
  }

  const SeverityAssessor& assessor() const noexcept { return a_; }
  Duration interval() const noexcept { return interval_; }

  /// Assesses `event` at `time` and appends it to the event's history.
  /// \throws InvalidInput (history unchanged) for an empty event id, a time
  ///         not after the event's last assessment, or any bad indicator.
  const Assessment& update(std::string_view event, Timestamp time, const Indicators& indicators) {
    CRISISKIT_CHECK(!event.empty(), "event", InvalidInput::no_index, event, "must not be empty");
    std::vector<double> v = a_.values_of(indicators);
    auto it = index_.find(std::string(event));
    const std::vector<Assessment>* hist = it == index_.end() ? nullptr : &events_[it->second];
    std::vector<std::string> derived;
    if (hist && !hist->empty()) {
      const Assessment& prev = hist->back();
      CRISISKIT_CHECK(time > prev.time, "time", InvalidInput::no_index, format_time(time),
                      fmt::format("must be after event '{}''s last assessment at {}", event, format_time(prev.time)));
      const auto& pv = prev.result.values;
      auto growth = [](double now, double before) { return (now - before) / std::max(before, 1.0); };
      if (pop_growth_ && pop_ && std::isnan(v[*pop_growth_]) && !std::isnan(v[*pop_]) && !std::isnan(pv[*pop_])) {
        v[*pop_growth_] = growth(v[*pop_], pv[*pop_]);
        derived.emplace_back("population_growth");
      }
      if (harm_growth_ && std::isnan(v[*harm_growth_])) {
        double h = 0, h0 = 0;
        int both = 0;
        for (std::size_t i : harm_)
          if (!std::isnan(v[i]) && !std::isnan(pv[i])) {
            h += v[i];
            h0 += pv[i];
            ++both;
          }
        if (both > 0) {
          v[*harm_growth_] = growth(h, h0);
          derived.emplace_back("harm_growth");
        }
      }
    }
    Assessment a{time, a_.assess_values(std::move(v)), std::move(derived)};
    // Nothing above changed the tracker; the append below is the only mutation.
    if (it == index_.end()) {
      it = index_.emplace(std::string(event), events_.size()).first;
      names_.emplace_back(event);
      events_.emplace_back();
    }
    events_[it->second].push_back(std::move(a));
    return events_[it->second].back();
  }

  /// Event ids in first-seen order.
  const std::vector<std::string>& events() const noexcept { return names_; }
  bool contains(std::string_view event) const { return index_.count(std::string(event)) != 0; }

  /// \throws InvalidInput for an unknown event.
  const std::vector<Assessment>& history(std::string_view event) const { return events_[slot(event)]; }

  /// When the next assessment of `event` is due.
  Timestamp next_due(std::string_view event) const { return events_[slot(event)].back().time + interval_; }
  /// True once `at` has reached `next_due(event)`.
  bool due(std::string_view event, Timestamp at) const { return at >= next_due(event); }
  /// Every event whose re-assessment is due at `at`, in first-seen order.
  std::vector<std::string> overdue(Timestamp at) const {
    std::vector<std::string> out;
    for (std::size_t e = 0; e < events_.size(); ++e)
      if (at >= events_[e].back().time + interval_) out.push_back(names_[e]);
    return out;
  }

  /// Snapshot: configuration, interval and every raw update. Loading
  /// re-assesses each entry, so results are recomputed, never trusted.
  std::string to_bytes() const {
    detail::BinaryWriter w;
    w.raw("CKSEVTR1");
    a_.config().write(w);
    w.pod<std::int64_t>(interval_);
    w.pod<std::uint64_t>(events_.size());
    for (std::size_t e = 0; e < events_.size(); ++e) {
      w.str(names_[e]);
      w.pod<std::uint64_t>(events_[e].size());
      for (const auto& a : events_[e]) {
        w.pod<std::int64_t>(a.time);
        w.array(a.result.values);
        w.pod<std::uint64_t>(a.derived.size());
        for (const auto& d : a.derived) w.str(d);
      }
    }
    return std::move(w.buffer());
  }
  static SeverityTracker from_bytes(std::string_view b) {
    detail::BinaryReader r(b, "SeverityTracker bytes");
    r.expect("CKSEVTR1");
    SeverityConfig c = SeverityConfig::read(r);
    const auto interval = r.pod<std::int64_t>();
    SeverityTracker t(SeverityAssessor(std::move(c)), interval);
    const auto ne = r.count(16);
    for (std::uint64_t e = 0; e < ne; ++e) {
      std::string name = r.str();
      CRISISKIT_CHECK(!t.contains(name), "SeverityTracker bytes", static_cast<std::int64_t>(r.offset()), name,
                      "duplicate event");
      const auto na = r.count(8 + 8 + 8);
      CRISISKIT_CHECK(na > 0, "SeverityTracker bytes", static_cast<std::int64_t>(r.offset()), name, "empty history");
      t.index_.emplace(name, t.events_.size());
      t.names_.push_back(name);
      t.events_.emplace_back();
      Timestamp last = 0;
      for (std::uint64_t k = 0; k < na; ++k) {
        Assessment a;
        a.time = r.pod<std::int64_t>();
        if (k > 0 && a.time <= last) r.fail("history times must increase");
        last = a.time;
        a.result = t.a_.assess_values(r.array<double>());
        const auto nd = r.count(8);
        for (std::uint64_t d = 0; d < nd; ++d) a.derived.push_back(r.str());
        t.events_.back().push_back(std::move(a));
      }
    }
    if (!r.done()) r.fail("trailing bytes after the tracker");
    return t;
  }

 private:
  std::size_t slot(std::string_view event) const {
    auto it = index_.find(std::string(event));
    if (it == index_.end())
      throw InvalidInput("event", InvalidInput::no_index, detail::render(event), "has no assessment in this tracker");
    return it->second;
  }

  SeverityAssessor a_;
  Duration interval_;
  std::optional<std::size_t> pop_, pop_growth_, harm_growth_;
  std::vector<std::size_t> harm_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::string> names_;
  std::vector<std::vector<Assessment>> events_;
};

}  // namespace crisiskit::severity
