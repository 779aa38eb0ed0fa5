// ReorderBuffer: makes a fraction of events arrive late without breaking what a consumer
// may rely on. Events enter in simulation (timestamp) order; a chosen one is held back
// until simulated time has moved past its release time (at most max_lateness after its own
// timestamp). A held event is released early, before the newcomer, when a newer event
// concerns the same entity or names it in its payload, so one entity's events keep their
// order and an entity's creation precedes every reference to it.
//
// Invariant: each event leaves with a timestamp greater than (the largest timestamp that
// left before it) - max_lateness.
//
// Thread-safety: not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "sim/event_builder.h"
#include "sim/rng.h"

namespace readside::sim {

class ReorderBuffer {
 public:
  // fraction: share of events held back; rng decides which and for how long.
  ReorderBuffer(double fraction, int64_t max_lateness_micros, Rng* rng);

  // Accepts the next event in simulation order. The caller keeps ownership.
  void Push(SimEvent* ev);
  // The next event to emit, or nullptr if none is ready (Push more, or Flush at the end).
  SimEvent* Pop();
  // Makes every held event ready (end of stream).
  void Flush();

 private:
  struct Held {
    SimEvent* ev;
    int64_t release_at;
  };
  static constexpr size_t kMaxHeld = 64;

  bool MustRelease(const Held& held, const SimEvent& incoming) const;

  double fraction_;
  int64_t max_lateness_;
  Rng* rng_;
  std::vector<Held> held_;  // in arrival order
  std::deque<SimEvent*> ready_;
};

}  // namespace readside::sim
