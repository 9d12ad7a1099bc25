// Three-dimensional severity assessment from C++: a flood event assessed
// every two hours, explained, checked for sensitivity, and graded under the
// production-safety table. Paired with examples/python/severity.py.
#include <cstdio>

#include "crisiskit/severity/assessor.hpp"
#include "crisiskit/severity/national.hpp"
#include "crisiskit/severity/tracker.hpp"

using namespace crisiskit;
using namespace crisiskit::severity;

int main() {
  try {
    SeverityTracker tracker;  // default config, 2-hour re-assessment
    const auto& cfg = tracker.assessor().config();
    const Timestamp t0 = 1'721'800'800;  // 2024-07-24 06:00 UTC
    tracker.update("flood-0724", t0,
                   {{"affected_area_km2", 12}, {"affected_population", 8'000}, {"vulnerable_share", 0.22},
                    {"deaths", 0}, {"trapped", 35}, {"power_outage_share", 0.05}, {"rainfall_24h_mm", 180}});
    const auto& a = tracker.update("flood-0724", t0 + hours(2),
                                   {{"affected_area_km2", 30}, {"affected_population", 26'000}, {"vulnerable_share", 0.22},
                                    {"deaths", 2}, {"trapped", 120}, {"power_outage_share", 0.18},
                                    {"nursing_homes_affected", 2}, {"rainfall_24h_mm", 220}, {"secondary_likelihood", 0.6}});
    const auto& r = a.result;
    std::printf("scope %.2f  harm %.2f  trend %.2f  overall %.2f [%.2f–%.2f]  level %s\n", r.scope(), r.harm(),
                r.trend(), r.overall, r.overall_lo, r.overall_hi, std::string(to_string(r.level)).c_str());
    for (const auto& d : a.derived) std::printf("derived: %s = %.2f\n", d.c_str(), r.values[cfg.index_of(d)]);
    std::printf("missing: %zu indicators\n", r.missing().size());

    const SeverityAssessor& assessor = tracker.assessor();
    std::printf("%-24s %10s %8s %8s\n", "indicator", "value", "to dim", "to all");
    for (const auto& c : assessor.explain(r))
      std::printf("%-24s %10.4g %8.3f %8.3f\n", cfg.indicators()[c.indicator].name.c_str(), c.value, c.to_dimension,
                  c.to_overall);
    for (const auto& s : assessor.sensitivity(r))
      if (s.up_value)
        std::printf("%s up to %.4g would raise the level to %s\n", cfg.indicators()[s.indicator].name.c_str(),
                    *s.up_value, std::string(to_string(s.up_level)).c_str());
    std::printf("re-assessment due at t0+4h: %s\n", tracker.due("flood-0724", t0 + hours(4)) ? "yes" : "no");

    const auto g = national_grade(production_safety_table(),
                                  {{"deaths", 12}, {"serious_injuries", 3}, {"economic_loss_cny", 2e7}});
    std::printf("production-safety grade: %s (%s) level %s because %s\n", g.name.c_str(), g.roman.c_str(),
                std::string(to_string(g.level)).c_str(), g.reasons.at(0).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
