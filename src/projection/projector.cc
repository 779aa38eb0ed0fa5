#include "projection/projector.h"

#include <boost/json.hpp>

#include "event/parser.h"
#include "projection/tenant_projection.h"
#include "spdlog/spdlog.h"
#include "store/event_store.h"

namespace readside::projection {
namespace {

// The settings carried by a readside.tenant.configured event (its payload holds them all).
TenantSettings ParseSettings(const store::StoredEvent& stored) {
  TenantSettings settings;
  settings.organization_id = stored.organization_id;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(stored.json, ec);
  const boost::json::value* payload = ec ? nullptr : v.find_pointer("/data/payload", ec);
  if (payload == nullptr || !payload->is_object()) return settings;
  auto text = [&](std::string_view key, std::string* out) {
    if (const boost::json::value* f = payload->as_object().if_contains(key); f && f->is_string()) {
      *out = std::string(f->as_string());
    }
  };
  text("name", &settings.name);
  text("timezone", &settings.timezone);
  text("currency", &settings.currency);
  return settings;
}

LocalCalendar CalendarOf(const TenantSettings& settings) {
  absl::StatusOr<LocalCalendar> calendar = LocalCalendar::Create(settings.timezone);
  if (calendar.ok()) return *std::move(calendar);
  spdlog::error("tenant {}: {}; using UTC", settings.organization_id,
                std::string(calendar.status().message()));
  return LocalCalendar::Utc();
}

}  // namespace

Projector::Projector(store::EventStore* store, const Clock* clock, ProjectorOptions options)
    : store_(store), clock_(clock), options_(options) {
  current_.store(std::make_shared<const ModelSnapshot>());
}

Projector::~Projector() { Stop(); }

void Projector::Start() {
  start_target_ = store_->LastPosition();
  {
    std::lock_guard lk(mu_);
    stored_ = start_target_;
  }
  if (start_target_ == 0) ready_.store(true, std::memory_order_release);
  store_->AddCommitListener([this](uint64_t last) {
    {
      std::lock_guard lk(mu_);
      stored_ = last;
    }
    cv_.notify_all();
  });
  thread_ = std::thread([this] { Run(); });
}

void Projector::Stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  FireWaiters(true);
}

std::shared_ptr<const ModelSnapshot> Projector::Current() const { return current_.load(); }

Projector::TenantRead Projector::Read(const std::string& org) const {
  std::shared_ptr<const ModelSnapshot> snapshot = Current();
  if (auto it = snapshot->tenants.find(org); it != snapshot->tenants.end()) {
    return {it->second, snapshot->position};
  }
  TenantSettings settings;
  settings.organization_id = org;
  return {ModelBuilder(std::move(settings), LocalCalendar::Utc()).Publish(snapshot->position),
          snapshot->position};
}

void Projector::WhenApplied(uint64_t position, std::chrono::milliseconds timeout,
                            std::function<void(bool)> done) {
  {
    std::lock_guard lk(mu_);
    if (AppliedPosition() < position && !stop_) {
      waiters_.push_back({position, std::chrono::steady_clock::now() + timeout, std::move(done)});
      cv_.notify_all();
      return;
    }
  }
  done(AppliedPosition() >= position);
}

// Answers the waiters whose position is applied or whose deadline passed.
void Projector::FireWaiters(bool stopping) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lk(mu_);
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

bool Projector::Stale() const {
  if (!Ready()) return true;
  int64_t since = behind_since_nanos_.load(std::memory_order_relaxed);
  return since != 0 && clock_->MonotonicNanos() - since >
                           std::chrono::nanoseconds(options_.stale_after).count();
}

bool Projector::WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return AppliedPosition() >= position || stop_; }) &&
         AppliedPosition() >= position;
}

void Projector::Run() {
  while (true) {
    uint64_t target;
    {
      std::unique_lock lk(mu_);
      auto work = [&] { return stop_ || stored_ > AppliedPosition(); };
      while (!work()) {
        if (waiters_.empty()) {
          cv_.wait(lk);
          continue;
        }
        auto deadline = waiters_.front().deadline;
        for (const Waiter& w : waiters_) deadline = std::min(deadline, w.deadline);
        if (cv_.wait_until(lk, deadline) == std::cv_status::timeout) break;
      }
      if (stop_) return;
      target = stored_;
    }
    if (target <= AppliedPosition()) {  // woken for a waiter's deadline
      FireWaiters(false);
      continue;
    }
    if (behind_since_nanos_.load(std::memory_order_relaxed) == 0) {
      behind_since_nanos_.store(clock_->MonotonicNanos(), std::memory_order_relaxed);
    }
    uint64_t from = AppliedPosition();
    ApplyBatch(std::min<uint64_t>(target, from + options_.batch_events));
    if (AppliedPosition() >= target) {
      std::lock_guard lk(mu_);
      if (stored_ <= AppliedPosition()) behind_since_nanos_.store(0, std::memory_order_relaxed);
    }
  }
}

void Projector::ApplyBatch(uint64_t until) {
  event::EventParser parser({.assign_missing_event_id = false});
  event::Event e;
  std::vector<event::FieldError> errors;
  absl::flat_hash_map<std::string, TenantProjection*> touched;
  int64_t now = clock_->NowMicros();
  uint64_t applied = AppliedPosition(), count = 0;
  absl::Status s = store_->ReadRange(applied, until, [&](const store::StoredEvent& stored) {
    applied = stored.position;
    ++count;
    auto& tenant = tenants_[stored.organization_id];
    if (stored.event_type == kTenantConfiguredType) {
      tenant = Rebuild(ParseSettings(stored), stored.position);
    } else {
      if (!tenant) {
        TenantSettings settings;
        settings.organization_id = stored.organization_id;
        tenant = std::make_unique<TenantProjection>(settings, LocalCalendar::Utc());
      }
      errors.clear();
      if (!parser.ParseOne(stored.json, &e, &errors)) {
        spdlog::error("position {}: stored event no longer parses: {} {}", stored.position,
                      errors.empty() ? "" : errors[0].field,
                      errors.empty() ? "" : errors[0].message);
        return true;
      }
      tenant->Apply(e, stored.position, now);
    }
    touched[stored.organization_id] = tenant.get();
    return true;
  });
  if (!s.ok()) {
    spdlog::error("projector: reading the store failed: {}", s.ToString());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return;
  }
  auto next = std::make_shared<ModelSnapshot>(*Current());
  next->position = applied;
  for (const auto& [org, tenant] : touched) next->tenants[org] = tenant->Publish(applied);
  current_.store(std::move(next));
  events_applied_.fetch_add(count, std::memory_order_relaxed);
  {
    std::lock_guard lk(mu_);
    applied_.store(applied, std::memory_order_release);
  }
  if (applied >= start_target_) ready_.store(true, std::memory_order_release);
  cv_.notify_all();
  FireWaiters(false);
}

std::unique_ptr<TenantProjection> Projector::Rebuild(const TenantSettings& settings,
                                                     uint64_t before) {
  auto tenant = std::make_unique<TenantProjection>(settings, CalendarOf(settings));
  event::EventParser parser({.assign_missing_event_id = false});
  event::Event e;
  std::vector<event::FieldError> errors;
  int64_t now = clock_->NowMicros();
  store::EventQuery q{.organization_id = settings.organization_id, .limit = 1000};
  while (true) {
    absl::StatusOr<store::QueryPage> page = store_->Query(q);
    if (!page.ok()) {
      spdlog::error("rebuilding tenant {}: {}", settings.organization_id,
                    page.status().ToString());
      break;
    }
    for (const store::StoredEvent& stored : page->events) {
      if (stored.position >= before) return tenant;
      if (stored.event_type == kTenantConfiguredType) continue;
      errors.clear();
      if (parser.ParseOne(stored.json, &e, &errors)) tenant->Apply(e, stored.position, now);
    }
    if (!page->next) break;
    q.after_position = *page->next;
  }
  return tenant;
}

}  // namespace readside::projection
