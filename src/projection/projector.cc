#include "projection/projector.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/crash_point.h"
#include "event/parser.h"
#include "own_state/own_event.h"
#include "projection/snapshot_file.h"
#include "projection/tenant_projection.h"
#include "spdlog/spdlog.h"
#include "store/event_store.h"

namespace readside::projection {

// The rebuild thread's nice value (search indexing and the consistency checks run at 10 too).
constexpr int kRebuildNice = 10;

// One batch of the parse stage: the stored events of positions (after, last], parsed.
struct Projector::ParsedBatch {
  struct Item {
    uint64_t position = 0;
    bool ok = false;
    bool settings = false;
    std::string organization_id;
    event::Event event;
    store::StoredEvent stored;  // only for settings events (their JSON is read again)
  };
  std::vector<Item> items;  // reused: strings keep their capacity between batches
  size_t size = 0;
  uint64_t last = 0;
};

Projector::Projector(store::EventStore* store, const Clock* clock, ProjectorOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      parser_(std::make_unique<event::EventParser>(event::ParserOptions{
          .assign_missing_event_id = false, .keep_json = false, .stored_input = true})) {
  current_.store(std::make_shared<const ModelSnapshot>());
}

Projector::~Projector() { Stop(); }

void Projector::Start() {
  start_target_ = store_->LastPosition();
  {
    absl::MutexLock lock(&mu_);
    stored_ = start_target_;
  }
  {
    absl::MutexLock link_lock(&link_->mu);
    link_->target = this;
  }
  store_->AddCommitListener([link = link_](uint64_t last) {
    absl::MutexLock link_lock(&link->mu);
    if (Projector* p = link->target) {
      {
        absl::MutexLock lock(&p->mu_);
        p->stored_ = last;
      }
      p->cv_.SignalAll();
    }
  });
  thread_ = std::thread([this] {
    LoadSnapshot();
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      claimed_through_ = AppliedPosition();
    }
    for (int i = 0; i < std::max(options_.parse_threads, 1); ++i) {
      parse_threads_.emplace_back([this] {
        pthread_setname_np(pthread_self(), "rs-proj-parse");
        RunParser();
      });
    }
    Run();
  });
}

void Projector::Stop() {
  std::thread rebuild;
  {
    absl::MutexLock lock(&mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    rebuild = std::move(rebuild_thread_);  // no rebuild starts once stop_ is set
  }
  {
    absl::MutexLock link_lock(&link_->mu);
    link_->target = nullptr;
  }
  cancel_rebuild_ = true;
  cv_.SignalAll();
  if (rebuild.joinable()) rebuild.join();
  if (thread_.joinable()) {
    thread_.join();
    for (std::thread& t : parse_threads_) t.join();
    parse_threads_.clear();
    if (snapshot_writer_.joinable()) snapshot_writer_.join();
    PublishApplied();
    if (AppliedPosition() > last_snapshot_.load()) WriteSnapshot();
  }
  FireWaiters(true);
}

std::shared_ptr<const ModelSnapshot> Projector::Current() const { return current_.load(); }

Projector::TenantRead Projector::Read(const std::string& org) const {
  std::shared_ptr<const ModelSnapshot> snapshot = Current();
  if (auto it = snapshot->tenants.find(org); it != snapshot->tenants.end()) {
    return {it->second, snapshot->position};
  }
  // A tenant without events: the empty model's (shared) series under its name.
  static const std::shared_ptr<const TenantView> kEmpty =
      ModelBuilder(TenantSettings{}, LocalCalendar::Utc()).Publish(0);
  auto view = std::make_shared<TenantView>(*kEmpty);
  view->settings.organization_id = org;
  view->position = snapshot->position;
  return {std::move(view), snapshot->position};
}

bool Projector::Stale() const {
  if (!Ready()) return true;
  int64_t since = behind_since_nanos_.load(std::memory_order_relaxed);
  return since != 0 && clock_->MonotonicNanos() - since >
                           std::chrono::nanoseconds(options_.stale_after).count();
}

bool Projector::WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  absl::MutexLock lock(&mu_);
  while (AppliedPosition() < position && !stop_) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= left.zero()) break;
    cv_.WaitWithTimeout(&mu_, absl::FromChrono(left));
  }
  return AppliedPosition() >= position;
}

void Projector::WhenApplied(uint64_t position, std::chrono::milliseconds timeout,
                            std::function<void(bool)> done) {
  {
    absl::MutexLock lock(&mu_);
    if (AppliedPosition() < position && !stop_ && !waits_cancelled_.load()) {
      waiters_.push_back({position, std::chrono::steady_clock::now() + timeout, std::move(done)});
      cv_.SignalAll();
      return;
    }
  }
  done(AppliedPosition() >= position);
}

void Projector::CancelWaits() {
  waits_cancelled_.store(true);
  FireWaiters(/*stopping=*/true);
}

// Answers the waiters whose position is applied or whose deadline passed.
void Projector::FireWaiters(bool stopping) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    absl::MutexLock lock(&mu_);
    auto now = std::chrono::steady_clock::now();
    uint64_t applied = AppliedPosition();
    std::erase_if(waiters_, [&](Waiter& w) {
      bool reached = applied >= w.position;
      if (!reached && !stopping && w.deadline > now) return false;
      ready.emplace_back(std::move(w.done), reached);
      return true;
    });
  }
  for (auto& [done, reached] : ready) done(reached);
}

void Projector::LoadSnapshot() {
  if (options_.snapshot_dir.empty()) return;
  int64_t begin = clock_->MonotonicNanos();
  absl::StatusOr<LoadedModel> model = ReadModelSnapshot(options_.snapshot_dir, options_.env ? options_.env : Env::Default());
  if (!model.ok()) {
    if (!absl::IsNotFound(model.status())) {
      spdlog::warn("ignoring the read-model snapshot ({}); replaying the store",
                   model.status().ToString());
    }
    return;
  }
  if (model->position > store_->LastPosition()) {
    spdlog::warn("ignoring the read-model snapshot at position {}: the store ends at {}",
                 model->position, store_->LastPosition());
    return;
  }
  tenants_ = std::move(model->tenants);
  last_snapshot_ = model->position;
  {
    absl::MutexLock lock(&mu_);
    applied_.store(model->position, std::memory_order_release);
  }
  PublishAll();
  cv_.SignalAll();  // a wait for a position the snapshot covers is over
  FireWaiters(false);
  spdlog::info("read models loaded from the snapshot at position {} ({} tenants) in {} ms",
               model->position, tenants_.size(), (clock_->MonotonicNanos() - begin) / 1'000'000);
}

void Projector::WriteSnapshot() {
  PublishApplied();  // the snapshot's position is AppliedPosition(): the models must be there
  if (options_.snapshot_dir.empty()) return;
  uint64_t position = AppliedPosition();
  const int64_t start = clock_->MonotonicNanos();
  FinishSnapshot(position, EncodeModelSnapshot(position, tenants_), start);
}

void Projector::StartSnapshot() {
  PublishApplied();
  if (options_.snapshot_dir.empty()) return;
  if (snapshot_writer_.joinable()) snapshot_writer_.join();  // finished: snapshot_writing_ was false
  uint64_t position = AppliedPosition();
  const int64_t start = clock_->MonotonicNanos();
  snapshot_writing_.store(true);
  snapshot_writer_ = std::thread(
      [this, position, start, data = EncodeModelSnapshot(position, tenants_)] {
        pthread_setname_np(pthread_self(), "rs-snapshot");
        FinishSnapshot(position, data, start);
        snapshot_writing_.store(false);
      });
}

void Projector::FinishSnapshot(uint64_t position, const std::string& data, int64_t start_nanos) {
  absl::StatusOr<size_t> bytes = WriteSnapshotFile(options_.snapshot_dir, data,
                                                  options_.env ? options_.env : Env::Default());
  const int64_t end = clock_->MonotonicNanos();
  last_snapshot_cost_nanos_.store(end - start_nanos);
  last_snapshot_end_nanos_.store(end);
  if (!bytes.ok()) {
    spdlog::error("writing the read-model snapshot failed: {}", bytes.status().ToString());
    return;
  }
  last_snapshot_.store(position);
}

void Projector::PublishAll() {
  auto next = std::make_shared<ModelSnapshot>();
  next->position = AppliedPosition();
  for (const auto& [org, tenant] : tenants_) next->tenants[org] = tenant->Publish(next->position);
  uint64_t position = next->position;
  current_.store(std::move(next));
  for (const PublishListener& l : listeners_) l(position, {}, /*all=*/true);
}

namespace {
constexpr size_t kMaxParsedBatches = 4;  // bounds memory between the two stages
// Publication deferred while behind (ApplyParsed): at most this many batches or this long.
constexpr int kMaxDeferredBatches = 16;
constexpr int64_t kMaxPublishDelayNanos = 50'000'000;
}  // namespace

bool Projector::ParserHasWork() const {
  return stored_ > claimed_through_ && next_claim_ - next_apply_ < kMaxParsedBatches;
}

bool Projector::NextBatchParsed() const {
  return !parsed_.empty() && parsed_.begin()->first == next_apply_;
}

bool Projector::ApplierHasWork() const {
  return stop_ || NextBatchParsed() || rebuilt_ || !applier_tasks_.empty();
}

void Projector::RunParser() {
  event::EventParser parser(
      {.assign_missing_event_id = false, .keep_json = false, .stored_input = true});
  std::vector<event::FieldError> errors;
  while (true) {
    std::unique_ptr<ParsedBatch> batch;
    uint64_t seq, from, until;
    {
      absl::MutexLock lock(&mu_);
      while (!stop_ && !ParserHasWork()) cv_.Wait(&mu_);
      if (stop_) return;
      seq = next_claim_++;
      from = claimed_through_;
      until = std::min<uint64_t>(stored_, from + options_.batch_events);
      claimed_through_ = until;
      if (!spare_.empty()) {
        batch = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    if (!batch) batch = std::make_unique<ParsedBatch>();
    while (true) {  // the claimed range must be delivered: retry until the store answers
      batch->size = 0;
      absl::Status s = store_->ReadRange(from, until, [&](const store::StoredEvent& stored) {
        if (batch->size == batch->items.size()) batch->items.emplace_back();
        ParsedBatch::Item& item = batch->items[batch->size++];
        item.position = stored.position;
        item.organization_id = stored.organization_id;
        // Own events are applied from their stored JSON (ApplyStored).
        item.settings = stored.event_type.starts_with(own_state::kOwnEventTypePrefix);
        if (item.settings) {
          item.stored = stored;
          item.ok = true;
          return true;
        }
        errors.clear();
        item.ok = parser.ParseOne(stored.json, &item.event, &errors);
        if (!item.ok) {
          spdlog::error("position {}: stored event no longer parses: {}", stored.position,
                        errors.empty() ? std::string() : errors[0].field + " " + errors[0].message);
        }
        return true;
      });
      if (s.ok()) break;
      spdlog::error("projector: reading the store failed: {}", s.ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    batch->last = until;
    {
      absl::MutexLock lock(&mu_);
      parsed_.emplace(seq, std::move(batch));
    }
    cv_.SignalAll();
  }
}

void Projector::Run() {
  if (AppliedPosition() >= start_target_) ready_.store(true, std::memory_order_release);
  while (true) {
    std::unique_ptr<ParsedBatch> batch;
    {
      absl::MutexLock lock(&mu_);
      while (!ApplierHasWork()) {
        if (stored_ > AppliedPosition() &&
            behind_since_nanos_.load(std::memory_order_relaxed) == 0) {
          behind_since_nanos_.store(clock_->MonotonicNanos(), std::memory_order_relaxed);
        }
        if (waiters_.empty()) {
          cv_.Wait(&mu_);
          continue;
        }
        auto deadline = waiters_.front().deadline;
        for (const Waiter& w : waiters_) deadline = std::min(deadline, w.deadline);
        if (cv_.WaitWithTimeout(&mu_,
                                absl::FromChrono(deadline - std::chrono::steady_clock::now()))) {
          break;  // a waiter's deadline passed
        }
      }
      if (stop_) return;
      if (NextBatchParsed()) {
        batch = std::move(parsed_.begin()->second);
        parsed_.erase(parsed_.begin());
        ++next_apply_;
      }
    }
    cv_.SignalAll();  // room for the parser
    AdoptRebuild();
    RunApplierTasks();
    if (!batch) {  // woken for a waiter's deadline or a rebuild
      FireWaiters(false);
      continue;
    }
    if (behind_since_nanos_.load(std::memory_order_relaxed) == 0) {
      behind_since_nanos_.store(clock_->MonotonicNanos(), std::memory_order_relaxed);
    }
    {
      // Tracing: one span per applied batch, linked to the group commits that stored it
      // (each linked to the requests, and through them to the events' correlation ids). The
      // recorded commits (CommitSpans keeps only those) are sampled: the first is the apply
      // span's parent, so a sampled trace always gets its apply span whatever the sampling
      // ratio; a batch that no recorded commit stored is a root sampled at the ratio.
      trace::Span span;
      if (options_.tracer != nullptr && options_.tracer->enabled() && batch->size > 0) {
        uint64_t first = batch->items[0].position;
        std::vector<trace::SpanContext> commits = store_->CommitSpans(first - 1, batch->last, 64);
        span = options_.tracer->StartSpan(
            "projector.apply", commits.empty() ? trace::SpanContext{} : commits.front());
        if (span.recording()) {
          span.SetAttribute("readside.events", static_cast<int64_t>(batch->size));
          span.SetAttribute("readside.position.first", static_cast<int64_t>(first));
          span.SetAttribute("readside.position.last", static_cast<int64_t>(batch->last));
          for (size_t i = 1; i < commits.size(); ++i) span.AddLink(commits[i]);
        }
      }
      ApplyParsed(*batch);
    }
    bool defer;
    {
      absl::MutexLock lock(&mu_);
      spare_.push_back(std::move(batch));
      defer = NextBatchParsed() && waiters_.empty() && !rebuilt_ &&
              unpublished_batches_ < kMaxDeferredBatches &&
              clock_->MonotonicNanos() - last_publish_nanos_ < kMaxPublishDelayNanos;
    }
    if (defer) continue;  // the next batch is ready: publish after it
    PublishApplied();
    {
      absl::MutexLock lock(&mu_);
      if (stored_ <= AppliedPosition()) behind_since_nanos_.store(0, std::memory_order_relaxed);
    }
    if (!snapshot_writing_.load() &&
        AppliedPosition() - last_snapshot_.load() >= options_.snapshot_every_events &&
        clock_->MonotonicNanos() - last_snapshot_end_nanos_.load() >=
            options_.snapshot_time_ratio * last_snapshot_cost_nanos_.load()) {
      StartSnapshot();
    }
  }
}

void Projector::ApplyParsed(ParsedBatch& batch) {
  absl::flat_hash_map<std::string, uint8_t>& touched = unpublished_;
  int64_t now = clock_->NowMicros();
  for (size_t i = 0; i < batch.size; ++i) {
    ParsedBatch::Item& item = batch.items[i];
    if (item.settings) {
      ApplyStored(item.stored, tenants_, now);
    } else if (item.ok) {
      std::unique_ptr<TenantProjection>& tenant = tenants_[item.organization_id];
      if (!tenant) tenant = TenantProjection::WithDefaults(item.organization_id);
      tenant->Apply(item.event, item.position, now);
    }
    uint8_t& changed = touched[item.organization_id];
    if (item.settings) {
      changed |= item.stored.event_type == kTenantConfiguredType ? TenantChange::kEverything
                                                                 : TenantChange::kOwnState;
    } else if (item.ok && item.event.type != event::EventType::kUnknown) {
      event::Domain d = event::GetTypeSpec(item.event.type).domain;
      if (d != event::Domain::kNone) changed |= static_cast<uint8_t>(1u << static_cast<unsigned>(d));
    }
  }
  unpublished_position_ = batch.last;
  publication_pending_ = true;
  ++unpublished_batches_;
  events_applied_.fetch_add(batch.size, std::memory_order_relaxed);
}

void Projector::PublishApplied() {
  if (!publication_pending_) return;
  uint64_t applied = unpublished_position_;
  auto next = std::make_shared<ModelSnapshot>(*Current());
  next->position = applied;
  for (const auto& [org, _] : unpublished_) {
    if (auto it = tenants_.find(org); it != tenants_.end() && it->second) {
      next->tenants[org] = it->second->Publish(applied);
    }
  }
  current_.store(std::move(next));
  if (!listeners_.empty()) {
    published_.clear();
    for (const auto& [org, changed] : unpublished_) published_.push_back({org, changed});
  }
  unpublished_.clear();
  publication_pending_ = false;
  unpublished_batches_ = 0;
  last_publish_nanos_ = clock_->MonotonicNanos();
  {
    absl::MutexLock lock(&mu_);
    applied_.store(applied, std::memory_order_release);
  }
  if (applied >= start_target_) ready_.store(true, std::memory_order_release);
  cv_.SignalAll();
  FireWaiters(false);
  for (const PublishListener& l : listeners_) l(applied, published_, /*all=*/false);
}

void Projector::ApplyStored(const store::StoredEvent& stored, TenantMap& tenants, int64_t now) {
  std::unique_ptr<TenantProjection>& tenant = tenants[stored.organization_id];
  if (stored.event_type == kTenantConfiguredType) {
    // New settings apply to the whole history: rebuild the tenant with them.
    ReplayOptions o{.until = stored.position - 1,
                    .organization_id = stored.organization_id,
                    .settings = SettingsFromEvent(stored),
                    .now_micros = now};
    absl::StatusOr<TenantMap> rebuilt = ReplayTenants(*store_, o);
    if (rebuilt.ok()) {
      tenant = std::move((*rebuilt)[stored.organization_id]);
    } else {
      spdlog::error("re-bucketing tenant {} failed: {}", stored.organization_id,
                    rebuilt.status().ToString());
    }
    return;
  }
  if (!tenant) tenant = TenantProjection::WithDefaults(stored.organization_id);
  if (stored.event_type.starts_with(own_state::kOwnEventTypePrefix)) {
    if (!tenant->ApplyOwnEvent(stored.event_type, stored.json, stored.position)) {
      spdlog::error("position {}: stored {} event does not decode", stored.position,
                    stored.event_type);
    }
    return;
  }
  event::Event e;
  std::vector<event::FieldError> errors;
  if (!parser_->ParseOne(stored.json, &e, &errors)) {
    spdlog::error("position {}: stored event no longer parses: {}", stored.position,
                  errors.empty() ? std::string() : errors[0].field + " " + errors[0].message);
    return;
  }
  tenant->Apply(e, stored.position, now);
}

absl::StatusOr<RebuildTicket> Projector::RequestRebuild(const std::string& org) {
  const std::string scope = org.empty() ? "*" : org;
  absl::MutexLock lock(&mu_);
  if (stop_) return absl::FailedPreconditionError("the projector is stopping");
  if (rebuild_status_.scope == scope &&
      (rebuild_status_.state == "running" || rebuild_status_.state == "catching_up")) {
    // The running replay reads the store up to its target and the applier then applies
    // everything after it: it covers this request too.
    return RebuildTicket{CurrentRebuild(), /*coalesced=*/true};
  }
  for (const RebuildStatus& queued : rebuild_queue_) {
    if (queued.scope == scope) return RebuildTicket{queued, /*coalesced=*/true};
  }
  bool idle = rebuild_status_.state != "running" && rebuild_status_.state != "catching_up";
  if (!idle && rebuild_queue_.size() >= options_.max_queued_rebuilds) {
    return absl::ResourceExhaustedError(
        "the rebuild queue is full (" + std::to_string(rebuild_queue_.size()) +
        " rebuilds wait behind the running one)");
  }
  rebuild_queue_.push_back(RebuildStatus{.state = "queued",
                                         .scope = scope,
                                         .queue_position = rebuild_queue_.size() + 1,
                                         .enqueued_micros = clock_->NowMicros()});
  if (!rebuild_thread_.joinable()) {
    rebuild_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "rs-rebuild");
      // A rebuild is background work, like search indexing and the consistency checks: under
      // load the live models and ingest come first (an idle machine runs it at full speed all
      // the same).
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kRebuildNice);
      RunRebuilds();
    });
  }
  StartNextRebuild();
  if (rebuild_status_.scope == scope && rebuild_status_.state == "running") {
    return RebuildTicket{CurrentRebuild(), /*coalesced=*/false};
  }
  return RebuildTicket{rebuild_queue_.back(), /*coalesced=*/false};
}

void Projector::StartNextRebuild() {
  if (stop_ || rebuild_queue_.empty() || rebuild_status_.state == "running" ||
      rebuild_status_.state == "catching_up") {
    return;
  }
  RebuildStatus next = std::move(rebuild_queue_.front());
  rebuild_queue_.pop_front();
  for (size_t i = 0; i < rebuild_queue_.size(); ++i) rebuild_queue_[i].queue_position = i + 1;
  const uint64_t target = AppliedPosition();
  rebuild_status_ = RebuildStatus{.state = "running",
                                  .scope = next.scope,
                                  .target_position = target,
                                  .started_micros = clock_->NowMicros(),
                                  .enqueued_micros = next.enqueued_micros};
  rebuild_events_ = 0;
  // Every tenant: positions have no gaps, so the replay reads `target` events.
  rebuild_target_events_ = next.scope == "*" ? target : 0;
  rebuild_replaying_ = false;
  cv_.SignalAll();
}

void Projector::EndRebuild() {
  rebuild_status_.finished_micros = clock_->NowMicros();
  rebuild_status_.events_read = rebuild_events_.load(std::memory_order_relaxed);
  rebuild_status_.events_target = rebuild_target_events_.load(std::memory_order_relaxed);
  rebuild_ended_[rebuild_status_.scope] = rebuild_status_;
  StartNextRebuild();
  cv_.SignalAll();
}

RebuildStatus Projector::CurrentRebuild() const {
  RebuildStatus status = rebuild_status_;
  if (status.state == "running" || status.state == "catching_up") {
    status.events_read = rebuild_events_.load(std::memory_order_relaxed);
    status.events_target = rebuild_target_events_.load(std::memory_order_relaxed);
  }
  return status;
}

RebuildStatus Projector::GetRebuildStatus() const {
  absl::MutexLock lock(&mu_);
  return CurrentRebuild();
}

RebuildStatus Projector::GetRebuildStatus(const std::string& scope) const {
  absl::MutexLock lock(&mu_);
  if (rebuild_status_.scope == scope &&
      (rebuild_status_.state == "running" || rebuild_status_.state == "catching_up")) {
    return CurrentRebuild();
  }
  for (const RebuildStatus& queued : rebuild_queue_) {
    if (queued.scope == scope) return queued;
  }
  if (auto it = rebuild_ended_.find(scope); it != rebuild_ended_.end()) return it->second;
  return RebuildStatus{.state = "idle", .scope = scope};
}

RebuildOverview Projector::GetRebuildOverview() const {
  absl::MutexLock lock(&mu_);
  RebuildOverview o{.latest = CurrentRebuild(),
                    .queue = {rebuild_queue_.begin(), rebuild_queue_.end()},
                    .queue_limit = options_.max_queued_rebuilds};
  if (o.latest.state == "running" || o.latest.state == "catching_up") o.running = o.latest;
  return o;
}

// On the rebuild thread: each rebuild StartNextRebuild makes current, one at a time; the
// next starts when the applier adopted this one (or it failed).
void Projector::RunRebuilds() {
  while (true) {
    std::string scope;
    uint64_t target;
    {
      absl::MutexLock lock(&mu_);
      while (!stop_ && (rebuild_status_.state != "running" || rebuild_replaying_ ||
                        hold_rebuilds_)) {
        cv_.Wait(&mu_);
      }
      if (stop_) return;
      rebuild_replaying_ = true;
      scope = rebuild_status_.scope;
      target = rebuild_status_.target_position;
    }
    RunRebuild(scope == "*" ? std::string() : scope, target);
  }
}

// On the rebuild thread: the "green" models, up to `target`, while "blue" keeps serving.
void Projector::RunRebuild(std::string org, uint64_t target) {
  ReplayOptions o{.until = target,
                  .organization_id = org,
                  .events_read = &rebuild_events_,
                  .events_total = org.empty() ? nullptr : &rebuild_target_events_,
                  .cancel = &cancel_rebuild_,
                  .now_micros = clock_->NowMicros()};
  absl::StatusOr<TenantMap> tenants = ReplayTenants(*store_, o);
  absl::MutexLock lock(&mu_);
  if (!tenants.ok()) {
    rebuild_status_.state = "failed";
    rebuild_status_.error = tenants.status().ToString();
    EndRebuild();
    return;
  }
  if (!org.empty() && !tenants->contains(org)) {
    (*tenants)[org] = TenantProjection::WithDefaults(org);
  }
  rebuilt_ = std::make_unique<TenantMap>(*std::move(tenants));
  rebuild_status_.state = "catching_up";
  cv_.SignalAll();
}

// On the applier thread: catches the rebuilt models up with the events applied since the
// rebuild's target and swaps them in.
void Projector::AdoptRebuild() {
  std::unique_ptr<TenantMap> rebuilt;
  std::string scope;
  uint64_t from;
  {
    absl::MutexLock lock(&mu_);
    if (!rebuilt_) return;
  }
  PublishApplied();  // the rebuilt models catch up to AppliedPosition(): it must be the models'
  {
    absl::MutexLock lock(&mu_);
    rebuilt = std::move(rebuilt_);
    scope = rebuild_status_.scope;
    from = rebuild_status_.target_position;
  }
  int64_t now = clock_->NowMicros();
  absl::Status s = store_->ReadRange(from, AppliedPosition(), [&](const store::StoredEvent& e) {
    if (scope == "*" || e.organization_id == scope) ApplyStored(e, *rebuilt, now);
    return true;
  });
  if (s.ok()) {
    READSIDE_CRASH_POINT("rebuild.swap.before");
    if (scope == "*") {
      tenants_ = std::move(*rebuilt);
    } else {
      tenants_[scope] = std::move((*rebuilt)[scope]);
    }
    PublishAll();
    READSIDE_CRASH_POINT("rebuild.swap.after");
  }
  absl::MutexLock lock(&mu_);
  if (!s.ok()) {
    rebuild_status_.state = "failed";
    rebuild_status_.error = s.ToString();
  } else {
    rebuild_status_.state = "done";
  }
  EndRebuild();
}

void Projector::RunApplierTasks() {
  std::vector<std::function<void()>> tasks;
  {
    absl::MutexLock lock(&mu_);
    if (applier_tasks_.empty()) return;
    tasks.swap(applier_tasks_);
  }
  for (std::function<void()>& task : tasks) task();
}

}  // namespace readside::projection
