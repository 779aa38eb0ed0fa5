#pragma once
// Internal to the store: the byte layout of keys and values in RocksDB.
//
//   log          BE64(first position)                    → block of consecutive records
//   by_org       org \0 BE64(first position)             → positions (varint count, deltas)
//   by_aggregate org \0 len entity_id BE64(position)     → ""
//   idempotency  org \0 event_id                         → BE64(position)
//   dead_letter  BE64(id)                                → dead-letter record
//   meta         "rejected/" org                         → BE64(count)
//                "offset/" source \0 BE64(partition)      → BE64(next offset)
//
// record = u8(version=1) i64LE(timestamp) len org len entity_id len event_type len event_id json
// len    = u8(n) when n < 255, else u8(255) BE16(n): ids are up to 128 characters, which is up to
//          512 bytes of UTF-8; lengths up to 128 (all that earlier versions wrote) read the same.
// block  = u8(version=2) varint(count) { varint(len) record }*count
//
// One group commit writes its events as a few blocks and, per organization, one by_org entry:
// a handful of memtable inserts per group instead of two per event (the writer thread's
// dominant cost). Readers find the block or entry holding a position with SeekForPrev.
// Big-endian positions make RocksDB's byte order the numeric order. entity_id is length-
// prefixed because it may contain any byte, which would make a separator ambiguous.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace readside::store::codec {

inline void PutBE64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline uint64_t GetBE64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[static_cast<size_t>(i)]);
  return v;
}
inline std::string PositionKey(uint64_t p) {
  std::string k;
  PutBE64(&k, p);
  return k;
}
inline void AppendOrgPrefix(std::string* out, std::string_view org) {
  out->append(org);
  out->push_back('\0');
}
inline std::string OrgPrefix(std::string_view org) {
  std::string k;
  AppendOrgPrefix(&k, org);
  return k;
}
// Appends `len` (see the layout above). REQUIRES: n < 65536 (the parser bounds ids to 512 bytes).
inline void PutLength(std::string* out, size_t n) {
  if (n < 0xff) {
    out->push_back(static_cast<char>(n));
    return;
  }
  out->push_back(static_cast<char>(0xff));
  out->push_back(static_cast<char>((n >> 8) & 0xff));
  out->push_back(static_cast<char>(n & 0xff));
}
// Reads a `len` from the front of *in. Returns false on truncated input.
inline bool GetLength(std::string_view* in, size_t* n) {
  if (in->empty()) return false;
  size_t first = static_cast<unsigned char>(in->front());
  if (first < 0xff) {
    *n = first;
    in->remove_prefix(1);
    return true;
  }
  if (in->size() < 3) return false;
  *n = static_cast<size_t>(static_cast<unsigned char>((*in)[1])) << 8 |
       static_cast<unsigned char>((*in)[2]);
  in->remove_prefix(3);
  return true;
}
inline void AppendAggregatePrefix(std::string* out, std::string_view org, std::string_view entity) {
  AppendOrgPrefix(out, org);
  PutLength(out, entity.size());
  out->append(entity);
}
inline std::string AggregatePrefix(std::string_view org, std::string_view entity) {
  std::string k;
  AppendAggregatePrefix(&k, org, entity);
  return k;
}
inline std::string IdempotencyKey(std::string_view org, std::string_view event_id) {
  std::string k = OrgPrefix(org);
  k.append(event_id);
  return k;
}

// meta family: "kind/org" → BE64 count ("rejected", "duplicates", "conflicts").
inline std::string CountKey(std::string_view kind, std::string_view org) {
  std::string k(kind);
  k.push_back('/');
  k.append(org);
  return k;
}

// meta family: "offset/" source \0 BE64(partition) → BE64(next offset) (SourceOffset).
inline constexpr std::string_view kOffsetPrefix = "offset/";
inline std::string SourceOffsetKey(std::string_view source, int32_t partition) {
  std::string k(kOffsetPrefix);
  k.append(source);
  k.push_back('\0');
  PutBE64(&k, static_cast<uint64_t>(static_cast<uint32_t>(partition)));
  return k;
}

// Returns false on a corrupt record.
bool DecodeRecord(uint64_t position, std::string_view value, StoredEvent* out);

// Appends varint-encoded unsigned integers; GetVarint returns false on truncated input.
void PutVarint(std::string* out, uint64_t v);
bool GetVarint(std::string_view* in, uint64_t* v);

// A block of consecutive records decoded lazily: offsets are found once, records on demand.
class BlockReader {
 public:
  // Returns false on a corrupt block.
  bool Reset(uint64_t first_position, std::string_view block);
  uint64_t first() const { return first_; }
  uint64_t count() const { return records_.size(); }
  bool Contains(uint64_t position) const {
    return position >= first_ && position < first_ + records_.size();
  }
  // REQUIRES: Contains(position).
  bool Get(uint64_t position, StoredEvent* out) const;

 private:
  uint64_t first_ = 0;
  std::string storage_;  // owns the block bytes
  std::vector<std::string_view> records_;
};

// A block is BlockHeader(count) followed by the records appended with AppendToBlock (written
// as two slices, so the body is copied once, into the write batch).
void AppendToBlock(const EventToStore& e, std::string* body);
std::string BlockHeader(uint64_t count);

void EncodePositions(const std::vector<uint64_t>& positions, std::string* out);
bool DecodePositions(std::string_view in, std::vector<uint64_t>* positions);

void EncodeDeadLetter(const DeadLetter& d, std::string* out);
bool DecodeDeadLetter(uint64_t id, std::string_view value, DeadLetter* out);

}  // namespace readside::store::codec
