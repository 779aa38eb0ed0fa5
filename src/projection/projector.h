#pragma once
// The applier: follows the event store in position order, applies every event to its
// tenant's read model and publishes an immutable ModelSnapshot (all tenants' views and the
// position they reflect) after each batch. Readers take the current snapshot with one atomic
// load and never lock against the applier.
//
// Tenant settings (`readside.tenant.configured` events) apply to the tenant's whole history:
// when one is applied, the tenant's model is rebuilt from the store with the new settings.
//
// Thread-safety: all public methods are safe from any thread. One applier thread
// (`rs-projector`) owns the mutable models.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/clock.h"
#include "projection/tenant_view.h"

namespace readside::store { class EventStore; }

namespace readside::projection {

class TenantProjection;

struct ModelSnapshot {
  uint64_t position = 0;  // every event up to here is applied
  absl::flat_hash_map<std::string, std::shared_ptr<const TenantView>> tenants;
};

struct ProjectorOptions {
  // Events read and applied between two publications. Smaller: fresher views; larger: less
  // publication overhead.
  size_t batch_events = 8192;
  // A view is reported stale when the applier has been behind the store for this long.
  std::chrono::milliseconds stale_after{2000};
};

class Projector {
 public:
  Projector(store::EventStore* store, const Clock* clock, ProjectorOptions options = {});
  ~Projector();  // stops the applier
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  // Starts the applier thread, which first catches up with the store.
  void Start();
  void Stop();

  std::shared_ptr<const ModelSnapshot> Current() const;
  // The tenant's current view, and the position of the snapshot it was taken from (every
  // event up to it is reflected). A tenant without events gets an empty view with default
  // settings: its metrics are all zero.
  struct TenantRead {
    std::shared_ptr<const TenantView> view;
    uint64_t position = 0;
  };
  TenantRead Read(const std::string& org) const;
  uint64_t AppliedPosition() const { return applied_.load(std::memory_order_acquire); }
  // True once the applier has caught up with what the store held at Start().
  bool Ready() const { return ready_.load(std::memory_order_acquire); }
  // True when the applier has been behind the store for longer than options.stale_after.
  bool Stale() const;
  // Blocks until AppliedPosition() >= position or the timeout passes; returns whether reached.
  bool WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const;
  // Calls done(true) once AppliedPosition() >= position, or done(false) when the timeout
  // passes first or the projector stops. Runs `done` inline when already applied, otherwise
  // on the applier thread: it must be quick.
  void WhenApplied(uint64_t position, std::chrono::milliseconds timeout,
                   std::function<void(bool)> done);
  // Events applied since start (for /metrics).
  uint64_t EventsApplied() const { return events_applied_.load(std::memory_order_relaxed); }

 private:
  void Run();
  void FireWaiters(bool stopping);
  void ApplyBatch(uint64_t until);
  std::unique_ptr<TenantProjection> Rebuild(const TenantSettings& settings, uint64_t before);

  store::EventStore* store_;
  const Clock* clock_;
  ProjectorOptions options_;
  std::atomic<uint64_t> applied_{0};
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> events_applied_{0};
  std::atomic<int64_t> behind_since_nanos_{0};  // 0 when caught up
  uint64_t start_target_ = 0;
  std::atomic<std::shared_ptr<const ModelSnapshot>> current_;

  // Applier-thread state.
  absl::flat_hash_map<std::string, std::unique_ptr<TenantProjection>> tenants_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // applied_ advanced, or new events, or stop
  uint64_t stored_ = 0;                 // guarded by mu_
  bool stop_ = false;                   // guarded by mu_
  struct Waiter {
    uint64_t position;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> done;
  };
  std::vector<Waiter> waiters_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace readside::projection
