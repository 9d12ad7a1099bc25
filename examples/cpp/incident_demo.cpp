// The incident lifecycle (事件闭环) from C++, paired with
// examples/python/incident.py: a few incidents through report → dispatch →
// sign → handle → feedback → assess and a reopen, the overdue SLAs at noon,
// and the day's KPIs per department.
//   build/default/examples/incident_demo
#include <crisiskit/crisiskit.hpp>

#include <cstdio>
#include <string>

int main() {
  using namespace crisiskit;
  using namespace crisiskit::incident;
  auto t = [](const char* hhmm) { return parse_time(std::string("2026-07-20T") + hhmm + ":00+08:00"); };
  IncidentLog log;  // SlaConfig::defaults(): 首报 1 h, 黄金4小时, experts 30 min, the ResponsePlan deadlines

  IncidentReport r;
  r.id = "R-001";
  r.kind = "waterlogging";
  r.place = "subway-5-exit-A";
  r.level = AlertLevel::WARNING;
  r.occurred_at = t("06:50");
  r.at = t("07:10");
  r.actor = "grid-worker-17";
  log.report(r);
  log.dispatch("R-001", t("07:15"), "drainage", "dispatcher-2");
  log.sign("R-001", t("07:22"));
  log.on_site("R-001", t("07:35"));
  log.handle("R-001", t("10:30"));
  log.feedback("R-001", t("10:45"));
  log.assess("R-001", t("11:00"), 2.0, "command-centre");
  log.reopen("R-001", t("11:05"), "hotline-12345");

  r = IncidentReport{};
  r.id = "R-002";
  r.kind = "trapped residents";
  r.level = AlertLevel::EMERGENCY;
  r.at = t("07:25");
  log.report(r);
  log.dispatch("R-002", t("07:27"), "fire-rescue");
  log.sign("R-002", t("07:28"));
  try {
    log.assess("R-002", t("07:30"), 5.0);  // not fed back yet
  } catch (const StateError& e) {
    std::printf("refused: %s\n", e.what());
  }

  std::printf("\noverdue at 12:00:\n");
  for (const OverdueItem& o : log.overdue(t("12:00")))
    std::printf("  %-6s %-10s due %s, %lld s late\n", log.id(o.incident).c_str(), std::string(to_string(o.sla)).c_str(),
                format_time(o.due, 480).c_str(), static_cast<long long>(o.late));

  KpiOptions opt;
  opt.offset_minutes = 480;  // local days
  opt.at = t("12:00");
  const KpiTable k = compute_kpis(log, opt);
  std::printf("\nKPIs of %s, per department:\n", format_time(k.period_start.empty() ? 0 : k.period_start[0], 480).c_str());
  for (std::size_t i = 0; i < k.size(); ++i)
    std::printf("  %-12s reported %lld, dispatch median %.0f s, closure rate %.2f, reopen rate %.2f, RESPONSE on time %lld/%lld\n",
                k.group[i] == no_name ? "(none)" : log.departments().id(k.group[i]).c_str(),
                static_cast<long long>(k.reported[i]), k.dispatch_median_s[i], k.closure_rate[i], k.reopen_rate[i],
                static_cast<long long>(k.on_time[static_cast<int>(SlaKind::RESPONSE)][i]),
                static_cast<long long>(k.on_time[static_cast<int>(SlaKind::RESPONSE)][i] +
                                       k.late[static_cast<int>(SlaKind::RESPONSE)][i]));
  return 0;
}
