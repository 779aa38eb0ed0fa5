// EventStore's small public methods; the rest is in store_open.cc, store_writer.cc and
// store_query.cc (see store_impl.h).

#include "store/event_store.h"

#include <algorithm>
#include <future>

#include "store/store_impl.h"

namespace readside::store {

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

void EventStore::AppendAsync(AppendRequest request, AppendCallback done) {
  {
    absl::MutexLock lk(&impl_->queue_mu);
    impl_->queue.push_back({std::move(request), std::move(done)});
  }
}

absl::StatusOr<std::vector<AppendOutcome>> EventStore::Append(AppendRequest request) {
  std::promise<absl::StatusOr<std::vector<AppendOutcome>>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(request), [&promise](absl::StatusOr<std::vector<AppendOutcome>> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

absl::StatusOr<std::optional<StoredEvent>> EventStore::FindEvent(std::string_view org,
                                                                 std::string_view event_id) const {
  std::string key = codec::IdempotencyKey(org, event_id);
  std::optional<uint64_t> position = impl_->indexer->FindPending(key);
  if (!position) {
    std::string value;
    rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kIdempotency], key, &value);
    if (s.IsNotFound()) return std::optional<StoredEvent>();
    if (!s.ok()) return FromRocks(s, "idempotency lookup");
    position = codec::GetBE64(value);
  }
  std::optional<StoredEvent> found;
  absl::Status s = impl_->ReadRangeImpl(*position - 1, *position, [&](const StoredEvent& e) {
    found = e;
    return false;
  });
  if (!s.ok()) return s;
  return found;
}

uint64_t EventStore::LastPosition() const {
  return impl_->last_position.load(std::memory_order_acquire);
}

bool EventStore::WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const {
  absl::MutexLock lk(&impl_->commit_mu);
  auto reached = [&] { return LastPosition() >= position; };
  return impl_->commit_mu.AwaitWithTimeout(absl::Condition(&reached), absl::FromChrono(timeout));
}

void EventStore::AddCommitListener(std::function<void(uint64_t)> listener) {
  impl_->listeners.push_back(std::move(listener));
}

std::vector<SourceOffset> EventStore::SourceOffsets(std::string_view source) const {
  std::vector<SourceOffset> out;
  absl::MutexLock lk(&impl_->commit_mu);
  for (const auto& [key, next] : impl_->offsets) {
    if (key.first == source) out.push_back({key.first, key.second, next});
  }
  std::sort(out.begin(), out.end(),
            [](const SourceOffset& a, const SourceOffset& b) { return a.partition < b.partition; });
  return out;
}

std::optional<uint64_t> EventStore::WaitForSourceOffsets(
    std::string_view source, const std::vector<std::pair<int32_t, int64_t>>& offsets,
    std::chrono::milliseconds timeout) const {
  absl::MutexLock lk(&impl_->commit_mu);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->commit_mu) {
    for (const auto& [partition, offset] : offsets) {
      auto it = impl_->offsets.find(std::make_pair(std::string(source), partition));
      if (it == impl_->offsets.end() || it->second <= offset) return false;
    }
    return true;
  };
  if (!impl_->commit_mu.AwaitWithTimeout(absl::Condition(&reached), absl::FromChrono(timeout))) {
    return std::nullopt;
  }
  return LastPosition();
}

absl::Status EventStore::WriteStatus() const {
  if (!impl_->write_blocked.load(std::memory_order_relaxed)) return absl::OkStatus();
  absl::MutexLock lock(&impl_->health_mu);
  return impl_->write_status;
}

std::vector<std::string> EventStore::OpenWarnings() const { return impl_->open_warnings; }

uint64_t EventStore::RejectedCount(std::string_view org) const {
  return GetTenantCounts(org).rejected;
}

uint64_t EventStore::CountsVersion() const {
  return impl_->counts_version.load(std::memory_order_acquire);
}

TenantCounts EventStore::GetTenantCounts(std::string_view org) const {
  TenantCounts counts;
  std::pair<const char*, uint64_t*> kinds[] = {{"rejected", &counts.rejected},
                                               {"duplicates", &counts.duplicates},
                                               {"conflicts", &counts.conflicts}};
  for (auto& [kind, out] : kinds) {
    std::string value;
    rocksdb::Status s =
        impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kMeta], codec::CountKey(kind, org), &value);
    *out = s.ok() && value.size() == 8 ? codec::GetBE64(value) : 0;
  }
  return counts;
}

absl::StatusOr<uint64_t> EventStore::AddDeadLetter(DeadLetter letter) {
  // Refused like an append on a full disk (or after a failed write): the writer thread owns
  // recovery, and a write failing here would stop RocksDB behind its back.
  if (absl::Status writable = WriteStatus(); !writable.ok()) return writable;
  if (absl::Status disk = impl_->CheckDisk(letter.raw.size()); !disk.ok()) return disk;
  letter.id = impl_->last_dead_letter.fetch_add(1) + 1;
  std::string value;
  codec::EncodeDeadLetter(letter, &value);
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  absl::Status s =
      FromRocks(impl_->db->Put(wo, impl_->cf[kDeadLetter], codec::PositionKey(letter.id), value),
                "dead-letter write");
  if (!s.ok()) return s;
  impl_->dead_letters_stored.fetch_add(1, std::memory_order_relaxed);
  return letter.id;
}

absl::StatusOr<std::vector<DeadLetter>> EventStore::ListDeadLetters(uint64_t after_id,
                                                                    size_t limit) const {
  std::vector<DeadLetter> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kDeadLetter]));
  for (it->Seek(codec::PositionKey(after_id + 1)); it->Valid() && out.size() < limit; it->Next()) {
    DeadLetter d;
    uint64_t id = codec::GetBE64(it->key().ToStringView());
    if (!codec::DecodeDeadLetter(id, it->value().ToStringView(), &d)) {
      return absl::DataLossError("corrupt dead letter " + std::to_string(id));
    }
    out.push_back(std::move(d));
  }
  absl::Status s = FromRocks(it->status(), "dead-letter read");
  if (!s.ok()) return s;
  return out;
}

absl::Status EventStore::DeleteDeadLetter(uint64_t id) {
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  return FromRocks(impl_->db->Delete(wo, impl_->cf[kDeadLetter], codec::PositionKey(id)),
                   "dead-letter delete");
}

Problem AppendFailureProblem(const absl::Status& status) {
  // Nothing was acknowledged; the producer retries (event ids make the retry idempotent). A
  // full disk takes longer to clear than a passing failure.
  bool full = absl::IsResourceExhausted(status);
  return Problem{.status = 503,
                 .title = full ? "Insufficient storage" : "Event store unavailable",
                 .detail = std::string(status.message()),
                 .retry_after_seconds = full ? 10 : 1};
}

std::vector<trace::SpanContext> EventStore::CommitSpans(uint64_t after, uint64_t until,
                                                       size_t max) const {
  std::vector<trace::SpanContext> out;
  absl::MutexLock lk(&impl_->spans_mu);
  uint64_t previous = 0;  // the last position of the commit before (0: unknown, older)
  for (const auto& [last, span] : impl_->commit_spans) {
    // That commit stored (previous, last]: it overlaps (after, until] unless it ends at or
    // before `after` or starts after `until`.
    if (last > after && previous < until) {
      out.push_back(span);
      if (out.size() >= max) break;
    }
    previous = last;
    if (previous >= until) break;
  }
  return out;
}

}  // namespace readside::store
