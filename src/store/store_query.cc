// Reads of the event store: position ranges for replays and the indexed queries behind
// GET /events. Readers use RocksDB iterators and snapshots and never take the writer's lock.

#include "store/store_impl.h"

namespace readside::store {

absl::Status EventStore::Impl::ReadAt(uint64_t position, rocksdb::Iterator* log_it,
                                      codec::BlockReader* block, StoredEvent* out) const {
  if (!block->Contains(position)) {
    log_it->SeekForPrev(codec::PositionKey(position));
    if (!log_it->Valid() || log_it->key().size() != 8 ||
        !block->Reset(codec::GetBE64(log_it->key().ToStringView()),
                      log_it->value().ToStringView()) ||
        !block->Contains(position)) {
      absl::Status s = FromRocks(log_it->status(), "event log read");
      return s.ok() ? absl::DataLossError("event at position " + std::to_string(position) +
                                          " is missing or corrupt")
                    : s;
    }
  }
  if (!block->Get(position, out)) {
    return absl::DataLossError("corrupt event record at position " + std::to_string(position));
  }
  return absl::OkStatus();
}

absl::Status EventStore::ReadRange(uint64_t after, uint64_t until,
                                   const std::function<bool(const StoredEvent&)>& fn) const {
  return impl_->ReadRangeImpl(after, until, fn);
}

absl::Status EventStore::Impl::ReadRangeImpl(
    uint64_t after, uint64_t until, const std::function<bool(const StoredEvent&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
  // The block holding after + 1 may start before it.
  it->SeekForPrev(codec::PositionKey(after + 1));
  if (!it->Valid()) it->SeekToFirst();
  codec::BlockReader block;
  StoredEvent ev;
  for (; it->Valid(); it->Next()) {
    if (it->key().size() != 8 ||
        !block.Reset(codec::GetBE64(it->key().ToStringView()), it->value().ToStringView())) {
      return absl::DataLossError("corrupt event log block");
    }
    for (uint64_t pos = std::max(block.first(), after + 1); pos < block.first() + block.count();
         ++pos) {
      if (pos > until) return absl::OkStatus();
      if (!block.Get(pos, &ev)) {
        return absl::DataLossError("corrupt event record at position " + std::to_string(pos));
      }
      if (!fn(ev)) return absl::OkStatus();
    }
  }
  return FromRocks(it->status(), "event log read");
}

absl::StatusOr<QueryPage> EventStore::Query(const EventQuery& q) const {
  // Indexes trail the log by a group or two: answer only once they cover every event that
  // was durable when the query arrived (read-your-writes for GET /events).
  if (!impl_->indexer->WaitIndexed(LastPosition(), std::chrono::seconds(5))) {
    absl::Status s = impl_->indexer->status();
    return s.ok() ? absl::UnavailableError("the event indexes are behind; retry") : s;
  }
  QueryPage page;
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = impl_->db->GetSnapshot();
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> log_it(impl_->db->NewIterator(ro, impl_->cf[kLog]));
  codec::BlockReader block;
  StoredEvent ev;
  size_t scanned = 0;
  absl::Status status;
  // Visits one candidate position; returns false to stop.
  auto visit = [&](uint64_t pos) {
    if (++scanned > impl_->options.max_query_scan) {  // bound the work of one request
      page.next = pos - 1;
      return false;
    }
    status = impl_->ReadAt(pos, log_it.get(), &block, &ev);
    if (!status.ok()) return false;
    if (!q.event_type.empty() && ev.event_type != q.event_type) return true;
    if (ev.timestamp_micros < q.from_micros || ev.timestamp_micros >= q.to_micros) return true;
    if (page.events.size() == q.limit) {  // one more match exists: there is a next page
      page.next = page.events.back().position;
      return false;
    }
    page.events.push_back(ev);
    return true;
  };
  const std::string start_pos = codec::PositionKey(q.after_position + 1);
  if (!q.aggregate_id.empty()) {
    std::string prefix = codec::AggregatePrefix(q.organization_id, q.aggregate_id);
    rocksdb::ReadOptions index_ro = ro;
    index_ro.prefix_same_as_start = true;  // the aggregate index is prefix-organized
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(index_ro, impl_->cf[kByAggregate]));
    for (it->Seek(prefix + start_pos); it->Valid(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      if (!key.starts_with(prefix) || key.size() != prefix.size() + 8) break;
      if (!visit(codec::GetBE64(key.substr(prefix.size())))) break;
    }
    if (status.ok()) status = FromRocks(it->status(), "event query");
  } else {
    // by_org entries are keyed by their first position: the one holding after + 1 may start
    // before it.
    std::string prefix = codec::OrgPrefix(q.organization_id);
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kByOrg]));
    it->SeekForPrev(prefix + start_pos);
    if (!it->Valid() || !it->key().ToStringView().starts_with(prefix)) it->Seek(prefix + start_pos);
    std::vector<uint64_t> positions;
    bool more = true;
    for (; more && it->Valid(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      if (!key.starts_with(prefix) || key.size() != prefix.size() + 8) break;
      if (!codec::DecodePositions(it->value().ToStringView(), &positions)) {
        status = absl::DataLossError("corrupt organization index entry");
        break;
      }
      for (uint64_t pos : positions) {
        if (pos <= q.after_position) continue;
        if (!(more = visit(pos))) break;
      }
    }
    if (status.ok()) status = FromRocks(it->status(), "event query");
  }
  log_it.reset();
  impl_->db->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return page;
}

}  // namespace readside::store
