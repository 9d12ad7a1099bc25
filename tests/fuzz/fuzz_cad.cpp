// libFuzzer target for crisiskit::incident::read_cad_csv (CAD exports).
//
// A header without the incident or received column may be rejected with
// InvalidInput; any other input must import, every bad row being a
// reported problem. What is imported must keep the lifecycle's rules:
// stages in time order, problems sorted by row, and IncidentLog::ingest
// must accept the result (anything else escaping is a bug).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "crisiskit/core/error.hpp"
#include "crisiskit/incident/cad.hpp"

namespace {

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "fuzz_cad: %s\n", what);
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace crisiskit;
  using namespace crisiskit::incident;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CadOptions opt;
  opt.offset_minutes = size % 2 ? -300 : 480;
  opt.feedback_at_close = size % 3 == 0;
  CadImport c;
  try {
    c = read_cad_csv(input, opt);
  } catch (const InvalidInput&) {
    return 0;  // no usable header
  }
  for (std::size_t k = 1; k < c.problems.size(); ++k)
    if (c.problems[k].row < c.problems[k - 1].row) broken("problems are not sorted by row");
  if (c.rows_used > c.rows || c.filled < 0) broken("counts do not add up");
  for (std::size_t i = 0; i < c.size(); ++i) {
    Timestamp prev = c.stage_at[0][i];
    if (prev == no_time) broken("an incident without a report time");
    for (int s = 1; s < num_incident_states; ++s) {
      const Timestamp t = c.stage_at[static_cast<std::size_t>(s)][i];
      if (t == no_time) continue;
      if (t < prev) broken("stages out of time order");
      prev = t;
    }
  }
  IncidentLog log;
  try {
    ingest_cad(log, c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    broken("IncidentLog::ingest refused an import");
  }
  if (log.size() != static_cast<Index>(c.size())) broken("not every incident was ingested");
  return 0;
}
