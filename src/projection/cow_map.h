#pragma once
// A sorted map from string keys whose copy is cheap: entries live in chunks of up to
// 2 * kChunk, each held by shared_ptr, in key order. Copying the map copies the chunk
// pointers (about size / 64 of them); writing through the copy unshares only the chunk it
// touches. The read models publish such maps to readers on every publication and write a few
// entries between two: a std::map copied whole per publication made a long replay quadratic
// in the number of keys (thousands of projects, employees or products per tenant).
//
// Readers see a const map with std::map's read interface (ordered iteration with
// `[key, value]` bindings, find/at/contains/size/empty). Writers use operator[] (inserts a
// value-initialized V) and FindMutable.
// Thread-safety: a const map may be read from any number of threads while the writer changes
// a copy of it: the writer writes a chunk in place only while no other map holds it
// (cow.h's Exclusive), so a published chunk is never written.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projection/cow.h"

namespace readside::projection {

template <typename V>
class CowMap {
 public:
  using Entry = std::pair<std::string, V>;
  using value_type = Entry;
  static constexpr size_t kChunk = 64;  // a chunk splits in two halves above 2 * kChunk

  class const_iterator {
   public:
    using value_type = Entry;
    using reference = const Entry&;
    using pointer = const Entry*;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    const_iterator() = default;
    reference operator*() const { return map_->chunks_[chunk_]->items[item_]; }
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      if (++item_ == map_->chunks_[chunk_]->items.size()) {
        ++chunk_;
        item_ = 0;
      }
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const {
      return chunk_ == o.chunk_ && item_ == o.item_;
    }

   private:
    friend class CowMap;
    const_iterator(const CowMap* map, size_t chunk, size_t item)
        : map_(map), chunk_(chunk), item_(item) {}
    const CowMap* map_ = nullptr;
    size_t chunk_ = 0, item_ = 0;
  };
  using iterator = const_iterator;

  CowMap() = default;
  CowMap(const CowMap&) = default;
  CowMap& operator=(const CowMap&) = default;
  CowMap(CowMap&& o) noexcept : chunks_(std::move(o.chunks_)), size_(std::exchange(o.size_, 0)) {
    o.chunks_.clear();
  }
  CowMap& operator=(CowMap&& o) noexcept {
    chunks_ = std::move(o.chunks_);
    o.chunks_.clear();
    size_ = std::exchange(o.size_, 0);
    return *this;
  }

  const_iterator begin() const { return size_ == 0 ? end() : const_iterator(this, 0, 0); }
  const_iterator end() const { return {this, chunks_.size(), 0}; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  const_iterator find(std::string_view key) const {
    if (chunks_.empty()) return end();
    size_t c = ChunkFor(key);
    const std::vector<Entry>& items = chunks_[c]->items;
    auto it = LowerBound(items, key);
    if (it == items.end() || it->first != key) return end();
    return {this, c, static_cast<size_t>(it - items.begin())};
  }
  bool contains(std::string_view key) const { return find(key) != end(); }
  const V& at(std::string_view key) const {
    const_iterator it = find(key);
    if (it == end()) throw std::out_of_range("CowMap::at");
    return it->second;
  }

  // The value of `key`, inserted value-initialized when missing. Unshares its chunk. The
  // reference stays valid until the next insertion.
  V& operator[](std::string_view key) {
    if (chunks_.empty()) chunks_.push_back(std::make_shared<Chunk>());
    size_t c = ChunkFor(key);
    std::vector<Entry>& items = Writable(c);
    auto it = LowerBound(items, key);
    if (it != items.end() && it->first == key) return it->second;
    size_t at = static_cast<size_t>(it - items.begin());
    items.insert(it, Entry(std::string(key), V()));
    ++size_;
    if (items.size() > 2 * kChunk) {  // split: the upper half becomes the next chunk
      auto upper = std::make_shared<Chunk>();
      upper->items.assign(std::make_move_iterator(items.begin() + kChunk),
                          std::make_move_iterator(items.end()));
      items.resize(kChunk);
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(upper));
      if (at >= kChunk) return chunks_[c + 1]->items[at - kChunk].second;
    }
    return chunks_[c]->items[at].second;
  }
  // The value of `key` for writing (its chunk unshared), or null when missing.
  V* FindMutable(std::string_view key) {
    if (chunks_.empty()) return nullptr;
    size_t c = ChunkFor(key);
    const std::vector<Entry>& shared = chunks_[c]->items;
    auto found = LowerBound(shared, key);
    if (found == shared.end() || found->first != key) return nullptr;
    size_t at = static_cast<size_t>(found - shared.begin());
    return &Writable(c)[at].second;
  }

 private:
  struct Chunk {
    std::vector<Entry> items;  // sorted by key; empty only as the map's only chunk
  };

  template <typename Items>
  static auto LowerBound(Items& items, std::string_view key) {
    return std::lower_bound(items.begin(), items.end(), key,
                            [](const Entry& e, std::string_view k) { return e.first < k; });
  }
  // The chunk that holds `key` or would: the last whose first key is <= key, else the first.
  size_t ChunkFor(std::string_view key) const {
    size_t lo = 1, hi = chunks_.size();  // answer in [0, hi): first chunk with front > key, - 1
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (key < std::string_view(chunks_[mid]->items.front().first)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo - 1;
  }
  std::vector<Entry>& Writable(size_t c) {
    std::shared_ptr<Chunk>& p = chunks_[c];
    if (!Exclusive(p)) p = std::make_shared<Chunk>(*p);
    return p->items;
  }

  std::vector<std::shared_ptr<Chunk>> chunks_;  // key ranges ascending
  size_t size_ = 0;
};

}  // namespace readside::projection
