#include "projection/projector_testing.h"

#include <chrono>
#include <future>

#include "projection/tenant_projection.h"

namespace readside::projection::testing {

template <typename Change>
bool ProjectorPeer::OnApplier(Projector& p, const std::string& org, Change change) {
  auto done = std::make_shared<std::promise<bool>>();
  std::future<bool> result = done->get_future();
  {
    absl::MutexLock lock(&p.mu_);
    p.applier_tasks_.push_back([&p, org, change, done] {
      p.PublishApplied();
      auto it = p.tenants_.find(org);
      if (it == p.tenants_.end() || !it->second) return done->set_value(false);
      change(*it->second);
      p.unpublished_[org] |= Projector::TenantChange::kEverything;
      p.unpublished_position_ = p.AppliedPosition();
      p.publication_pending_ = true;
      p.PublishApplied();
      done->set_value(true);
    });
  }
  p.cv_.SignalAll();
  return result.wait_for(std::chrono::seconds(10)) == std::future_status::ready && result.get();
}

bool ProjectorPeer::CorruptForTest(Projector& projector, const std::string& org, S series,
                                   DayNumber day, int64_t delta) {
  return OnApplier(projector, org, [series, day, delta](TenantProjection& t) {
    t.model_.Add(series, day, delta);
  });
}

bool ProjectorPeer::CorruptKeyedForTest(Projector& projector, const std::string& org, K family,
                                        const std::string& key, DayNumber day, int64_t delta) {
  return OnApplier(projector, org, [family, key, day, delta](TenantProjection& t) {
    t.model_.AddKeyed(family, key, day, delta);
  });
}

void ProjectorPeer::HoldRebuilds(Projector& projector, bool hold) {
  {
    absl::MutexLock lock(&projector.mu_);
    projector.hold_rebuilds_ = hold;
  }
  projector.cv_.SignalAll();
}

}  // namespace readside::projection::testing
