#pragma once
/// \file
/// Turn an `AlertBoard`'s transitions into CAP 1.2 messages: one message per
/// transition, chained per subject the way CAP expects —
/// - first level above NONE (from NONE): msgType **Alert**;
/// - a change between levels above NONE: **Update**, referencing the
///   subject's previous message;
/// - back to NONE (all-clear): **Cancel**, referencing the previous message.
///
/// Codes (urgency, severity, certainty, responseType) come from
/// `cap_codes(level)`; the national grade and colour go into the headline
/// and into `parameter`s; the obligations the transition opened, with their
/// due times, into `instruction`. Compiled part: link `crisiskit::crisiskit`.
/// Thread-safety: reentrant; reads the board only.

#include <map>
#include <string>
#include <vector>

#include "crisiskit/alert/alert_board.hpp"
#include "crisiskit/alert/cap.hpp"

namespace crisiskit {

struct CapFeedOptions {
  std::string sender = "crisiskit@localhost";  ///< CAP sender: no spaces, commas, '<' or '&'
  std::string sender_name;                    ///< human-readable sender (optional)
  std::string identifier_prefix = "crisiskit";  ///< message id = prefix + "." + transition index
  int offset_minutes = 0;                     ///< zone all times are written in (+480 = +08:00)
  std::string status = "Actual";              ///< Actual / Exercise / System / Test / Draft
  std::string language = "zh-CN";
  std::string category = "Safety";            ///< CAP category code
  std::string event = "Public crisis risk";   ///< CAP event text
  std::string certainty;                      ///< override `cap_codes` certainty (e.g. "Observed"); "" = default
  /// Area per subject id; a subject missing here gets areaDesc = its id.
  /// Every area also gets geocode `crisiskit:subject` = the subject id.
  std::map<std::string, CapArea> areas;
};

/// The CAP message for `board.transitions()[transition]`.
/// \throws InvalidInput if the index is out of range or the options make an
///         invalid message (e.g. a sender with a space).
CapAlert cap_message(const AlertBoard& board, std::size_t transition, const CapFeedOptions& options = {});

/// CAP messages for every transition at or after `since` (UTC seconds), in order.
std::vector<CapAlert> cap_messages(const AlertBoard& board, const CapFeedOptions& options = {},
                                   Timestamp since = no_time);

}  // namespace crisiskit
