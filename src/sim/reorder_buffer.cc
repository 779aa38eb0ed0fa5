#include "sim/reorder_buffer.h"

namespace readside::sim {

ReorderBuffer::ReorderBuffer(double fraction, int64_t max_lateness_micros, Rng* rng)
    : fraction_(max_lateness_micros > 1 ? fraction : 0),
      max_lateness_(max_lateness_micros),
      rng_(rng) {}

bool ReorderBuffer::MustRelease(const Held& held, const SimEvent& incoming) const {
  if (held.release_at <= incoming.timestamp) return true;
  uint64_t key = held.ev->entity_key;
  if (key == incoming.entity_key) return true;
  for (int i = 0; i < incoming.n_refs; ++i) {
    if (incoming.refs[i] == key) return true;
  }
  return false;
}

void ReorderBuffer::Push(SimEvent* ev) {
  size_t kept = 0;
  for (size_t i = 0; i < held_.size(); ++i) {
    if (MustRelease(held_[i], *ev)) {
      ready_.push_back(held_[i].ev);
    } else {
      held_[kept++] = held_[i];
    }
  }
  held_.resize(kept);
  if (fraction_ > 0 && rng_->Chance(fraction_)) {
    // Released once time passes release_at, so it leaves less than max_lateness late.
    int64_t lateness =
        1 + static_cast<int64_t>(rng_->Below(static_cast<uint64_t>(max_lateness_ - 1)));
    held_.push_back({ev, ev->timestamp + lateness});
    if (held_.size() > kMaxHeld) {
      ready_.push_back(held_.front().ev);
      held_.erase(held_.begin());
    }
  } else {
    ready_.push_back(ev);
  }
}

SimEvent* ReorderBuffer::Pop() {
  if (ready_.empty()) return nullptr;
  SimEvent* ev = ready_.front();
  ready_.pop_front();
  return ev;
}

void ReorderBuffer::Flush() {
  for (const Held& h : held_) ready_.push_back(h.ev);
  held_.clear();
}

}  // namespace readside::sim
