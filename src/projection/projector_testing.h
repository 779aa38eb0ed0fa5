#pragma once
// Test-only access to a Projector's internals, in the library readside_projector_testing,
// which only test targets link (nothing in the readside binary can reach it): injecting drift
// into a tenant's live read model, as a bug in a projection would, and holding rebuilds in
// the queue to observe it.
// Thread-safety: safe from any thread; the changes run on the applier thread.

#include <cstdint>
#include <string>

#include "projection/projector.h"
#include "projection/series.h"

namespace readside::projection::testing {

class ProjectorPeer {
 public:
  // Adds `delta` to series `series` on local day `day` of `org`'s live model (not to the
  // store: a replay does not see it) and publishes the tenant, on the applier thread. Returns
  // once published; false when `org` has no live model or the applier did not run the change
  // within 10 s.
  static bool CorruptForTest(Projector& projector, const std::string& org, S series,
                             DayNumber day, int64_t delta);
  // The same for one key of a keyed family.
  static bool CorruptKeyedForTest(Projector& projector, const std::string& org, K family,
                                  const std::string& key, DayNumber day, int64_t delta);
  // While held, queued rebuilds wait: the running one (state running) does not start its
  // replay until released.
  static void HoldRebuilds(Projector& projector, bool hold);

 private:
  // Runs change(tenant) on the applier thread, then publishes the tenant.
  template <typename Change>
  static bool OnApplier(Projector& p, const std::string& org, Change change);
};

}  // namespace readside::projection::testing
