#pragma once
/// \file
/// The closed-loop incident lifecycle (事件闭环): states, actions and the
/// transition table.
///
/// ```
///            report                dispatch          sign            handle            feedback            assess
///   (none) ─────────▶ REPORTED ──────────▶ DISPATCHED ──────▶ SIGNED ──────▶ HANDLED ──────────▶ FEEDBACK ──────────▶ ASSESSED
///                     上报          ▲        派单                签收            办理                反馈        │          考核
///                                   │                                                                  │         │
///                                   └────────────────────────── reopen (重办) ◀──────────────────────────┴─────────┘
/// ```
///
/// - A state is where the incident *is* after the action of the same name:
///   HANDLED = the handling department has finished its work (办理完毕),
///   FEEDBACK = the result has been reported back (反馈), ASSESSED = the
///   handling has been assessed, with an optional satisfaction score (考核).
/// - `REOPEN` (重办) sends a FEEDBACK or ASSESSED incident back to REPORTED:
///   the dispatch desk dispatches it again (to the same or another department).
/// - `PUBLIC_INFO` (first and later public information releases) and
///   `ON_SITE` (an expert team / first unit on site) are *milestones*: legal
///   in every state of a reported incident, they change no state but start
///   or stop SLA clocks (see sla.hpp).
/// - Everything else is illegal: `next_state` returns nothing and
///   `IncidentLog` throws `StateError` without changing anything.
///
/// Not modelled (say so rather than pretend): re-dispatch of a DISPATCHED
/// incident before it is signed (改派), a department refusing to sign (退单),
/// escalating an incident's alert level after the report.
///
/// Thread-safety: pure functions and constants.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "crisiskit/core/error.hpp"

namespace crisiskit::incident {

/// Where an incident is in its lifecycle. The numeric values are part of the API (stored, exported).
enum class IncidentState : std::int8_t {
  REPORTED = 0,    ///< 上报: reported (or reopened), waiting for dispatch
  DISPATCHED = 1,  ///< 派单: dispatched to a department, waiting for it to sign
  SIGNED = 2,      ///< 签收: the department has signed for it and is handling it
  HANDLED = 3,     ///< 办理: handling finished, result not yet reported back
  FEEDBACK = 4,    ///< 反馈: result reported back; the loop is closed
  ASSESSED = 5,    ///< 考核: handling assessed (satisfaction recorded)
};
constexpr int num_incident_states = 6;

/// What can happen to an incident. The numeric values are part of the API.
enum class IncidentAction : std::int8_t {
  REPORT = 0,       ///< 上报: create the incident
  DISPATCH = 1,     ///< 派单
  SIGN = 2,         ///< 签收
  HANDLE = 3,       ///< 办理 (finished)
  FEEDBACK = 4,     ///< 反馈
  ASSESS = 5,       ///< 考核
  REOPEN = 6,       ///< 重办: back to REPORTED
  PUBLIC_INFO = 7,  ///< milestone: public information released (首次信息发布 for the first)
  ON_SITE = 8,      ///< milestone: expert team / unit on site
};
constexpr int num_incident_actions = 9;

constexpr std::array<IncidentState, 6> all_incident_states{IncidentState::REPORTED, IncidentState::DISPATCHED,
                                                           IncidentState::SIGNED,   IncidentState::HANDLED,
                                                           IncidentState::FEEDBACK, IncidentState::ASSESSED};
constexpr std::array<IncidentAction, 9> all_incident_actions{
    IncidentAction::REPORT, IncidentAction::DISPATCH, IncidentAction::SIGN,
    IncidentAction::HANDLE, IncidentAction::FEEDBACK, IncidentAction::ASSESS,
    IncidentAction::REOPEN, IncidentAction::PUBLIC_INFO, IncidentAction::ON_SITE};

constexpr std::string_view to_string(IncidentState s) noexcept {
  constexpr std::string_view n[] = {"REPORTED", "DISPATCHED", "SIGNED", "HANDLED", "FEEDBACK", "ASSESSED"};
  return n[static_cast<int>(s)];
}
constexpr std::string_view name_zh(IncidentState s) noexcept {
  constexpr std::string_view n[] = {"上报", "派单", "签收", "办理", "反馈", "考核"};
  return n[static_cast<int>(s)];
}
constexpr std::string_view to_string(IncidentAction a) noexcept {
  constexpr std::string_view n[] = {"REPORT", "DISPATCH", "SIGN",   "HANDLE",     "FEEDBACK",
                                    "ASSESS", "REOPEN",   "PUBLIC_INFO", "ON_SITE"};
  return n[static_cast<int>(a)];
}

/// True for the two actions that change no state (PUBLIC_INFO, ON_SITE).
constexpr bool is_milestone(IncidentAction a) noexcept {
  return a == IncidentAction::PUBLIC_INFO || a == IncidentAction::ON_SITE;
}

/// The transition table. `from` is nothing for an incident not reported yet.
/// \returns the state after `a`, or nothing if `a` is illegal from `from`.
constexpr std::optional<IncidentState> next_state(std::optional<IncidentState> from, IncidentAction a) noexcept {
  using S = IncidentState;
  using A = IncidentAction;
  if (!from) return a == A::REPORT ? std::optional<S>(S::REPORTED) : std::nullopt;
  const S s = *from;
  switch (a) {
    case A::REPORT: return std::nullopt;
    case A::DISPATCH: return s == S::REPORTED ? std::optional<S>(S::DISPATCHED) : std::nullopt;
    case A::SIGN: return s == S::DISPATCHED ? std::optional<S>(S::SIGNED) : std::nullopt;
    case A::HANDLE: return s == S::SIGNED ? std::optional<S>(S::HANDLED) : std::nullopt;
    case A::FEEDBACK: return s == S::HANDLED ? std::optional<S>(S::FEEDBACK) : std::nullopt;
    case A::ASSESS: return s == S::FEEDBACK ? std::optional<S>(S::ASSESSED) : std::nullopt;
    case A::REOPEN:
      return s == S::FEEDBACK || s == S::ASSESSED ? std::optional<S>(S::REPORTED) : std::nullopt;
    case A::PUBLIC_INFO:
    case A::ON_SITE: return s;
  }
  return std::nullopt;
}

/// The state an action leads to on the main path (REPORT → REPORTED, …,
/// ASSESS → ASSESSED); nothing for REOPEN and the milestones.
constexpr std::optional<IncidentState> target_state(IncidentAction a) noexcept {
  const int k = static_cast<int>(a);
  return k <= 5 ? std::optional<IncidentState>(static_cast<IncidentState>(k)) : std::nullopt;
}

/// `IncidentState` from its English name (any case).
/// \throws InvalidInput naming `field` if unknown.
inline IncidentState incident_state_from_name(std::string_view s, const char* field = "state") {
  for (IncidentState st : all_incident_states) {
    const std::string_view n = to_string(st);
    bool eq = n.size() == s.size();
    for (std::size_t i = 0; eq && i < n.size(); ++i) eq = (s[i] & ~0x20) == n[i];
    if (eq) return st;
  }
  throw_invalid(field, InvalidInput::no_index, s,
                "unknown incident state (REPORTED, DISPATCHED, SIGNED, HANDLED, FEEDBACK, ASSESSED)");
}

/// `IncidentAction` from its English name (any case; `_` may be written `-`).
/// \throws InvalidInput naming `field` if unknown.
inline IncidentAction incident_action_from_name(std::string_view s, const char* field = "action") {
  for (IncidentAction a : all_incident_actions) {
    const std::string_view n = to_string(a);
    bool eq = n.size() == s.size();
    for (std::size_t i = 0; eq && i < n.size(); ++i)
      eq = (s[i] == '-' ? '_' : static_cast<char>(s[i] & ~0x20)) == (n[i] == '_' ? '_' : n[i]);
    if (eq) return a;
  }
  throw_invalid(field, InvalidInput::no_index, s,
                "unknown incident action (REPORT, DISPATCH, SIGN, HANDLE, FEEDBACK, ASSESS, REOPEN, PUBLIC_INFO, "
                "ON_SITE)");
}

}  // namespace crisiskit::incident
