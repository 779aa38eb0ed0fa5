// The writer thread of the event store: group commit (one WriteBatch and one WAL fsync for
// every request waiting), idempotency decisions, and what keeps a full or failing disk from
// losing or half-writing anything: a free-space check before each group, and recovery
// (RocksDB Resume(), index writes again, the reserve file) once the disk allows.

#include <cstdio>

#include "common/crash_point.h"
#include "event/parser.h"
#include "store/store_impl.h"

namespace readside::store {

void EventStore::Impl::WriterLoop() {
  std::deque<Pending> group;
  for (;;) {
    {
      absl::MutexLock lk(&queue_mu);
      // Idle, the writer still looks at the disk every interval, so that the write status
      // (and /health/ready) follows the disk, and ingest resumes without waiting for a
      // request.
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu) {
        return !queue.empty() || stopping;
      };
      queue_mu.AwaitWithTimeout(absl::Condition(&ready),
                                absl::FromChrono(options.recovery_interval));
      if (queue.empty() && stopping) return;  // stopping and drained
      size_t events = 0;
      while (!queue.empty() && (group.empty() || events + queue.front().request.events.size() <=
                                                     options.max_group_events)) {
        events += queue.front().request.events.size();
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    if (group.empty()) {
      Recover();
      continue;
    }
    Commit(group);
    group.clear();
  }
}

void EventStore::Impl::SetWriteStatus(absl::Status status) {
  bool blocked = !status.ok();
  if (!blocked && !write_blocked.load(std::memory_order_relaxed)) return;
  absl::MutexLock lock(&health_mu);
  // The same cause with fresher numbers is not logged again; the fail-stop (needs_restart)
  // always is, though its code is the failed write's: it is the line an operator needs.
  if (blocked && !write_status.ok() && write_status.code() == status.code() && !needs_restart) {
    write_status = std::move(status);  // same cause, fresher numbers
    return;
  }
  if (blocked) {
    std::fprintf(stderr, "readside: event store at %s refuses appends: %s\n",
                 options.path.c_str(), std::string(status.message()).c_str());
  } else {
    std::fprintf(stderr, "readside: event store accepts appends again\n");
  }
  write_status = std::move(status);
  write_blocked.store(blocked, std::memory_order_relaxed);
}

namespace {
std::string Mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}
}  // namespace

absl::Status EventStore::Impl::CheckDisk(uint64_t bytes) {
  if (options.min_free_bytes == 0) return absl::OkStatus();
  absl::StatusOr<uint64_t> free = env->FreeBytes(options.path);
  if (!free.ok()) return free.status();
  // Room for what a flush of the memtables writes (at most their size) comes first: RocksDB
  // stops all writes when a flush fails, and a log that can no longer be flushed grows.
  uint64_t memtables = 0;
  db->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &memtables);
  uint64_t needed = options.min_free_bytes + memtables + 2 * bytes;
  if (*free >= needed) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      "the disk holding the event store is full: " + Mib(*free) +
      " free, appends need " + Mib(needed) + " (" + Mib(memtables) +
      " to flush the memtables, the rest --min-free-disk-mb and the batch); they resume by "
      "themselves once space is freed");
}

absl::Status EventStore::Impl::PrepareWrite(uint64_t bytes) {
  if (needs_restart || rocks_failed || !indexer->status().ok()) Recover();
  if (needs_restart || rocks_failed) {
    absl::MutexLock lock(&health_mu);
    return write_status;
  }
  absl::Status disk = CheckDisk(bytes);
  SetWriteStatus(disk);
  return disk;
}

void EventStore::Impl::Recover() {
  if (needs_restart) return;  // its status stays: only a restart helps
  absl::Status disk = CheckDisk(0);
  if (!disk.ok()) {
    SetWriteStatus(disk);
    return;
  }
  if (rocks_failed || !indexer->status().ok()) {
    // A failed write or flush (of the log or of the index thread's batches) stops RocksDB's
    // writes until Resume(); when nothing failed, Resume() is a no-op.
    rocksdb::Status resumed = db->Resume();
    if (resumed.IsBusy()) return;  // RocksDB is already recovering by itself
    if (!resumed.ok()) {
      if (resumed.severity() >= rocksdb::Status::Severity::kFatalError) {
        // RocksDB does not resume after a failed write-ahead-log write other than a full
        // disk (whether the data reached the disk is unknown): reopening replays the log.
        needs_restart = true;
        SetWriteStatus(absl::UnavailableError(
            "a write to the disk failed (" + resumed.ToString() +
            "); the event store refuses appends until readside is restarted, which recovers "
            "the write-ahead log"));
      } else {
        SetWriteStatus(FromRocks(resumed, "resuming the event store"));
      }
      return;
    }
    rocks_failed = false;
    indexer->Retry();
  }
  // The reserve comes back only with room to spare, so that taking it does not refuse the
  // next append.
  if (!reserve_held) TryHoldReserve();
  SetWriteStatus(CheckDisk(0));
}

absl::Status EventStore::Impl::Lookup(const std::deque<Pending>& group,
                                      std::vector<std::string>* keys,
                                      std::vector<std::optional<uint64_t>>* stored) {
  for (const Pending& p : group) {
    for (const EventToStore& e : p.request.events) {
      keys->push_back(codec::IdempotencyKey(e.organization_id, e.event_id));
    }
  }
  stored->assign(keys->size(), std::nullopt);
  std::vector<rocksdb::Slice> slices;
  std::vector<size_t> which;
  size_t k = 0;
  // Durable but not yet indexed keys first: a key leaves that set only after its index entry
  // is written, so a miss there followed by the MultiGet below cannot miss a stored key.
  for (const Pending& p : group) {
    for (const EventToStore& e : p.request.events) {
      if (!e.event_id_assigned) {  // a fresh server UUID cannot be stored already
        (*stored)[k] = indexer->FindPending((*keys)[k]);
        if (!(*stored)[k]) {
          slices.emplace_back((*keys)[k]);
          which.push_back(k);
        }
      }
      ++k;
    }
  }
  if (slices.empty()) return absl::OkStatus();
  std::vector<rocksdb::PinnableSlice> values(slices.size());
  std::vector<rocksdb::Status> statuses(slices.size());
  db->MultiGet(rocksdb::ReadOptions(), cf[kIdempotency], slices.size(), slices.data(),
               values.data(), statuses.data());
  for (size_t i = 0; i < slices.size(); ++i) {
    if (statuses[i].ok()) {
      (*stored)[which[i]] = codec::GetBE64(values[i].ToStringView());
    } else if (!statuses[i].IsNotFound()) {
      return FromRocks(statuses[i], "idempotency lookup");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<AppendOutcome> EventStore::Impl::Decide(
    const EventToStore& e, const std::string& key, const std::optional<uint64_t>& stored,
    const absl::flat_hash_map<absl::string_view, InGroup>& group) {
  const std::string* original = nullptr;
  uint64_t position = 0;
  std::string stored_json;
  if (auto it = group.find(key); it != group.end()) {
    original = it->second.json;
    position = it->second.position;
  } else if (stored.has_value()) {
    position = *stored;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
    codec::BlockReader block;
    StoredEvent stored_event;
    if (absl::Status s = ReadAt(position, it.get(), &block, &stored_event); !s.ok()) return s;
    stored_json = std::move(stored_event.json);
    original = &stored_json;
  } else {
    return AppendOutcome{Outcome::kAccepted, 0};
  }
  bool same = *original == e.json || event::JsonValueEqual(*original, e.json);
  return AppendOutcome{same ? Outcome::kDuplicate : Outcome::kConflict, position};
}

namespace {

// The group commit's span: the child of the first sampled request, linked to the other
// sampled ones. With sampling below 1.0 a group mixes sampled and unsampled requests: the
// commit is recorded whenever one of them is sampled (a sampled trace never misses its
// commit), and an unsampled request (whose spans are not exported) is not linked to. A group
// with traced requests but none sampled records nothing, as each of its traces decided.
template <typename Group>  // std::deque<EventStore::Impl::Pending>
trace::Span StartCommitSpan(trace::Tracer* tracer, const Group& group) {
  const trace::SpanContext* parent = nullptr;
  for (const auto& p : group) {
    if (p.request.trace.valid() && (parent == nullptr || !parent->sampled())) {
      parent = &p.request.trace;
      if (parent->sampled()) break;
    }
  }
  trace::Span span = tracer->StartSpan("store.commit", parent ? *parent : trace::SpanContext{});
  if (!span.recording()) return span;
  size_t events = 0;
  for (const auto& p : group) {
    events += p.request.events.size();
    if (p.request.trace.sampled() && &p.request.trace != parent) span.AddLink(p.request.trace);
    if (!p.request.trace.valid()) {
      // No traced caller (Kafka's consumer, the demo): the events' correlation ids that name
      // a producer's span link to it here.
      for (const auto& e : p.request.events) {
        std::string_view id = trace::CorrelationIdOfEventJson(e.json);
        if (auto linked = trace::ContextFromCorrelationId(id)) span.AddLink(*linked);
      }
    }
  }
  span.SetAttribute("readside.requests", static_cast<int64_t>(group.size()));
  span.SetAttribute("readside.events", static_cast<int64_t>(events));
  return span;
}

}  // namespace

void EventStore::Impl::Commit(std::deque<Pending>& group) {
  trace::Span span;
  if (options.tracer != nullptr) span = StartCommitSpan(options.tracer, group);
  uint64_t bytes = 0;
  for (const Pending& p : group) {
    for (const EventToStore& e : p.request.events) bytes += e.json.size() + 64;
    for (const DeadLetter& d : p.request.dead_letters) bytes += d.raw.size() + d.reason.size() + 64;
  }
  if (absl::Status ready = PrepareWrite(bytes); !ready.ok()) {
    span.SetStatus(ready);
    span.End();
    for (Pending& p : group) p.done(ready);  // nothing of the group was written
    return;
  }
  rocksdb::WriteBatch batch;
  uint64_t next = last_position.load(std::memory_order_relaxed) + 1;
  // Keyed by views of `keys`, which outlive it.
  absl::flat_hash_map<absl::string_view, InGroup> in_group;
  absl::flat_hash_map<std::string, uint64_t> rejected;
  std::vector<std::vector<AppendOutcome>> outcomes(group.size());
  std::vector<std::string> keys;
  std::vector<std::optional<uint64_t>> stored;
  absl::Status failure = Lookup(group, &keys, &stored);
  size_t k = 0;
  // Accepted events become log blocks of at most kBlockEvents records, and one by_org entry
  // per organization (see codec.h).
  constexpr uint64_t kBlockEvents = 1024;
  constexpr size_t kBlockBytes = 1 << 20;
  std::string block_body;
  block_body.reserve(kBlockBytes + (64 << 10));
  uint64_t block_first = next, block_count = 0;
  auto flush_block = [&] {
    if (block_count == 0) return;
    std::string key = codec::PositionKey(block_first), header = codec::BlockHeader(block_count);
    rocksdb::Slice key_slice(key), parts[2] = {header, block_body};
    batch.Put(cf[kLog], rocksdb::SliceParts(&key_slice, 1), rocksdb::SliceParts(parts, 2));
    block_body.clear();
    block_first += block_count;
    block_count = 0;
  };
  std::vector<IndexEntry> index_entries;
  std::vector<size_t> index_keys;  // the index in `keys` of each index entry's key
  for (size_t r = 0; r < group.size() && failure.ok(); ++r) {
    AppendRequest& req = group[r].request;
    outcomes[r].reserve(req.events.size());
    for (EventToStore& e : req.events) {
      const std::string& key = keys[k];
      absl::StatusOr<AppendOutcome> decided = Decide(e, key, stored[k], in_group);
      ++k;
      if (!decided.ok()) {
        failure = decided.status();
        break;
      }
      if (decided->outcome == Outcome::kAccepted) {
        uint64_t pos = next++;
        decided->position = pos;
        codec::AppendToBlock(e, &block_body);
        if (++block_count == kBlockEvents || block_body.size() >= kBlockBytes) flush_block();
        in_group.emplace(key, InGroup{pos, &e.json});
        // The request is not read again once decided: its strings move to the index.
        index_entries.push_back({std::move(e.organization_id), std::move(e.entity_id), {}, pos});
        index_keys.push_back(k - 1);
      }
      if (decided->outcome != Outcome::kAccepted) {
        ++rejected[codec::CountKey(decided->outcome == Outcome::kDuplicate ? "duplicates" : "conflicts",
                                   e.organization_id)];
      }
      outcomes[r].push_back(*decided);
    }
    for (const auto& [org, n] : req.rejected_by_org) rejected[codec::CountKey("rejected", org)] += n;
    // In request order: a later request's offset of the same partition is written last.
    for (const SourceOffset& o : req.source_offsets) {
      batch.Put(cf[kMeta], codec::SourceOffsetKey(o.source, o.partition),
                codec::PositionKey(static_cast<uint64_t>(o.next_offset)));
    }
    for (DeadLetter& d : req.dead_letters) {
      d.id = last_dead_letter.fetch_add(1) + 1;  // a failed write leaves a gap: ids are unique
      std::string value;
      codec::EncodeDeadLetter(d, &value);
      batch.Put(cf[kDeadLetter], codec::PositionKey(d.id), value);
    }
  }
  flush_block();
  in_group.clear();  // its keys are views of `keys`, which now move to the index entries
  for (size_t i = 0; i < index_entries.size(); ++i) {
    index_entries[i].idempotency_key = std::move(keys[index_keys[i]]);
  }
  // Per-tenant counts of rejected, duplicate and conflicting input (durable with the group).
  for (const auto& [key, n] : rejected) {
    if (!failure.ok()) break;
    std::string current;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kMeta], key, &current);
    uint64_t count = s.ok() && current.size() == 8 ? codec::GetBE64(current) : 0;
    batch.Put(cf[kMeta], key, codec::PositionKey(count + n));
  }
  // Kafka's consumer hands its partitions' next offsets in with the events they carried:
  // both are in this one batch (kafka.offsets.* are the moments around that write).
  bool with_offsets = false;
  for (const Pending& p : group) with_offsets |= !p.request.source_offsets.empty();
  if (failure.ok() && batch.Count() > 0) {
    READSIDE_CRASH_POINT("store.commit.before_write");
    if (with_offsets) READSIDE_CRASH_POINT("kafka.offsets.before_write");
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    failure = FromRocks(db->Write(wo, &batch), "event log write");
    if (!failure.ok()) {
      // RocksDB now refuses writes until Resume() (its background error): nothing of the
      // group was acknowledged, and the writer recovers once the disk allows.
      rocks_failed = true;
      SetWriteStatus(failure);
    } else {
      READSIDE_CRASH_POINT("store.commit.after_write");
      if (with_offsets) READSIDE_CRASH_POINT("kafka.offsets.after_write");
    }
  }
  if (failure.ok()) {
    uint64_t last = next - 1;
    if (!rejected.empty()) counts_version.fetch_add(1, std::memory_order_release);
    uint64_t letters = 0;
    for (const Pending& p : group) letters += p.request.dead_letters.size();
    if (letters > 0) dead_letters_stored.fetch_add(letters, std::memory_order_relaxed);
    indexer->Enqueue(std::move(index_entries));
    // Before the position is published: the applier that reads it finds the span to link.
    if (span.recording()) {
      span.SetAttribute("readside.position.last", static_cast<int64_t>(last));
      span.SetStatus(trace::SpanStatus::kOk);
      absl::MutexLock lk(&spans_mu);
      commit_spans.emplace_back(last, span.context());
      if (commit_spans.size() > 1024) commit_spans.pop_front();
    }
    span.End();
    {
      absl::MutexLock lk(&commit_mu);  // WaitForPosition waiters look again on release
      last_position.store(last, std::memory_order_release);
      for (const Pending& p : group) {
        for (const SourceOffset& o : p.request.source_offsets) {
          offsets[{o.source, o.partition}] = o.next_offset;
        }
      }
    }
    for (auto& l : listeners) l(last);
    for (size_t r = 0; r < group.size(); ++r) group[r].done(std::move(outcomes[r]));
  } else {
    span.SetStatus(failure);
    span.End();
    for (Pending& p : group) p.done(failure);
  }
}

}  // namespace readside::store
