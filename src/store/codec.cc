#include "store/codec.h"

#include <cstring>

namespace readside::store::codec {
namespace {

void PutLE64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetLE64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[static_cast<size_t>(i)]);
  return v;
}
void PutShort(std::string* out, std::string_view s) {
  PutLength(out, s.size());
  out->append(s);
}
bool GetShort(std::string_view* in, std::string* out) {
  size_t n;
  if (!GetLength(in, &n) || in->size() < n) return false;
  out->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

// The exact size AppendRecord writes (the block stores it before the record).
size_t RecordSize(const EventToStore& e) {
  auto short_size = [](std::string_view s) { return (s.size() < 0xff ? 1 : 3) + s.size(); };
  return 1 + 8 + short_size(e.organization_id) + short_size(e.entity_id) +
         short_size(e.event_type) + short_size(e.event_id) + e.json.size();
}

void AppendRecord(const EventToStore& e, std::string* out) {
  out->push_back(1);
  PutLE64(out, static_cast<uint64_t>(e.timestamp_micros));
  PutShort(out, e.organization_id);
  PutShort(out, e.entity_id);
  PutShort(out, e.event_type);
  PutShort(out, e.event_id);
  out->append(e.json);
}

}  // namespace

bool DecodeRecord(uint64_t position, std::string_view v, StoredEvent* out) {
  if (v.size() < 9 || v[0] != 1) return false;
  out->position = position;
  out->timestamp_micros = static_cast<int64_t>(GetLE64(v.substr(1)));
  v.remove_prefix(9);
  if (!GetShort(&v, &out->organization_id) || !GetShort(&v, &out->entity_id) ||
      !GetShort(&v, &out->event_type) || !GetShort(&v, &out->event_id)) {
    return false;
  }
  out->json.assign(v);
  return true;
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    uint64_t byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool BlockReader::Reset(uint64_t first_position, std::string_view block) {
  first_ = first_position;
  storage_.assign(block);
  records_.clear();
  std::string_view in = storage_;
  uint64_t count;
  if (in.empty() || in[0] != 2) return false;
  in.remove_prefix(1);
  if (!GetVarint(&in, &count)) return false;
  records_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len;
    if (!GetVarint(&in, &len) || in.size() < len) return false;
    records_.push_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  return in.empty();
}

bool BlockReader::Get(uint64_t position, StoredEvent* out) const {
  return DecodeRecord(position, records_[position - first_], out);
}

void AppendToBlock(const EventToStore& e, std::string* body) {
  // The record is written in place after its length (no intermediate copy of the JSON).
  PutVarint(body, RecordSize(e));
  AppendRecord(e, body);
}

std::string BlockHeader(uint64_t count) {
  std::string header;
  header.push_back(2);
  PutVarint(&header, count);
  return header;
}

void EncodePositions(const std::vector<uint64_t>& positions, std::string* out) {
  out->clear();
  PutVarint(out, positions.size());
  uint64_t prev = 0;
  for (uint64_t p : positions) {
    PutVarint(out, p - prev);
    prev = p;
  }
}

bool DecodePositions(std::string_view in, std::vector<uint64_t>* positions) {
  positions->clear();
  uint64_t count, prev = 0;
  if (!GetVarint(&in, &count)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta;
    if (!GetVarint(&in, &delta)) return false;
    prev += delta;
    positions->push_back(prev);
  }
  return in.empty();
}

void EncodeDeadLetter(const DeadLetter& d, std::string* out) {
  out->clear();
  PutLE64(out, static_cast<uint64_t>(d.received_micros));
  PutLE64(out, d.source.size());
  out->append(d.source);
  PutLE64(out, d.reason.size());
  out->append(d.reason);
  out->append(d.raw);
}

bool DecodeDeadLetter(uint64_t id, std::string_view v, DeadLetter* out) {
  if (v.size() < 16) return false;
  out->id = id;
  out->received_micros = static_cast<int64_t>(GetLE64(v));
  uint64_t n = GetLE64(v.substr(8));
  v.remove_prefix(16);
  if (v.size() < n + 8) return false;
  out->source.assign(v.substr(0, n));
  v.remove_prefix(n);
  uint64_t m = GetLE64(v);
  v.remove_prefix(8);
  if (v.size() < m) return false;
  out->reason.assign(v.substr(0, m));
  out->raw.assign(v.substr(m));
  return true;
}

}  // namespace readside::store::codec
