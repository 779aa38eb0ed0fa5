#include "sink/redis_sink.h"

#include <pthread.h>

#include <algorithm>
#include <vector>

#include "common/json_writer.h"
#include "common/metrics.h"
#include "query/analytics.h"
#include "spdlog/spdlog.h"

namespace readside::sink {
namespace {

using Change = projection::Projector::TenantChange;
using query::Section;

constexpr Section kSections[] = {Section::kCrm,       Section::kHrm,      Section::kFinance,
                                 Section::kInventory, Section::kProjects, Section::kCross};

// The domains (business-domain bits) a TenantChange's bits can affect.
query::DomainMask DomainsOf(uint8_t changed) {
  return changed == Change::kEverything ? query::kAllDomains
                                        : static_cast<query::DomainMask>(changed & query::kAllDomains);
}

std::chrono::milliseconds RefreshInterval(const RedisSinkOptions& o) {
  if (o.refresh_interval.count() > 0) return o.refresh_interval;
  return std::chrono::milliseconds(std::max<int64_t>(o.ttl_seconds * 1000 / 3, 1000));
}

}  // namespace

std::string AnalyticsKey(std::string_view org, Section section, const projection::Period& period) {
  std::string key(org);
  key += ":analytics:";
  key += query::SectionName(section);
  key += ':';
  key += projection::FormatPeriod(period);
  return key;
}

std::string UpdatesChannel(std::string_view org) { return std::string(org) + ":updates"; }

RedisSink::RedisSink(projection::Projector* projector, const Clock* clock,
                     RedisSinkOptions options)
    : projector_(projector),
      clock_(clock),
      options_(std::move(options)),
      client_(options_.client),
      breaker_(options_.breaker, clock) {}

RedisSink::~RedisSink() { Stop(); }

void RedisSink::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rs-redis");
    Run();
  });
}

void RedisSink::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    cv_.Signal();
  }
  if (thread_.joinable()) thread_.join();
  client_.Close();
}

void RedisSink::OnPublished(uint64_t, std::span<const Change> tenants, bool all) {
  absl::MutexLock lock(&mu_);
  if (all) {
    all_ = true;
  } else {
    for (const Change& t : tenants) {
      query::DomainMask domains = DomainsOf(t.changed);
      if (domains != 0) dirty_[t.org] |= domains;
    }
  }
  dirty_count_.store(dirty_.size(), std::memory_order_relaxed);
  cv_.Signal();
}

void RedisSink::Run() {
  const int64_t min_interval = std::chrono::nanoseconds(options_.min_interval).count();
  const int64_t ping = std::chrono::nanoseconds(options_.ping_interval).count();
  const int64_t refresh = std::chrono::nanoseconds(RefreshInterval(options_)).count();
  int64_t now = clock_->MonotonicNanos();
  int64_t next_round = now, next_ping = now + ping, next_refresh = now + refresh;
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    now = clock_->MonotonicNanos();
    if (now >= next_refresh) {
      all_ = true;
      next_refresh = now + refresh;
    }
    bool work = all_ || !dirty_.empty();
    // When the breaker is open nothing goes to Redis; the work waits for its probe.
    int64_t allowed_at = std::max(next_round, now + breaker_.RetryInMicros() * 1000);
    int64_t due = std::max(allowed_at, work ? now : next_ping);
    if (now < due) {
      cv_.WaitWithTimeout(&mu_, absl::Nanoseconds(std::min(due, next_refresh) - now));
      continue;
    }
    bool all = all_;
    Dirty dirty = std::move(dirty_);
    all_ = false;
    dirty_.clear();
    mu_.Unlock();
    next_round = now + min_interval;
    bool allowed = breaker_.Allow();  // true: RetryInMicros() was 0; half-open when it was open
    RecordOutcome(allowed ? Round(all, dirty) : absl::UnavailableError("breaker open"));
    next_ping = clock_->MonotonicNanos() + ping;
    mu_.Lock();
    // What was not written goes back, merged with what changed meanwhile.
    all_ |= all;
    for (auto& [org, domains] : dirty) dirty_[org] |= domains;
    dirty_count_.store(dirty_.size(), std::memory_order_relaxed);
  }
}

void RedisSink::RecordOutcome(const absl::Status& s) {
  if (s.ok()) {
    breaker_.RecordSuccess();
  } else {
    failures_.fetch_add(1, std::memory_order_relaxed);
    CircuitBreaker::State before = breaker_.state();
    breaker_.RecordFailure();
    if (breaker_.state() != before && breaker_.state() == CircuitBreaker::State::kOpen) {
      spdlog::warn("redis sink: {}; circuit breaker open for {} ms", std::string(s.message()),
                   breaker_.backoff_micros() / 1000);
    }
  }
  if (up_.exchange(s.ok(), std::memory_order_relaxed) != s.ok() && s.ok()) {
    spdlog::info("redis sink: connected to {}", options_.client.endpoint.ToString());
  }
  breaker_state_.store(static_cast<int>(breaker_.state()), std::memory_order_relaxed);
  transitions_.store(breaker_.transitions(), std::memory_order_relaxed);
}

absl::Status RedisSink::Round(bool& all, Dirty& dirty) {
  if (!client_.connected()) {
    if (absl::Status s = client_.Connect(); !s.ok()) return s;
    all = true;  // a new connection: Redis may have lost every key (restarted, failed over)
  }
  if (all) {
    std::shared_ptr<const projection::ModelSnapshot> snapshot = projector_->Current();
    for (const auto& [org, _] : snapshot->tenants) dirty[org] = query::kAllDomains;
  }
  if (dirty.empty()) return client_.Pipeline({{"PING"}});
  std::vector<std::pair<std::string, query::DomainMask>> tenants(dirty.begin(), dirty.end());
  std::sort(tenants.begin(), tenants.end());
  size_t step = std::max<size_t>(options_.tenants_per_pipeline, 1);
  for (size_t begin = 0; begin < tenants.size(); begin += step) {
    size_t end = std::min(tenants.size(), begin + step);
    if (absl::Status s = WriteTenants({tenants.data() + begin, end - begin}); !s.ok()) {
      for (size_t i = 0; i < begin; ++i) dirty.erase(tenants[i].first);  // those are written
      return s;
    }
  }
  rounds_.fetch_add(1, std::memory_order_relaxed);
  if (all) full_rounds_.fetch_add(1, std::memory_order_relaxed);
  all = false;
  dirty.clear();
  return absl::OkStatus();
}

absl::Status RedisSink::WriteTenants(
    std::span<const std::pair<std::string, query::DomainMask>> tenants) {
  const std::string ttl = std::to_string(options_.ttl_seconds);
  const int64_t now_micros = clock_->NowMicros();
  const bool stale = projector_->Stale();
  std::vector<RedisCommand> commands;
  uint64_t keys = 0;
  for (const auto& [org, domains] : tenants) {
    projection::Projector::TenantRead read = projector_->Read(org);
    projection::LocalCalendar calendar = read.view->calendar;  // DayOf caches: a copy
    projection::DayNumber today = calendar.DayOf(now_micros);
    const projection::Period periods[] = {
        projection::PeriodContaining(projection::Granularity::kMonth, today),
        projection::PeriodContaining(projection::Granularity::kQuarter, today)};
    JsonBuilder message;
    message.BeginObject()
        .Key("organization_id").String(org)
        .Key("position").Int(static_cast<int64_t>(read.position))
        .Key("domains").BeginArray();
    for (Section section : kSections) {
      if ((query::SectionSources(section) & domains) == 0) continue;
      message.String(query::SectionName(section));
      for (const projection::Period& period : periods) {
        // What GET /analytics/<domain>/…/{org}?period=P answers a caller who reads everything.
        query::AnalyticsRequest q{*read.view, period, now_micros, stale, query::kAllDomains};
        commands.push_back({"SET", AnalyticsKey(org, section, period),
                            query::SectionBody(section, q), "EX", ttl});
        ++keys;
      }
    }
    message.EndArray().Key("periods").BeginArray();
    for (const projection::Period& period : periods) message.String(projection::FormatPeriod(period));
    message.EndArray().EndObject();
    commands.push_back({"PUBLISH", UpdatesChannel(org), message.Take()});
  }
  if (absl::Status s = client_.Pipeline(commands); !s.ok()) return s;
  keys_written_.fetch_add(keys, std::memory_order_relaxed);
  publishes_.fetch_add(tenants.size(), std::memory_order_relaxed);
  return absl::OkStatus();
}

RedisSinkStats RedisSink::Stats() const {
  return {.up = up_.load(std::memory_order_relaxed),
          .breaker = static_cast<CircuitBreaker::State>(breaker_state_.load()),
          .keys_written = keys_written_.load(),
          .publishes = publishes_.load(),
          .failures = failures_.load(),
          .breaker_transitions = transitions_.load(),
          .rounds = rounds_.load(),
          .full_rounds = full_rounds_.load(),
          .dirty_tenants = dirty_count_.load()};
}

void RedisSink::RegisterMetrics(MetricsRegistry* metrics) const {
  metrics->Add([this](std::string* out) {
    RedisSinkStats st = Stats();
    out->append(
        "# HELP readside_redis_breaker_state the Redis sink's circuit breaker: 0 closed, 1 "
        "open, 2 half-open\n# TYPE readside_redis_breaker_state gauge\n");
    out->append("readside_redis_breaker_state " + std::to_string(static_cast<int>(st.breaker)) +
                "\n");
    RenderCounter("readside_redis_breaker_transitions_total",
                  "state changes of the Redis sink's circuit breaker", st.breaker_transitions, out);
    RenderCounter("readside_redis_keys_written_total", "read-model keys SET in Redis",
                  st.keys_written, out);
    RenderCounter("readside_redis_publishes_total", "messages PUBLISHed on {org}:updates",
                  st.publishes, out);
    RenderCounter("readside_redis_failures_total",
                  "failed rounds (connect, timeout or error reply)", st.failures, out);
    RenderGauge("readside_redis_dirty_tenants", "tenants changed and not yet written to Redis",
                static_cast<double>(st.dirty_tenants), out);
  });
}

}  // namespace readside::sink
