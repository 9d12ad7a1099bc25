// libFuzzer target for the ledger file reader (Ledger::from_image, the same
// scanner and replay that Ledger::open runs on a file).
//
// Any input may be rejected with InvalidInput (a bad header); anything else
// escaping, a crash or a sanitizer report is a bug. A loaded ledger must
// answer every query; if open found no damage, verify() must pass and the
// ledger must survive to_image/from_image with the same size and root. If it
// found damage, verify() must name an entry or say what is wrong.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>

#include "crisiskit/core/error.hpp"
#include "crisiskit/ledger/ledger.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_ledger: %s\n", what);
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace crisiskit::ledger;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::optional<Ledger> l;
  try {
    l.emplace(Ledger::from_image(input));
  } catch (const crisiskit::InvalidInput&) {
    return 0;
  }
  const RecoveryReport& rep = l->recovery();
  if (rep.kept_bytes + rep.dropped_bytes != size) fail("recovery report does not add up to the input size");
  const VerifyReport v = l->verify();
  (void)l->balances();
  (void)l->trace(TraceQuery{});
  if (l->size() > 0) {
    (void)l->inclusion_proof(l->size() - 1);
    (void)l->consistency_proof(l->size() / 2);
  }
  if (!rep.damaged) {
    if (!v.ok) fail("a ledger loaded without damage does not verify");
    if (v.root != l->root()) fail("verify's root differs from root()");
    for (std::uint64_t i = 0; i < l->size(); ++i) (void)l->entry(i);  // must decode
    const Ledger m = Ledger::from_image(l->to_image());
    if (m.size() != l->size() || m.root() != l->root() || m.recovery().damaged) fail("to_image round trip");
  } else {
    for (std::uint64_t i = 0; i < l->size(); ++i) {
      try {
        (void)l->entry(i);
      } catch (const crisiskit::InvalidInput&) {  // a damaged entry may not decode
      }
    }
    if (v.ok) fail("damage found on load but verify() passes");
    if (!l->read_only()) fail("a damaged ledger is writable");
  }
  return 0;
}
