// SlotPool<T>: a vector with a free list, for short-lived records (open opportunities,
// unpaid invoices, pending orders) that agenda items refer to by a stable 32-bit slot.
//
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace readside::sim {

template <typename T>
class SlotPool {
 public:
  // Stores value and returns its slot, reusing a released one if any.
  uint32_t Add(const T& value) {
    if (!free_.empty()) {
      uint32_t slot = free_.back();
      free_.pop_back();
      items_[slot] = value;
      return slot;
    }
    items_.push_back(value);
    return static_cast<uint32_t>(items_.size() - 1);
  }
  // REQUIRES: slot was returned by Add and not released since.
  T& operator[](uint32_t slot) { return items_[slot]; }
  void Release(uint32_t slot) { free_.push_back(slot); }
  size_t live() const { return items_.size() - free_.size(); }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
};

}  // namespace readside::sim
