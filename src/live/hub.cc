#include "live/hub.h"

#include <pthread.h>

#include <algorithm>
#include <limits>

#include "common/json_writer.h"
#include "dashboard/dashboards.h"
#include "dashboard/widget_rules.h"
#include "projection/projector.h"
#include "query/analytics.h"

namespace readside::live {

using own_state::Dashboard;
using own_state::Widget;

std::string TopicSpec::Key() const {
  std::string key = organization_id;
  if (kind == kAnalytics) {
    key += "|a|";
    key += query::SectionName(section);
    key += '|';
    key += projection::FormatPeriod(period);
    if (section == query::Section::kCross) {
      key += '|';
      key += std::to_string(readable & query::kAllDomains);
    }
  } else {
    key += "|w|";
    key += dashboard_id;
    key += '|';
    key += widget_id;
  }
  return key;
}

struct Hub::Topic {
  TopicSpec spec;
  std::string key;
  std::string period_text;  // analytics: FormatPeriod(spec.period)
  std::vector<std::pair<std::shared_ptr<Listener>, uint64_t>> subscribers;
  std::shared_ptr<const Publication> latest;
  std::vector<std::string> values;  // analytics: each metric's JSON, in the body's order
  std::string widget_state;         // widgets: what decides whether it changed
  uint64_t seq = 0;
  int64_t last_render_nanos = std::numeric_limits<int64_t>::min() / 2;
  query::DomainMask sources = 0;  // widgets: the domains of the last rendering (0: unknown)
  bool dirty = false;  // in dirty_
  bool gone = false;   // dropped from topics_
};

struct Hub::Rendering {
  uint64_t position = 0;
  std::vector<query::MetricText> metrics;  // analytics
  // widgets
  bool deleted = false;
  std::string cached_data, error;
  query::DomainMask sources = 0;
  std::shared_ptr<const Dashboard> dashboard;
};

Hub::Hub(projection::Projector* projector, const Clock* clock, HubOptions options)
    : projector_(projector), clock_(clock), options_(options) {}

Hub::~Hub() { Stop(); }

void Hub::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rs-live");
    Run();
  });
}

void Hub::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    cv_.Signal();
  }
  if (thread_.joinable()) thread_.join();
  // Subscribers left (connections torn down without closing, at exit) hold their topics and
  // the topics them: break those cycles.
  absl::MutexLock lock(&mu_);
  for (auto& [_, t] : topics_) t->subscribers.clear();
  topics_.clear();
  by_org_.clear();
  dirty_.clear();
}

void Hub::OnPublished(uint64_t, std::span<const projection::Projector::TenantChange> tenants,
                      bool all) {
  absl::MutexLock lock(&mu_);
  if (topics_.empty()) return;  // nobody listens: nothing to record
  if (all) {
    all_changed_ = true;
  } else {
    for (const auto& t : tenants) {
      if (by_org_.contains(t.org)) changed_.emplace_back(t.org, t.changed);
    }
  }
  cv_.Signal();
}

bool Hub::Affects(const Topic& t, uint8_t changed) {
  using Change = projection::Projector::TenantChange;
  if (changed == Change::kEverything) return true;
  if (t.spec.kind == TopicSpec::kAnalytics) {
    return (changed & query::SectionSources(t.spec.section)) != 0;
  }
  // A widget: its dashboard may have changed (own state), or the domains its metric reads.
  return (changed & Change::kOwnState) != 0 || t.sources == 0 || (changed & t.sources) != 0;
}

Hub::TopicHandle Hub::Subscribe(const TopicSpec& spec, std::shared_ptr<Listener> listener,
                                uint64_t sub_id) {
  std::string key = spec.Key();
  absl::MutexLock lock(&mu_);
  TopicHandle& topic = topics_[key];
  if (!topic) {
    topic = std::make_shared<Topic>();
    topic->spec = spec;
    topic->key = key;
    if (spec.kind == TopicSpec::kAnalytics) topic->period_text = projection::FormatPeriod(spec.period);
    by_org_[spec.organization_id].push_back(topic);
  }
  bool present = false;
  for (const auto& [l, id] : topic->subscribers) present |= l.get() == listener.get() && id == sub_id;
  if (!present) {
    topic->subscribers.emplace_back(listener, sub_id);
    ++subscriptions_;
  }
  if (topic->latest) {
    listener->Offer(sub_id, topic->latest);
  } else {
    MarkDirty(topic);
    cv_.Signal();
  }
  return topic;
}

void Hub::Unsubscribe(const TopicHandle& topic, const Listener* listener, uint64_t sub_id) {
  absl::MutexLock lock(&mu_);
  auto& subs = topic->subscribers;
  for (size_t i = 0; i < subs.size(); ++i) {
    if (subs[i].first.get() == listener && subs[i].second == sub_id) {
      subs[i] = std::move(subs.back());
      subs.pop_back();
      --subscriptions_;
      break;
    }
  }
  if (!subs.empty() || topic->gone) return;
  topic->gone = true;
  topics_.erase(topic->key);
  auto it = by_org_.find(topic->spec.organization_id);
  if (it != by_org_.end()) {
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), topic), list.end());
    if (list.empty()) by_org_.erase(it);
  }
}

void Hub::MarkDirty(const TopicHandle& t) {
  if (t->dirty) return;
  t->dirty = true;
  dirty_.push_back(t);
}

HubStats Hub::Stats() const {
  absl::MutexLock lock(&mu_);
  return {.topics = topics_.size(),
          .subscriptions = subscriptions_,
          .renders = renders_.load(),
          .publications = publications_.load()};
}

void Hub::Run() {
  const int64_t interval = std::chrono::nanoseconds(options_.min_interval).count();
  const int64_t refresh = std::chrono::nanoseconds(options_.refresh_interval).count();
  int64_t next_sweep = clock_->MonotonicNanos() + refresh / 4;
  std::vector<TopicHandle> due;
  std::vector<Rendering> rendered;
  std::vector<std::pair<std::shared_ptr<const Publication>, Subscribers>> fan_out;
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    if (all_changed_) {
      for (auto& [_, t] : topics_) MarkDirty(t);
    } else {
      for (const auto& [org, changed] : changed_) {
        auto it = by_org_.find(org);
        if (it == by_org_.end()) continue;
        for (const TopicHandle& t : it->second) {
          if (Affects(*t, changed)) MarkDirty(t);
        }
      }
    }
    all_changed_ = false;
    changed_.clear();

    int64_t now = clock_->MonotonicNanos();
    if (now >= next_sweep) {  // values that move with time alone
      for (auto& [_, t] : topics_) {
        if (now - t->last_render_nanos >= refresh) MarkDirty(t);
      }
      next_sweep = now + refresh / 4;
    }
    int64_t next = next_sweep;
    due.clear();
    for (size_t i = 0; i < dirty_.size();) {
      TopicHandle& t = dirty_[i];
      int64_t at = t->last_render_nanos + interval;
      if (t->gone || at <= now) {
        if (!t->gone) {
          t->last_render_nanos = now;
          due.push_back(t);
        }
        t->dirty = false;
        t = std::move(dirty_.back());
        dirty_.pop_back();
      } else {
        next = std::min(next, at);
        ++i;
      }
    }
    if (due.empty()) {
      cv_.WaitWithTimeout(&mu_, absl::Nanoseconds(std::max<int64_t>(next - now, 0)));
      continue;
    }
    // Render and fan out without the lock: subscriptions and the projector's notifications
    // go on meanwhile.
    mu_.Unlock();
    int64_t now_micros = clock_->NowMicros();
    rendered.clear();
    for (const TopicHandle& t : due) rendered.push_back(Render(*t, now_micros));
    mu_.Lock();
    fan_out.clear();
    for (size_t i = 0; i < due.size(); ++i) {
      if (due[i]->gone) continue;
      if (auto pub = Publish(*due[i], rendered[i])) fan_out.emplace_back(pub, due[i]->subscribers);
    }
    mu_.Unlock();
    for (const auto& [pub, subscribers] : fan_out) {
      for (const auto& [listener, id] : subscribers) listener->Offer(id, pub);
    }
    fan_out.clear();  // the listeners' references go outside the lock
    mu_.Lock();
  }
}

Hub::Rendering Hub::Render(const Topic& topic, int64_t now_micros) const {
  renders_.fetch_add(1, std::memory_order_relaxed);
  const TopicSpec& spec = topic.spec;
  projection::Projector::TenantRead read = projector_->Read(spec.organization_id);
  Rendering r;
  r.position = read.position;
  if (spec.kind == TopicSpec::kAnalytics) {
    query::AnalyticsRequest q{*read.view, spec.period, now_micros, projector_->Stale(),
                              spec.readable};
    r.metrics = query::SectionMetricTexts(spec.section, q);
    return r;
  }
  const projection::DashboardBook& book = *read.view->dashboards;
  if (spec.dashboard_id == own_state::kDefaultDashboardId) {
    r.dashboard = std::make_shared<const Dashboard>(
        dashboard::DefaultDashboard(book, spec.organization_id));
  } else if (auto it = book.dashboards.find(spec.dashboard_id); it != book.dashboards.end()) {
    r.dashboard = it->second;
  }
  const Widget* widget = nullptr;
  if (r.dashboard) {
    for (const Widget& w : r.dashboard->widgets) {
      if (w.id == spec.widget_id) widget = &w;
    }
  }
  if (widget == nullptr) {
    r.deleted = true;
    return r;
  }
  r.sources = dashboard::WidgetSources(*widget);
  JsonBuilder j;
  if (auto error = dashboard::WriteCachedData(*widget, *read.view, now_micros, j)) r.error = *error;
  r.cached_data = j.Take();
  return r;
}

namespace {

JsonBuilder& WidgetHead(JsonBuilder& j, const TopicSpec& spec, uint64_t position) {
  return j.BeginObject()
      .Key("type").String("widget")
      .Key("widget_id").String(spec.widget_id)
      .Key("dashboard_id").String(spec.dashboard_id)
      .Key("position").Int(static_cast<int64_t>(position));
}

std::shared_ptr<const std::string> Shared(JsonBuilder& j) {
  return std::make_shared<const std::string>(j.Take());
}

}  // namespace

std::shared_ptr<const Publication> Hub::Publish(Topic& topic, Rendering& r) {
  if (topic.latest && r.position < topic.latest->position) return nullptr;  // an older rendering
  auto pub = std::make_shared<Publication>();
  pub->position = r.position;
  const TopicSpec& spec = topic.spec;
  if (spec.kind == TopicSpec::kAnalytics) {
    std::vector<size_t> changed;
    bool same_shape = topic.values.size() == r.metrics.size();
    for (size_t i = 0; i < r.metrics.size(); ++i) {
      if (!same_shape || topic.values[i] != r.metrics[i].json) changed.push_back(i);
    }
    if (topic.latest && changed.empty()) return nullptr;
    auto message = [&](bool full) {
      JsonBuilder j;
      j.BeginObject()
          .Key("type").String("update")
          .Key("domain").String(query::SectionName(spec.section))
          .Key("period").String(topic.period_text)
          .Key("position").Int(static_cast<int64_t>(r.position))
          .Key("full").Bool(full)
          .Key("metrics").BeginObject();
      if (full) {
        for (const query::MetricText& m : r.metrics) j.Key(m.name).Raw(m.json);
      } else {
        for (size_t i : changed) j.Key(r.metrics[i].name).Raw(r.metrics[i].json);
      }
      j.EndObject().EndObject();
      return Shared(j);
    };
    pub->full = message(true);
    if (topic.latest) pub->diff = message(false);
    topic.values.resize(r.metrics.size());
    for (size_t i = 0; i < r.metrics.size(); ++i) topic.values[i] = std::move(r.metrics[i].json);
  } else {
    std::string state = r.deleted ? std::string("\x1f" "deleted")
                                  : r.cached_data + '\x1f' + r.error + '\x1f' +
                                        std::to_string(r.sources) + '\x1f' +
                                        std::to_string(r.dashboard->version);
    if (!r.deleted) topic.sources = r.sources;
    if (topic.latest && state == topic.widget_state) return nullptr;
    topic.widget_state = std::move(state);
    if (r.deleted) {
      JsonBuilder j;
      WidgetHead(j, spec, r.position).Key("deleted").Bool(true).EndObject();
      pub->full = pub->forbidden = Shared(j);
      pub->final = true;
    } else {
      JsonBuilder j;
      WidgetHead(j, spec, r.position);
      if (!r.error.empty()) j.Key("error").String(r.error);
      j.Key("cached_data").Raw(r.cached_data).EndObject();
      pub->full = Shared(j);
      JsonBuilder f;
      WidgetHead(f, spec, r.position).Key("forbidden").Bool(true).EndObject();
      pub->forbidden = Shared(f);
      pub->sources = r.sources;
      pub->dashboard = std::move(r.dashboard);
    }
  }
  pub->seq = ++topic.seq;
  topic.latest = pub;
  publications_.fetch_add(1, std::memory_order_relaxed);
  return topic.latest;
}

}  // namespace readside::live

namespace readside::live {

void Hub::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    HubStats st = Stats();
    RenderGauge("readside_ws_connections", "open live-update (WebSocket) connections",
                static_cast<double>(connections.load()), out);
    RenderCounter("readside_ws_dropped_messages_total",
                  "live updates never sent: replaced by a newer one before a slow client took "
                  "them, or pending when a client that did not read was closed",
                  messages_coalesced.load() + messages_dropped_on_close.load(), out);
    RenderGauge("readside_live_subscriptions", "live subscriptions over every connection",
                static_cast<double>(st.subscriptions), out);
    RenderGauge("readside_live_topics",
                "distinct things subscribed to (tenant, domain, period / widget), each rendered "
                "once per change",
                static_cast<double>(st.topics), out);
    RenderCounter("readside_live_renders_total", "topic renderings after a publication",
                  st.renders, out);
    RenderCounter("readside_live_publications_total", "renderings that changed something",
                  st.publications, out);
    RenderCounter("readside_live_messages_sent_total", "messages written to live connections",
                  messages_sent.load(), out);
    RenderCounter("readside_live_messages_coalesced_total",
                  "updates replaced by a newer one before a slow client took them",
                  messages_coalesced.load(), out);
    RenderCounter("readside_live_slow_closed_total",
                  "live connections torn down for not reading (--live-send-timeout-ms)",
                  slow_closed.load(), out);
  });
}

}  // namespace readside::live
