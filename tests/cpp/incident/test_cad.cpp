#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "crisiskit/incident/cad.hpp"

using namespace crisiskit;
using namespace crisiskit::incident;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
Timestamp est(const char* local) { return parse_time(std::string(local) + "-05:00"); }
}  // namespace

TEST_CASE("CAD import: the fixture's incidents, problems and fills") {
  const std::string csv = slurp(std::string(CRISISKIT_TEST_DATA) + "/cad_sample.csv");
  REQUIRE(!csv.empty());
  CadOptions opt;
  opt.offset_minutes = -300;  // EST (January)
  const CadImport cad = read_cad_csv(csv, opt);
  CHECK(cad.rows == 16);
  CHECK(cad.rows_used == 12);
  CHECK(cad.filled == 3);
  REQUIRE(cad.problems.size() == 4);
  CHECK(cad.problems[0].row == 4);
  CHECK(cad.problems[0].field == "dispatched");
  CHECK(cad.problems[0].value == "2016-01-04 25:61:00");
  CHECK(cad.problems[1].row == 7);
  CHECK(cad.problems[1].field == "en_route");
  CHECK(cad.problems[2].row == 9);
  CHECK(cad.problems[2].field == "received");
  CHECK(cad.problems[3].row == 12);
  CHECK(cad.problems[3].field == "incident_id");
  REQUIRE(cad.size() == 8);
  const std::vector<std::string> order{"F16-0001", "E16-0002", "P16-0003", "E16-0004",
                                       "F16-0005", "E16-0007", "T16-0008", "E16-0009"};
  CHECK(cad.id == order);
  // F16-0001: three units, rows 1, 2 and 5 (out of order).
  CHECK(cad.units[0] == 3);
  CHECK(cad.first_row[0] == 1);
  CHECK(cad.department[0] == "FIRE");
  CHECK(cad.stage_at[0][0] == est("2016-01-04T08:00:12"));
  CHECK(cad.stage_at[1][0] == est("2016-01-04T08:01:05"));
  CHECK(cad.stage_at[2][0] == est("2016-01-04T08:02:00"));
  CHECK(cad.on_site_at[0] == est("2016-01-04T08:07:30"));
  CHECK(cad.stage_at[3][0] == est("2016-01-04T09:45:00"));
  CHECK(cad.stage_at[4][0] == no_time);
  // E16-0002: en route missing, filled from on scene.
  CHECK(cad.stage_at[2][1] == est("2016-01-04T08:24:10"));
  // P16-0003: quoted kind; one unit still out, so not handled.
  CHECK(cad.kind[2] == "ALARM, COMMERCIAL");
  CHECK(cad.stage_at[3][2] == no_time);
  // E16-0004 from its good row only.
  CHECK(cad.units[3] == 1);
  CHECK(cad.stage_at[1][3] == est("2016-01-04T08:42:10"));
  // E16-0007: closed without a dispatch stays reported.
  CHECK(cad.stage_at[1][5] == no_time);
  CHECK(cad.stage_at[3][5] == no_time);
  // T16-0008: explicit offsets and minute resolution; police dispatched first; both units closed.
  CHECK(cad.department[6] == "POLICE");
  CHECK(cad.stage_at[1][6] == est("2016-01-04T10:01:30"));
  CHECK(cad.on_site_at[6] == est("2016-01-04T10:09:00"));
  CHECK(cad.stage_at[3][6] == est("2016-01-04T11:00:00"));
  // E16-0009: dispatch and en route filled from on scene.
  CHECK(cad.stage_at[1][7] == est("2016-01-04T10:29:00"));
  CHECK(cad.stage_at[2][7] == est("2016-01-04T10:29:00"));
  CHECK(cad.department[7] == "EMS");

  IncidentLog log;
  CHECK(ingest_cad(log, cad) == 0);
  CHECK(log.state("F16-0001") == IncidentState::HANDLED);
  CHECK(log.state("P16-0003") == IncidentState::SIGNED);
  CHECK(log.state("E16-0007") == IncidentState::REPORTED);
  opt.feedback_at_close = true;
  IncidentLog closed;
  ingest_cad(closed, read_cad_csv(csv, opt));
  CHECK(closed.state("F16-0001") == IncidentState::FEEDBACK);
}

TEST_CASE("CAD import: a missing required column is bad input; other damage is a problem") {
  CHECK_THROWS_AS(read_cad_csv("incident_id,unit_id\nA,1\n"), InvalidInput);
  const CadImport c = read_cad_csv("incident_id,received\r\nA,2026-01-01 00:00:00Z\r\nB\r\n\r\n");
  CHECK(c.size() == 1);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].row == 1);
  CHECK(c.stage_at[0][0] == parse_time("2026-01-01T00:00:00Z"));
  // A quoted line break in a name (found by fuzz_cad) would break the log's
  // id rules: the row is a problem, not an exception at ingest.
  const CadImport q = read_cad_csv("incident_id,call_type,received\nA,\"FIRE,\nSTRUCTURE\",2026-01-01 00:00:00Z\n"
                                   "B,FIRE,2026-01-01 00:05:00Z\n");
  REQUIRE(q.problems.size() == 1);
  CHECK(q.problems[0].row == 0);
  CHECK(q.problems[0].field == "call_type");
  IncidentLog log;
  ingest_cad(log, q);
  CHECK(log.size() == 1);
}
