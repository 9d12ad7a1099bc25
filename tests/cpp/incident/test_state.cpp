#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <utility>

#include "crisiskit/incident/state.hpp"

using namespace crisiskit;
using namespace crisiskit::incident;

TEST_CASE("incident state table: exactly the documented transitions are legal") {
  using S = IncidentState;
  using A = IncidentAction;
  // The table written out by hand, independently of next_state's switch.
  const std::set<std::pair<int, int>> legal_path = {
      {-1, int(A::REPORT)},     {int(S::REPORTED), int(A::DISPATCH)}, {int(S::DISPATCHED), int(A::SIGN)},
      {int(S::SIGNED), int(A::HANDLE)}, {int(S::HANDLED), int(A::FEEDBACK)}, {int(S::FEEDBACK), int(A::ASSESS)},
      {int(S::FEEDBACK), int(A::REOPEN)}, {int(S::ASSESSED), int(A::REOPEN)}};
  int legal = 0;
  for (int f = -1; f < num_incident_states; ++f) {
    const std::optional<S> from = f < 0 ? std::nullopt : std::optional<S>(static_cast<S>(f));
    for (A a : all_incident_actions) {
      const auto to = next_state(from, a);
      const bool milestone = is_milestone(a) && from.has_value();
      const bool expect = legal_path.count({f, int(a)}) || milestone;
      CAPTURE(f);
      CAPTURE(int(a));
      CHECK(to.has_value() == expect);
      if (!to) continue;
      ++legal;
      if (milestone) CHECK(*to == *from);
      else if (a == A::REOPEN) CHECK(*to == S::REPORTED);
      else CHECK(*to == *target_state(a));
    }
  }
  CHECK(legal == 8 + 2 * num_incident_states);
}

TEST_CASE("incident state and action names round-trip") {
  for (IncidentState s : all_incident_states) CHECK(incident_state_from_name(to_string(s)) == s);
  for (IncidentAction a : all_incident_actions) CHECK(incident_action_from_name(to_string(a)) == a);
  CHECK(incident_state_from_name("signed") == IncidentState::SIGNED);
  CHECK(incident_action_from_name("public-info") == IncidentAction::PUBLIC_INFO);
  CHECK(name_zh(IncidentState::ASSESSED) == "考核");
  CHECK_THROWS_AS(incident_state_from_name("CLOSED"), InvalidInput);
  CHECK_THROWS_AS(incident_action_from_name("escalate"), InvalidInput);
}
