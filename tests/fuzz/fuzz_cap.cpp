// libFuzzer target for crisiskit::from_cap.
//
// Any input may be rejected with InvalidInput; anything else escaping (another
// exception, a crash, a sanitizer report) is a bug. An input that parses must
// also survive the round trip: from_cap(to_cap(a)) == a, and writing that
// again gives the same document.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "crisiskit/alert/cap.hpp"
#include "crisiskit/core/error.hpp"

namespace {

[[noreturn]] void round_trip_failed(const char* what, const std::string& xml) {
  std::fprintf(stderr, "fuzz_cap: round trip failed: %s\n--- to_cap output ---\n%s\n", what, xml.c_str());
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  crisiskit::CapAlert a;
  try {
    a = crisiskit::from_cap(input);
  } catch (const crisiskit::InvalidInput&) {
    return 0;  // rejected cleanly: the expected outcome for most inputs
  }
  // From here on every exception is a bug: from_cap promised a valid alert.
  std::string xml;
  try {
    xml = crisiskit::to_cap(a);
  } catch (const crisiskit::InvalidInput& e) {
    round_trip_failed(e.what(), "(to_cap threw)");
  }
  crisiskit::CapAlert b;
  try {
    b = crisiskit::from_cap(xml);
  } catch (const crisiskit::InvalidInput& e) {
    round_trip_failed(e.what(), xml);
  }
  if (b != a) round_trip_failed("from_cap(to_cap(a)) != a", xml);
  if (crisiskit::to_cap(b) != xml) round_trip_failed("to_cap is not stable", xml);
  return 0;
}
