#include "crisiskit/alert/cap_feed.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace crisiskit {

namespace {

std::string message_id(const CapFeedOptions& o, std::size_t transition) {
  return fmt::format("{}.{}", o.identifier_prefix, transition);
}

std::string level_words(AlertLevel l) {
  // e.g. "预警 WARNING (Ⅱ级 橙色 ORANGE)" — both scripts, since CAP feeds are
  // read by Chinese platforms and by international aggregators alike.
  const WarningColor c = warning_color(l);
  return fmt::format("{} {} ({}级 {} {})", name_zh(l), to_string(l), national_grade_roman(l), color_zh(c),
                     to_string(c));
}

}  // namespace

CapAlert cap_message(const AlertBoard& board, std::size_t transition, const CapFeedOptions& o) {
  const auto& ts = board.transitions();
  CRISISKIT_CHECK(transition < ts.size(), "transition", InvalidInput::no_index, transition,
                  fmt::format("must be a transition index in 0..{}", static_cast<std::int64_t>(ts.size()) - 1));
  const Transition& t = ts[transition];
  const std::string& subject = board.subjects().id(t.subject);

  CapAlert a;
  a.identifier = message_id(o, transition);
  a.sender = o.sender;
  a.sent = t.time;
  a.offset_minutes = o.offset_minutes;
  a.status = o.status;
  a.scope = "Public";
  if (t.from == AlertLevel::NONE) {
    a.msg_type = "Alert";
  } else {
    a.msg_type = t.to == AlertLevel::NONE ? "Cancel" : "Update";
    // The previous transition of a subject above NONE always exists here
    // (the subject had to enter `from` somehow).
    if (t.previous >= 0) {
      const Transition& p = ts[static_cast<std::size_t>(t.previous)];
      a.references.push_back(
          fmt::format("{},{},{}", o.sender, message_id(o, static_cast<std::size_t>(t.previous)),
                      format_time(p.time, o.offset_minutes)));
    }
  }

  CapInfo info;
  info.language = o.language;
  info.categories = {o.category};
  info.event = o.event;
  const CapCodes codes = cap_codes(t.to);
  info.urgency = std::string(codes.urgency);
  info.severity = std::string(codes.severity);
  info.certainty = o.certainty.empty() ? std::string(codes.certainty) : o.certainty;
  info.response_types = {std::string(codes.response_type)};
  info.effective = t.time;
  info.sender_name = o.sender_name;

  CapArea area;
  if (auto it = o.areas.find(subject); it != o.areas.end()) area = it->second;
  if (area.area_desc.empty()) area.area_desc = subject;
  area.geocodes.push_back({"crisiskit:subject", subject});

  if (t.to == AlertLevel::NONE) {
    info.headline = fmt::format("{}: all clear (解除) — was {}", area.area_desc, level_words(t.from));
    info.instruction = "Alert lifted; open obligations remain until completed.";
  } else {
    const char* verb = t.to > t.from ? "raised to" : "lowered to";
    info.headline = fmt::format("{}: {} {}", area.area_desc, verb, level_words(t.to));
    std::string instr;
    // Obligations are appended with the transition that opens them, so they
    // are sorted by transition: find this one's run instead of scanning all
    // (cap_messages over a whole board would otherwise be quadratic).
    const auto& obs = board.obligations();
    const auto ti = static_cast<std::int64_t>(transition);
    auto it = std::lower_bound(obs.begin(), obs.end(), ti,
                               [](const Obligation& o, std::int64_t v) { return o.transition < v; });
    for (; it != obs.end() && it->transition == ti; ++it) {
      const Obligation& ob = *it;
      const ObligationSpec& sp = board.spec(ob);
      if (!instr.empty()) instr += "\n";
      instr += fmt::format("{} {} — due {}{}", sp.name_zh, sp.name, format_time(ob.due, o.offset_minutes),
                           sp.within == 0 ? " (immediately)" : "");
    }
    info.instruction = instr;
  }
  info.description = fmt::format("score {} at {}; reason {}", t.score, format_time(t.time, o.offset_minutes),
                                 to_string(t.reason));
  info.parameters = {
      {"crisiskit:level", std::to_string(to_int(t.to))},
      {"crisiskit:previousLevel", std::to_string(to_int(t.from))},
      {"crisiskit:nationalGrade", std::string(national_grade_roman(t.to))},
      {"crisiskit:color", std::string(to_string(warning_color(t.to)))},
      {"crisiskit:reason", std::string(to_string(t.reason))},
  };
  info.areas.push_back(std::move(area));
  a.infos.push_back(std::move(info));
  validate_cap(a);
  return a;
}

std::vector<CapAlert> cap_messages(const AlertBoard& board, const CapFeedOptions& options, Timestamp since) {
  std::vector<CapAlert> out;
  const auto& ts = board.transitions();
  for (std::size_t i = 0; i < ts.size(); ++i)
    if (ts[i].time >= since) out.push_back(cap_message(board, i, options));
  return out;
}

}  // namespace crisiskit
