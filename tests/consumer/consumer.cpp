// A host platform's first contact with crisiskit: grade, track, write CAP.
#include <crisiskit/crisiskit.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main() {
  using namespace crisiskit;
  AlertBoard board;  // header-only core
  const std::vector<std::string> ids{"district-1", "district-2"};
  board.update(ids, std::vector<double>{30, 95}, parse_time("2026-07-20T08:00:00+08:00"));
  if (board.level("district-2") != AlertLevel::EMERGENCY) return 1;
  CapFeedOptions o;  // compiled library: CAP writer and reader
  o.offset_minutes = 480;
  const std::string xml = to_cap(cap_message(board, 1, o));
  if (from_cap(xml).infos.at(0).severity != "Extreme") return 2;
  try {
    from_cap("<!DOCTYPE x [<!ENTITY a 'b'>]><x/>");
    return 3;
  } catch (const InvalidInput&) {
  }
  std::printf("consumer ok: %zu transitions\n", board.transitions().size());
  return 0;
}
