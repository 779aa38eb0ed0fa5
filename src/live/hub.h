#pragma once
// The live hub: what every live connection is subscribed to, kept as topics — one per
// (tenant, domain, period[, the cross metrics a caller sees]) for analytics, one per (tenant,
// dashboard, widget) for widgets — however many connections share them.
//
// After the projector publishes (OnPublished, applier thread: it only records what changed),
// the hub's thread (`rs-live`) re-renders the topics the change can affect — an analytics
// topic when a domain its section reads changed, a widget when the domains of its metric or
// the tenant's dashboards changed — once per topic whatever its number of subscribers,
// compares with what it rendered last, and hands the same bytes to every subscriber
// (Listener::Offer) when something changed. A topic is rendered at most once per
// `min_interval` (default 100 ms: 10 messages/s); changes in between are merged into the
// next rendering (the latest state wins). Every topic is also rendered again after
// `refresh_interval` without one, for the values that move with time alone (an "as of now"
// invoices_overdue, the current month of a widget). Work per publication is proportional to
// the affected topics, not to the subscribers.
//
// Thread-safety: every public member is safe from any thread. Offer is called from the hub's
// thread without its lock; it may come just after Unsubscribe returned (a listener ignores
// subscriptions it no longer has), and must not call back into the hub.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "own_state/dashboard.h"
#include "projection/period.h"
#include "projection/projector.h"
#include "query/section.h"


namespace readside::live {

struct TopicSpec {
  enum Kind { kAnalytics, kWidget } kind = kAnalytics;
  std::string organization_id;
  // kAnalytics: the metrics of `section` over `period` that a caller reading `readable` sees
  // (only cross metrics depend on it; Key() folds it away for the other sections).
  query::Section section = query::Section::kCrm;
  projection::Period period;
  query::DomainMask readable = query::kAllDomains;
  // kWidget: one widget of one dashboard ("default": the organization's default).
  std::string dashboard_id, widget_id;

  std::string Key() const;
};

// One rendering of a topic that changed, shared by every subscriber.
struct Publication {
  uint64_t seq = 0;       // 1, 2, … per topic
  uint64_t position = 0;  // every event up to here is reflected
  std::shared_ptr<const std::string> full;  // every metric / the widget's data
  std::shared_ptr<const std::string> diff;  // the metrics changed since seq-1 (null: none)
  // Widgets: a viewer lacking `sources` gets `forbidden` instead of `full`; `dashboard`
  // (null for analytics) is the dashboard as rendered, to re-check that the viewer may read
  // it; `final`: the widget or its dashboard is gone and the subscription ends.
  query::DomainMask sources = 0;
  std::shared_ptr<const std::string> forbidden;
  std::shared_ptr<const own_state::Dashboard> dashboard;
  bool final = false;
};

class Listener {
 public:
  virtual ~Listener() = default;
  // A new publication of the topic subscription `sub_id` is on. Quick, no hub calls.
  virtual void Offer(uint64_t sub_id, const std::shared_ptr<const Publication>& pub) = 0;
};

struct HubOptions {
  std::chrono::milliseconds min_interval{100};  // per topic
  std::chrono::milliseconds refresh_interval{60'000};  // re-render without events after this
};

struct HubStats {
  uint64_t topics = 0;
  uint64_t subscriptions = 0;
  uint64_t renders = 0;       // topic renderings
  uint64_t publications = 0;  // renderings that changed something
};

class Hub {
 public:
  Hub(projection::Projector* projector, const Clock* clock, HubOptions options = {});
  ~Hub();  // Stop()
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  void Start();
  void Stop();

  // The projector's publish listener (Projector::SetPublishListener).
  void OnPublished(uint64_t position,
                   std::span<const projection::Projector::TenantChange> tenants, bool all);

  struct Topic;
  using TopicHandle = std::shared_ptr<Topic>;
  using Subscribers = std::vector<std::pair<std::shared_ptr<Listener>, uint64_t>>;
  // Adds `listener`'s subscription `sub_id` to the topic (made on first use). The topic's
  // latest publication, if it has one, is offered at once; otherwise the topic is rendered
  // right away and its first publication offered.
  TopicHandle Subscribe(const TopicSpec& spec, std::shared_ptr<Listener> listener,
                        uint64_t sub_id);
  // A topic left without subscribers is dropped. An Offer already under way may still come.
  void Unsubscribe(const TopicHandle& topic, const Listener* listener, uint64_t sub_id);

  projection::Projector* projector() const { return projector_; }
  const Clock* clock() const { return clock_; }
  HubStats Stats() const;

  // Connection counters (live/connection.h updates them; /metrics reads them).
  std::atomic<int64_t> connections{0};
  std::atomic<uint64_t> messages_sent{0};
  std::atomic<uint64_t> messages_coalesced{0};  // replaced before they were sent
  std::atomic<uint64_t> slow_closed{0};
  std::atomic<uint64_t> messages_dropped_on_close{0};  // pending when a slow client was closed

  // Renders the live-update metrics (readside_ws_*, readside_live_*) into /metrics.
  void RegisterMetrics(MetricsRegistry* registry) const;

 private:
  void Run();
  // Renders the topic from the current views; returns whether the result differs (then
  // `pub` is the publication, not yet numbered).
  struct Rendering;
  Rendering Render(const Topic& topic, int64_t now_micros) const;
  // Numbers the rendering as the topic's next publication if it changed something; returns
  // it (null: nothing changed).
  std::shared_ptr<const Publication> Publish(Topic& topic, Rendering& r)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether a change of `changed` (TenantChange bits) can affect the topic.
  static bool Affects(const Topic& t, uint8_t changed);
  void MarkDirty(const TopicHandle& t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  projection::Projector* projector_;
  const Clock* clock_;
  HubOptions options_;

  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  absl::flat_hash_map<std::string, TopicHandle> topics_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::vector<TopicHandle>> by_org_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, uint8_t>> changed_ ABSL_GUARDED_BY(mu_);
  bool all_changed_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<TopicHandle> dirty_ ABSL_GUARDED_BY(mu_);  // to render when due
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t subscriptions_ ABSL_GUARDED_BY(mu_) = 0;
  mutable std::atomic<uint64_t> renders_{0};
  std::atomic<uint64_t> publications_{0};
  std::thread thread_;
};

}  // namespace readside::live
