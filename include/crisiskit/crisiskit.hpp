#pragma once
/// \file
/// Umbrella header: every public crisiskit header.
/// Header-only parts need `crisiskit::core`; `alert/cap.hpp` and
/// `alert/cap_feed.hpp` need the compiled `crisiskit::crisiskit`.
/// Not included: `match/osm.hpp` (needs libosmium; target `crisiskit::osm`).

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/id_map.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"

#include "crisiskit/alert/alert_board.hpp"
#include "crisiskit/alert/cap.hpp"
#include "crisiskit/alert/cap_feed.hpp"
#include "crisiskit/alert/grade.hpp"
#include "crisiskit/alert/grading_policy.hpp"
#include "crisiskit/alert/level.hpp"
#include "crisiskit/alert/response_plan.hpp"

#include "crisiskit/risk/config.hpp"
#include "crisiskit/risk/geo.hpp"
#include "crisiskit/risk/hawkes.hpp"
#include "crisiskit/risk/risk_map.hpp"
#include "crisiskit/risk/sparse.hpp"

#include "crisiskit/severity/assessor.hpp"
#include "crisiskit/severity/config.hpp"
#include "crisiskit/severity/national.hpp"
#include "crisiskit/severity/secondary.hpp"
#include "crisiskit/match/allocate.hpp"
#include "crisiskit/match/min_cost_flow.hpp"
#include "crisiskit/match/need_board.hpp"
#include "crisiskit/match/need_rules.hpp"
#include "crisiskit/match/osm_tags.hpp"
#include "crisiskit/match/priority.hpp"
#include "crisiskit/match/road_io.hpp"
#include "crisiskit/match/road_network.hpp"
#include "crisiskit/incident/review.hpp"
#include "crisiskit/severity/tracker.hpp"

#include "crisiskit/ledger/entry.hpp"
#include "crisiskit/ledger/ledger.hpp"
#include "crisiskit/ledger/merkle.hpp"

#include "crisiskit/incident/cad.hpp"
#include "crisiskit/incident/incident_log.hpp"
#include "crisiskit/incident/kpi.hpp"
#include "crisiskit/incident/sla.hpp"
#include "crisiskit/incident/state.hpp"

#include "crisiskit/scenario/city.hpp"
#include "crisiskit/scenario/city_generator.hpp"
#include "crisiskit/scenario/crowd_gathering.hpp"
#include "crisiskit/scenario/rainstorm.hpp"
#include "crisiskit/scenario/random.hpp"
#include "crisiskit/scenario/signals.hpp"
