#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crisiskit/incident/incident_log.hpp"

using namespace crisiskit;
using namespace crisiskit::incident;

namespace {

const Timestamp T0 = 1'780'000'000;  // 2026-05-28T20:26:40Z
const double NaN = std::numeric_limits<double>::quiet_NaN();

IncidentReport rep(std::string id, Timestamp at, AlertLevel level = AlertLevel::NONE, Timestamp occurred = no_time) {
  IncidentReport r;
  r.id = std::move(id);
  r.kind = "flooding";
  r.place = "街道-3";
  r.level = level;
  r.occurred_at = occurred;
  r.at = at;
  r.actor = "网格员-17";
  r.department = "grid-station-3";
  return r;
}

// Drive incident `id` from REPORTED to state `s` along the main path, one minute a step.
void drive_to(IncidentLog& log, const std::string& id, IncidentState s, Timestamp& t) {
  for (int k = 1; k <= static_cast<int>(s); ++k) {
    t += 60;
    const auto a = static_cast<IncidentAction>(k);
    log.apply(id, a, t, "clerk", a == IncidentAction::DISPATCH ? "water-bureau" : "",
              a == IncidentAction::ASSESS ? 4.0 : NaN);
  }
}

// Brute force: every applicable, unmet SLA with at > due, over all incidents.
std::vector<OverdueItem> overdue_brute(const IncidentLog& log, Timestamp at) {
  std::vector<OverdueItem> out;
  for (std::size_t i = 0; i < log.incidents().size(); ++i)
    for (SlaKind k : all_sla_kinds) {
      const Incident& x = log.incidents()[i];
      const Timestamp due = log.sla_due(x, k);
      if (due != no_time && IncidentLog::sla_met(x, k) == no_time && at > due)
        out.push_back({static_cast<Index>(i), k, due, at - due});
    }
  std::sort(out.begin(), out.end(), [](const OverdueItem& a, const OverdueItem& b) {
    return std::tie(a.due, a.incident, a.sla) < std::tie(b.due, b.incident, b.sla);
  });
  return out;
}

}  // namespace

TEST_CASE("incident log: the full path records times, actors and departments") {
  IncidentLog log;
  log.report(rep("I-1", T0, AlertLevel::WARNING, T0 - 1800));
  log.dispatch("I-1", T0 + 300, "water-bureau", "dispatcher-2");
  log.sign("I-1", T0 + 600, "王工");
  log.on_site("I-1", T0 + 900, "expert-team-1");
  log.handle("I-1", T0 + 3600, "王工", "water-bureau");
  log.public_info("I-1", T0 + 4000, "press-office");
  log.feedback("I-1", T0 + 5000);
  log.assess("I-1", T0 + 9000, 87.5, "综治中心");
  const Incident& x = log.incident("I-1");
  CHECK(x.state == IncidentState::ASSESSED);
  CHECK(x.reported_at() == T0);
  CHECK(x.first_at[1] == T0 + 300);
  CHECK(x.last_at[5] == T0 + 9000);
  CHECK(x.on_site_at == T0 + 900);
  CHECK(x.first_info_at == T0 + 4000);
  CHECK(x.satisfaction == 87.5);
  CHECK(log.departments().id(x.department) == "water-bureau");
  REQUIRE(log.events().size() == 8);
  const IncidentEvent& sign = log.events()[2];
  CHECK(sign.action == IncidentAction::SIGN);
  CHECK(sign.from == static_cast<std::int8_t>(IncidentState::DISPATCHED));
  CHECK(log.actors().id(sign.actor) == "王工");
  CHECK(log.departments().id(sign.department) == "water-bureau");  // defaults to the assignee
  CHECK(log.events()[0].from == -1);
  CHECK(log.event_satisfaction(7) == 87.5);
  CHECK(std::isnan(log.event_satisfaction(6)));
  // SLAs: report 30 min after occurrence (on time), info 4000+1800 s > 4 h? no: 5800 s < 14400 (on time),
  // on site 900 s < 1800 (on time), WARNING response 12 h (signed after 600 s: on time).
  for (SlaKind k : all_sla_kinds) CHECK(log.sla_status(x, k, T0 + 10000) == SlaStatus::ON_TIME);
  CHECK(log.overdue(T0 + days(10)).empty());
}

TEST_CASE("incident log: every illegal action is refused and changes nothing; every legal one applies") {
  for (int f = 0; f < num_incident_states; ++f) {
    for (IncidentAction a : all_incident_actions) {
      IncidentLog log;
      Timestamp t = T0;
      log.report(rep("X", t));
      drive_to(log, "X", static_cast<IncidentState>(f), t);
      log.report(rep("other", t));
      const std::string before = log.to_bytes();
      const auto to = next_state(static_cast<IncidentState>(f), a);
      const double sat = a == IncidentAction::ASSESS ? 3.0 : NaN;
      const std::string dept = a == IncidentAction::DISPATCH ? "fire-brigade" : "";
      CAPTURE(f);
      CAPTURE(to_string(a));
      if (!to) {
        CHECK_THROWS_AS(log.apply("X", a, t + 60, "someone", dept, sat), StateError);
        try {
          log.apply("X", a, t + 60, "someone", dept, sat);
        } catch (const StateError& e) {
          const std::string msg = e.what();
          CHECK(msg.find("'X'") != std::string::npos);
          CHECK(msg.find(std::string(to_string(static_cast<IncidentState>(f)))) != std::string::npos);
          CHECK(msg.find(std::string(to_string(a))) != std::string::npos);
        }
        CHECK(log.to_bytes() == before);
      } else {
        log.apply("X", a, t + 60, "someone", dept, sat);
        CHECK(log.state("X") == *to);
        CHECK(log.events().back().action == a);
        CHECK(log.to_bytes() != before);
      }
    }
  }
  // Actions on an unknown incident (other than REPORT) are bad input.
  IncidentLog log;
  for (IncidentAction a : all_incident_actions)
    if (a != IncidentAction::REPORT) CHECK_THROWS_AS(log.apply("nope", a, T0, "", "d"), InvalidInput);
  log.apply("new", IncidentAction::REPORT, T0);
  CHECK(log.size() == 1);
}

TEST_CASE("incident log: bad input is refused naming field and value, log unchanged") {
  IncidentLog log;
  Timestamp t = T0;
  log.report(rep("A", t));
  drive_to(log, "A", IncidentState::DISPATCHED, t);
  const std::string before = log.to_bytes();
  auto refused = [&](auto&& f, const char* field) {
    try {
      f();
      FAIL("no exception");
    } catch (const InvalidInput& e) {
      CHECK(e.field() == field);
    }
    CHECK(log.to_bytes() == before);
  };
  refused([&] { log.sign("A", t - 1); }, "at");                         // backwards
  refused([&] { log.sign("A", no_time); }, "at");                       // missing
  refused([&] { log.sign("A", t + 1, "", "fire-brigade"); }, "department");  // not the assignee
  refused([&] { log.apply("A", IncidentAction::SIGN, t + 1, "", "", 3.0); }, "satisfaction");
  refused([&] { log.sign("A", t + 1, "bad\nactor"); }, "actor");
  refused([&] { log.report(rep("", t)); }, "incident");
  refused([&] { log.report(rep("B", t, AlertLevel::NONE, t + 1)); }, "occurred_at");
  refused([&] { log.report(rep("B", Timestamp{1} << 41)); }, "at");
  CHECK_THROWS_AS(log.report(rep("A", t + 5)), StateError);
  CHECK(log.to_bytes() == before);
  try {
    log.sign("A", t - 1);
  } catch (const InvalidInput& e) {
    CHECK(std::string(e.what()).find("'A'") != std::string::npos);
  }
}

TEST_CASE("incident log: reopen goes back to REPORTED and keeps first times") {
  IncidentLog log;
  Timestamp t = T0;
  log.report(rep("R", t, AlertLevel::GENERAL));
  drive_to(log, "R", IncidentState::ASSESSED, t);
  log.reopen("R", t + 100, "citizen-hotline", "12345");
  log.dispatch("R", t + 200, "housing-bureau");
  log.sign("R", t + 300);
  const Incident& x = log.incident("R");
  CHECK(x.reopen_count == 1);
  CHECK(x.state == IncidentState::SIGNED);
  CHECK(x.reported_at() == T0);
  CHECK(x.last_at[0] == t + 100);
  CHECK(x.first_at[1] == T0 + 60);
  CHECK(x.last_at[1] == t + 200);
  CHECK(x.satisfaction == 4.0);  // kept until re-assessed
  CHECK(log.departments().id(x.department) == "housing-bureau");
  CHECK_THROWS_AS(log.reopen("R", t + 400), StateError);
  // The RESPONSE SLA keeps the first sign.
  CHECK(IncidentLog::sla_met(x, SlaKind::RESPONSE) == T0 + 120);
}

TEST_CASE("incident log: overdue(at) equals a brute-force scan on seeded random histories") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    SlaConfig cfg;
    cfg.on_site_min_level = (seed % 2) ? AlertLevel::NONE : AlertLevel::ATTENTION;
    IncidentLog log(cfg);
    const int n = 150;
    std::vector<Timestamp> t(n);
    for (int i = 0; i < n; ++i) {
      t[i] = T0 + static_cast<Timestamp>(rng() % 86400);
      const auto level = static_cast<AlertLevel>(rng() % 5);
      const Timestamp occ = rng() % 3 == 0 ? no_time : t[i] - static_cast<Timestamp>(rng() % 7200);
      log.report(rep("i" + std::to_string(i), t[i], level, occ));
    }
    for (int step = 0; step < 600; ++step) {
      const int i = static_cast<int>(rng() % n);
      const std::string id = "i" + std::to_string(i);
      t[i] += static_cast<Timestamp>(rng() % 7200);
      const auto a = static_cast<IncidentAction>(1 + rng() % 8);
      try {
        log.apply(id, a, t[i], "", a == IncidentAction::DISPATCH ? "d" + std::to_string(rng() % 3) : "",
                  a == IncidentAction::ASSESS ? static_cast<double>(rng() % 6) : NaN);
      } catch (const StateError&) {
      }
    }
    for (int q = 0; q < 10; ++q) {
      const Timestamp at = T0 + static_cast<Timestamp>(rng() % (3 * 86400));
      CHECK(log.overdue(at) == overdue_brute(log, at));
    }
    // Round trip keeps the index too.
    const IncidentLog copy = IncidentLog::from_bytes(log.to_bytes());
    CHECK(copy == log);
    CHECK(copy.num_open_slas() == log.num_open_slas());
    CHECK(copy.overdue(T0 + days(2)) == log.overdue(T0 + days(2)));
  }
}

TEST_CASE("incident log: SLA defaults follow the response plan and the source texts") {
  IncidentLog log;
  CHECK(log.sla().first_report == hours(1));
  CHECK(log.sla().first_info == hours(4));
  CHECK(log.sla().on_site == minutes(30));
  CHECK(log.sla().response_within(AlertLevel::GENERAL) == hours(2));
  CHECK(log.sla().response_within(AlertLevel::ATTENTION) == hours(4));
  CHECK(log.sla().response_within(AlertLevel::WARNING) == hours(12));
  CHECK(log.sla().response_within(AlertLevel::EMERGENCY) == 0);
  CHECK(log.sla().response_within(AlertLevel::NONE) == sla_off);
  log.report(rep("E", T0, AlertLevel::EMERGENCY, T0 - hours(2)));
  const Incident& x = log.incident("E");
  CHECK(log.sla_status(x, SlaKind::FIRST_REPORT, T0) == SlaStatus::LATE);
  CHECK(log.sla_status(x, SlaKind::RESPONSE, T0) == SlaStatus::PENDING);  // due at T0, not yet past
  CHECK(log.sla_status(x, SlaKind::RESPONSE, T0 + 1) == SlaStatus::LATE);
  const auto od = log.overdue(T0 + hours(3));
  // FIRST_INFO due occurred + 4 h = T0 + 2 h; ON_SITE due T0 + 30 min; RESPONSE due T0.
  REQUIRE(od.size() == 3);
  CHECK(od[0].sla == SlaKind::RESPONSE);
  CHECK(od[0].late == hours(3));
  CHECK(od[1].sla == SlaKind::ON_SITE);
  CHECK(od[2].sla == SlaKind::FIRST_INFO);
  CHECK(od[2].due == T0 + hours(2));
  SlaConfig off;
  off.first_info = sla_off;
  off.response_plan = ResponsePlan();
  IncidentLog quiet(off);
  quiet.report(rep("E", T0, AlertLevel::EMERGENCY));
  CHECK(quiet.overdue(T0 + days(1)).size() == 1);  // only ON_SITE
  SlaConfig bad;
  bad.on_site = -5;
  CHECK_THROWS_AS(IncidentLog{bad}, InvalidInput);
}

TEST_CASE("incident log: batch ingestion equals the same histories applied one by one") {
  std::mt19937_64 rng(7);
  const std::size_t n = 500;
  std::vector<std::string> ids(n), kinds(n), depts(n);
  std::vector<std::int8_t> level(n);
  std::vector<Timestamp> occ(n, no_time), info(n, no_time), site(n, no_time);
  std::array<std::vector<Timestamp>, 6> st;
  for (auto& v : st) v.assign(n, no_time);
  std::vector<double> sat(n, NaN);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = "c" + std::to_string(i);
    kinds[i] = "k" + std::to_string(rng() % 4);
    depts[i] = "d" + std::to_string(rng() % 5);
    level[i] = static_cast<std::int8_t>(rng() % 5);
    Timestamp t = T0 + static_cast<Timestamp>(rng() % 100000);
    if (rng() % 2) occ[i] = t - static_cast<Timestamp>(rng() % 5000);
    const int reached = static_cast<int>(rng() % 6);
    for (int s = 0; s <= reached; ++s) {
      st[static_cast<std::size_t>(s)][i] = t;
      t += static_cast<Timestamp>(rng() % 3000);
    }
    if (reached == 5 && rng() % 2) sat[i] = static_cast<double>(rng() % 101);
    if (rng() % 2) info[i] = st[0][i] + static_cast<Timestamp>(rng() % 20000);
    if (rng() % 2) site[i] = st[0][i] + static_cast<Timestamp>(rng() % 3000);
  }
  std::vector<std::string_view> idv(ids.begin(), ids.end()), kv(kinds.begin(), kinds.end()),
      dv(depts.begin(), depts.end());
  IncidentColumns c;
  c.id = idv;
  c.kind = kv;
  c.department = dv;
  c.level = level;
  c.occurred_at = occ;
  for (int s = 0; s < 6; ++s) c.stage_at[static_cast<std::size_t>(s)] = st[static_cast<std::size_t>(s)];
  c.first_info_at = info;
  c.on_site_at = site;
  c.satisfaction = sat;
  IncidentLog batch;
  CHECK(batch.ingest(c) == 0);

  IncidentLog live;
  for (std::size_t i = 0; i < n; ++i) {
    IncidentReport r;
    r.id = ids[i];
    r.kind = kinds[i];
    r.level = static_cast<AlertLevel>(level[i]);
    r.occurred_at = occ[i];
    r.at = st[0][i];
    live.report(r);
    std::vector<std::pair<Timestamp, int>> ev;
    for (int s = 1; s < 6; ++s)
      if (st[static_cast<std::size_t>(s)][i] != no_time) ev.push_back({st[static_cast<std::size_t>(s)][i], s});
    if (info[i] != no_time) ev.push_back({info[i], 7});
    if (site[i] != no_time) ev.push_back({site[i], 8});
    std::sort(ev.begin(), ev.end());
    for (auto [t, a] : ev) {
      const auto act = static_cast<IncidentAction>(a);
      const bool dept = act == IncidentAction::DISPATCH;
      live.apply(ids[i], act, t, "", dept ? depts[i] : "", act == IncidentAction::ASSESS ? sat[i] : NaN);
    }
  }
  // Same events, same interned names except that the batch interns every
  // department up front; compare what both expose.
  REQUIRE(live.size() == batch.size());
  REQUIRE(live.events().size() == batch.events().size());
  for (Index i = 0; i < live.size(); ++i) {
    const Incident &a = live.incidents()[static_cast<std::size_t>(i)], &b = batch.incidents()[static_cast<std::size_t>(i)];
    CHECK(a.first_at == b.first_at);
    CHECK(a.last_at == b.last_at);
    CHECK(a.state == b.state);
    CHECK(a.first_info_at == b.first_info_at);
    CHECK(a.on_site_at == b.on_site_at);
    CHECK((a.satisfaction == b.satisfaction || (std::isnan(a.satisfaction) && std::isnan(b.satisfaction))));
    const std::string da = a.department == no_name ? "" : live.departments().id(a.department);
    const std::string db = b.department == no_name ? "" : batch.departments().id(b.department);
    CHECK(da == db);
  }
  for (Timestamp at : {T0, T0 + 50000, T0 + 200000}) CHECK(live.overdue(at) == batch.overdue(at));
  CHECK(IncidentLog::from_bytes(batch.to_bytes()) == batch);
}

TEST_CASE("incident log: a bad batch row is named and nothing is added") {
  IncidentLog log;
  log.report(rep("taken", T0));
  const std::string before = log.to_bytes();
  auto check_bad = [&](IncidentColumns c, const char* field, std::int64_t row) {
    try {
      log.ingest(c);
      FAIL("no exception");
    } catch (const InvalidInput& e) {
      CHECK(e.field() == field);
      CHECK(e.index() == row);
    }
    CHECK(log.to_bytes() == before);
  };
  std::vector<std::string_view> ids{"a", "b", "c"}, dep{"x", "", "x"};
  std::vector<Timestamp> rep_at{T0, T0, T0}, disp{T0 + 5, no_time, T0 + 5}, sign{T0 + 9, no_time, T0 + 9},
      handled{no_time, no_time, no_time};
  IncidentColumns c;
  c.id = ids;
  c.department = dep;
  c.stage_at[0] = rep_at;
  c.stage_at[1] = disp;
  c.stage_at[2] = sign;
  {
    auto d = c;
    std::vector<std::string_view> dup{"a", "b", "a"};
    d.id = dup;
    check_bad(d, "id", 2);
  }
  {
    auto d = c;
    std::vector<std::string_view> t{"a", "taken", "c"};
    d.id = t;
    check_bad(d, "id", 1);
  }
  {
    auto d = c;
    std::vector<Timestamp> s2{T0 + 9, T0 + 9, T0 + 9};
    d.stage_at[2] = s2;  // row 1 signed without dispatch
    check_bad(d, "signed_at", 1);
  }
  {
    auto d = c;
    std::vector<Timestamp> s2{T0 + 9, no_time, T0 + 1};
    d.stage_at[2] = s2;  // row 2 signed before dispatched
    check_bad(d, "signed_at", 2);
  }
  {
    auto d = c;
    std::vector<Timestamp> r2{T0, no_time, T0};
    d.stage_at[0] = r2;
    check_bad(d, "reported_at", 1);
  }
  {
    auto d = c;
    std::vector<std::string_view> nodep{"x", "", ""};
    d.department = nodep;
    check_bad(d, "department", 2);
  }
  {
    auto d = c;
    std::vector<double> s{NaN, NaN, 4.0};
    d.satisfaction = s;
    check_bad(d, "satisfaction", 2);
  }
  {
    auto d = c;
    std::vector<std::int8_t> lv{0, 7, 0};
    d.level = lv;
    check_bad(d, "level", 1);
  }
  {
    auto d = c;
    std::vector<Timestamp> site{T0 - 1, no_time, no_time};
    d.on_site_at = site;
    check_bad(d, "on_site_at", 0);
  }
  {
    auto d = c;
    std::vector<Timestamp> short_col{T0};
    d.occurred_at = short_col;
    check_bad(d, "occurred_at", InvalidInput::no_index);
  }
  CHECK(log.ingest(c) == 1);
  CHECK(log.size() == 4);
}

TEST_CASE("incident log: from_bytes refuses truncated and corrupted data") {
  IncidentLog log;
  Timestamp t = T0;
  log.report(rep("A", t, AlertLevel::WARNING));
  drive_to(log, "A", IncidentState::ASSESSED, t);
  const std::string b = log.to_bytes();
  CHECK(IncidentLog::from_bytes(b) == log);
  for (std::size_t cut = 0; cut < b.size(); ++cut) CHECK_THROWS_AS(IncidentLog::from_bytes(b.substr(0, cut)), InvalidInput);
  // Corrupt the action column (0,1,2,…,5 for this incident): a second
  // report, an illegal step, a REOPEN carrying a score, an unknown action.
  const std::size_t at = b.find(std::string("\x00\x01\x02\x03\x04\x05", 6));
  REQUIRE(at != std::string::npos);
  for (char v : {'\x00', '\x02', '\x06', '\x09'}) {
    std::string x = b;
    x[at + 5] = v;
    try {
      IncidentLog::from_bytes(x);
      FAIL("corruption accepted");
    } catch (const InvalidInput& e) {
      CHECK(e.field() == "state");
    }
  }
}
