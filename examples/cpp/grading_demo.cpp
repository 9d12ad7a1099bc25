// Four-level alert grading from C++: track three places through a storm,
// print the timeline and the obligations, write the CAP messages to stdout.
//   build/default/examples/grading_demo
#include <crisiskit/crisiskit.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

int main() {
  using namespace crisiskit;
  AlertBoard board;  // default policy (25/50/75/90) and plan (2 h / 4 h / 12 h / immediately)
  const std::vector<std::string> places{"riverside-estate", "north-school", "old-town-market"};
  const Timestamp start = parse_time("2026-07-20T06:00:00+08:00");
  for (int h = 0; h <= 36; ++h) {
    // a rain peak around hour 12, felt most by the low-lying estate
    const double peak = 100.0 * std::exp(-0.5 * std::pow((h - 12) / 5.0, 2));
    const std::vector<double> scores{0.97 * peak, 0.6 * peak, 0.3 * peak + 10};
    board.update(places, scores, start + hours(h));
  }
  for (const Transition& t : board.transitions())
    std::printf("%s  %-18s %-9s -> %-9s score %5.1f\n", format_time(t.time, 480).c_str(),
                board.subjects().id(t.subject).c_str(), std::string(to_string(t.from)).c_str(),
                std::string(to_string(t.to)).c_str(), t.score);
  std::printf("\nobligations:\n");
  for (const Obligation& o : board.obligations())
    std::printf("  #%lld %-18s %s (%s) due %s\n", static_cast<long long>(o.id),
                board.subjects().id(o.subject).c_str(), board.spec(o).name.c_str(), board.spec(o).name_zh.c_str(),
                format_time(o.due, 480).c_str());
  CapFeedOptions cap;
  cap.offset_minutes = 480;
  std::printf("\n%s", to_cap(cap_message(board, 0, cap)).c_str());
  return 0;
}
