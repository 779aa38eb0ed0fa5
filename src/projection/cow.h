#pragma once
// Copy-on-write support for the applier's shared state: a structure published to readers by
// shared_ptr may be written in place only while no published view still holds it.
// Thread-safety: call on the writer thread; readers only drop their references.

#include <atomic>
#include <memory>

namespace readside::projection {

// True when no published view shares `p`. The acquire fence pairs with the release in the
// readers' shared_ptr decrement, so their last reads happen before our writes.
template <typename T>
bool Exclusive(const std::shared_ptr<T>& p) {
  if (p.use_count() != 1) return false;
  std::atomic_thread_fence(std::memory_order_acquire);
  return true;
}

}  // namespace readside::projection
