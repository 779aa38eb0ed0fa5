#include "app/readside_server.h"

#include <charconv>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include <unistd.h>

#include "app/backup.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "auth/authenticator.h"
#include "common/metrics.h"
#include "common/process_metrics.h"
#include "http/access_log.h"
#include "http/access_policy.h"
#include "http/probe.h"
#include "http/render_pool.h"
#include "http/response_cache.h"
#include "http/routes.h"
#include "http/static_files.h"
#include "ingest/ingest_service.h"
#include "kafka/consumer.h"
#include "kafka/own_state_writer.h"
#include "kafka/producer.h"
#include "own_state/tenant_settings_service.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "projection/lag_probe.h"
#include "projection/consistency_service.h"
#include "projection/projector.h"
#include "live/hub.h"
#include "schedule/scheduler.h"
#include "dashboard/dashboards.h"
#include "schedule/smtp.h"
#include "search/search_follower.h"
#include "sink/redis_sink.h"
#include "store/event_store.h"
#include "trace/trace.h"

namespace readside::app {

absl::Status ParseListen(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return absl::InvalidArgumentError("--listen must be HOST:PORT, got '" + listen + "'");
  }
  *host = listen.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  unsigned p = 0;
  auto r = std::from_chars(listen.data() + colon + 1, listen.data() + listen.size(), p);
  if (r.ec != std::errc() || r.ptr != listen.data() + listen.size() || p > 65535) {
    return absl::InvalidArgumentError("--listen port must be 0..65535, got '" + listen + "'");
  }
  *port = static_cast<uint16_t>(p);
  return absl::OkStatus();
}

std::string NodeId(const std::string& data_dir) {
  std::error_code ec;
  std::string dir = std::filesystem::weakly_canonical(data_dir, ec).string();
  if (ec) dir = data_dir;
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  uint64_t h = 1469598103934665603ull;  // FNV-1a of host and directory
  for (unsigned char c : std::string(host) + ":" + dir) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string DefaultKafkaGroup(const std::string& data_dir) {
  std::error_code ec;
  std::string dir = std::filesystem::weakly_canonical(data_dir, ec).string();
  if (ec) dir = data_dir;
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : dir) h = (h ^ c) * 1099511628211ull;
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("readside-") + host + "-" + std::string(hex, 8);
}

std::string DefaultWebDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  std::filesystem::path beside = exe.parent_path() / "web";
  if (std::filesystem::is_regular_file(beside / "index.html", ec)) return beside.string();
  return (exe.parent_path() / ".." / "share" / "readside" / "web").lexically_normal().string();
}

namespace {

#if defined(READSIDE_CRASH_POINTS)
// Test builds only (like the crash points): READSIDE_TEST_SCHEDULER_CLOCK=<anchor>:<speed>
// runs the report scheduler's clock `speed` times faster than the wall clock from the Unix
// second <anchor> on, so that a crash test sees a due instant of "* * * * *" every few seconds.
// The same wall time gives the same scheduler time after a restart, so it never goes back.
class ScaledClock final : public Clock {
 public:
  ScaledClock(const Clock* base, int64_t anchor_micros, int64_t speed)
      : base_(base), anchor_(anchor_micros), speed_(speed) {}
  int64_t NowMicros() const override {
    return anchor_ + (base_->NowMicros() - anchor_) * speed_;
  }
  int64_t MonotonicNanos() const override { return base_->MonotonicNanos() * speed_; }

 private:
  const Clock* base_;
  int64_t anchor_, speed_;
};
#endif

const Clock* SchedulerClock(const Clock* clock) {
#if defined(READSIDE_CRASH_POINTS)
  const char* spec = std::getenv("READSIDE_TEST_SCHEDULER_CLOCK");
  int64_t anchor = 0, speed = 0;
  if (spec != nullptr && std::sscanf(spec, "%ld:%ld", &anchor, &speed) == 2 && speed >= 1 &&
      anchor > 0) {
    std::fprintf(stderr, "readside: report scheduler clock runs %ldx from %ld "
                         "(READSIDE_TEST_SCHEDULER_CLOCK)\n", speed, anchor);
    static ScaledClock* scaled = new ScaledClock(clock, anchor * 1'000'000, speed);
    return scaled;
  }
#endif
  return clock;
}

// The web app's files from options.web_dir, else from DefaultWebDir() when it exists.
absl::StatusOr<std::unique_ptr<const http::StaticFiles>> LoadWebApp(const ServeOptions& options) {
  std::string dir = options.web_dir.empty() ? DefaultWebDir() : options.web_dir;
  absl::StatusOr<std::unique_ptr<const http::StaticFiles>> files =
      dir.empty() ? absl::NotFoundError("the executable's path is unknown")
                  : http::StaticFiles::Load(dir);
  if (!files.ok() && options.web_dir.empty() && absl::IsNotFound(files.status())) {
    files = std::make_unique<const http::StaticFiles>();
  }
  if (!files.ok()) return files.status();
  if (!options.announce_web_app) {
    // Nothing on stderr (readside demo: its banner leads with the sign-in link and names no
    // directory; when the app is not built, the banner's line under the link says how to build it).
  } else if ((*files)->has_index()) {
    std::fprintf(stderr, "readside: web app from %s (%zu files, %llu KiB)\n", dir.c_str(),
                 (*files)->file_count(),
                 static_cast<unsigned long long>(((*files)->total_bytes() + 1023) >> 10));
  } else {
    std::fprintf(stderr,
                 "readside: the web app is not built (no index.html in %s): / answers how to "
                 "build it\n",
                 dir.empty() ? "?" : dir.c_str());
  }
  return files;
}

// The Redis sink's options from --redis-url and --redis-ttl-seconds; nullopt when off.
absl::StatusOr<std::optional<sink::RedisSinkOptions>> RedisSinkOptionsOf(
    const ServeOptions& options) {
  if (options.redis_url.empty()) return std::nullopt;
  absl::StatusOr<sink::RedisEndpoint> endpoint = sink::ParseRedisUrl(options.redis_url);
  if (!endpoint.ok()) return endpoint.status();
  if (options.redis_ttl_seconds < 1) {
    return absl::InvalidArgumentError("--redis-ttl-seconds must be at least 1, got " +
                                      std::to_string(options.redis_ttl_seconds));
  }
  return sink::RedisSinkOptions{.client = {.endpoint = *endpoint},
                                .ttl_seconds = options.redis_ttl_seconds};
}

// Starts the Redis sink, fed by the projector's publications. REQUIRES: before
// projector->Start().
std::unique_ptr<sink::RedisSink> StartRedisSink(sink::RedisSinkOptions options,
                                                projection::Projector* projector,
                                                const Clock* clock, MetricsRegistry* metrics) {
  auto redis = std::make_unique<sink::RedisSink>(projector, clock, std::move(options));
  projector->AddPublishListener(
      [r = redis.get()](uint64_t position,
                        std::span<const projection::Projector::TenantChange> orgs,
                        bool all) { r->OnPublished(position, orgs, all); });
  redis->RegisterMetrics(metrics);
  redis->Start();
  return redis;
}

}  // namespace

struct ReadsideServer::Impl {
  ServeOptions options;
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<kafka::KafkaProducer> kafka_producer;  // POST /events with Kafka on
  std::unique_ptr<kafka::KafkaConsumer> kafka_consumer;
  std::unique_ptr<kafka::KafkaProducer> kafka_own_producer;  // the own-state topic
  std::unique_ptr<kafka::OwnStateWriter> own_writer;
  std::unique_ptr<projection::Projector> projector;
  std::unique_ptr<projection::LagProbe> lag;  // readside_projection_lag_*, stale answers
  std::unique_ptr<live::Hub> hub;  // live updates, fed by the projector's publications
  std::unique_ptr<sink::RedisSink> redis;  // --redis-url, fed by the same publications
  std::unique_ptr<http::LiveEndpoints> live_endpoints;
  std::unique_ptr<search::SearchFollower> search;  // DATA_DIR/search
  std::unique_ptr<own_state::TenantSettingsService> tenant_settings;
  std::unique_ptr<schedule::SmtpSender> smtp;
  std::unique_ptr<schedule::ReportScheduler> scheduler;
  std::unique_ptr<dashboard::DashboardService> dashboards;
  std::unique_ptr<projection::ConsistencyService> consistency;  // checks, reconciliations
  std::unique_ptr<http::RenderPool> render_pool;  // report exports
  std::unique_ptr<const http::StaticFiles> web;   // the web app's files
  http::ResponseCache cache;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<http::TokenAccess> access;
  std::unique_ptr<http::AccessLog> access_log;
  MetricsRegistry metrics;
  std::unique_ptr<trace::Tracer> tracer;  // --otlp-endpoint; null: tracing off
  http::HttpProbe probe;
  http::Router router;
  std::unique_ptr<http::Gate> gate;
  std::unique_ptr<http::Server> server;
};

ReadsideServer::ReadsideServer(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
ReadsideServer::~ReadsideServer() {
  // Run() has returned: the HTTP threads are stopped. The store goes first: its writer
  // finishes every queued append and releases the callbacks, which hold HTTP sessions, while
  // the HTTP server's io_context still exists; only then is the server destroyed.
  if (!impl_) return;
  impl_->render_pool.reset();  // runs the exports still queued; their answers need the server
  // Answers its waiting checks (503) and stops reading the store before the projector stops.
  if (impl_->consistency) impl_->consistency->Stop();
  // The scheduler first, while Kafka still runs: a run in progress may wait for its intent
  // to come back from the own-state topic.
  if (impl_->scheduler) impl_->scheduler->Stop();  // before the projector it waits on
  // Stores what was consumed, then answers every wait on it (POSTs holding HTTP sessions,
  // own-state changes of the services below, which are still alive), then the producers
  // deliver or fail what is in flight (their callbacks find the consumer stopped and answer
  // at once).
  if (impl_->kafka_consumer) impl_->kafka_consumer->Stop();
  impl_->kafka_producer.reset();
  impl_->kafka_own_producer.reset();
  impl_->dashboards.reset();  // runs its queued work while the store and projector exist
  impl_->ingest.reset();
  impl_->tenant_settings.reset();
  impl_->scheduler.reset();
  if (impl_->lag) impl_->lag->Detach();  // the store may commit after the projector is gone
  if (impl_->projector) impl_->projector->Stop();  // answers pending min_position waits
  if (impl_->hub) impl_->hub->Stop();  // after the projector that feeds it, before it goes
  if (impl_->redis) impl_->redis->Stop();  // likewise
  if (impl_->search) impl_->search->Stop();  // commits, answers pending waits
  impl_->search.reset();
  impl_->projector.reset();
  impl_->hub.reset();
  impl_->redis.reset();
  impl_->store.reset();
  impl_->server.reset();
  impl_->tracer.reset();  // flushes its queue; every span has ended with the store and server
}

absl::Status ReadsideServer::Start() {
  Impl& m = *impl_;
#ifdef NDEBUG
  // Debian's abseil is built without NDEBUG: every absl::Mutex lock would run deadlock
  // detection under one global lock (4 % of the server's time at 35,000 live messages/s).
  // Debug and sanitizer builds keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  http::ServerOptions http_options = m.options.http;
  if (absl::Status s = ParseListen(m.options.listen, &http_options.host, &http_options.port);
      !s.ok()) {
    return s;
  }
  // A bad --redis-url stops the start before anything is opened.
  absl::StatusOr<std::optional<sink::RedisSinkOptions>> redis = RedisSinkOptionsOf(m.options);
  if (!redis.ok()) return redis.status();
  auto authenticator = auth::Authenticator::Create(m.options.keys, m.options.verify);
  if (!authenticator.ok()) return authenticator.status();
  m.authenticator = std::move(*authenticator);
  auto web = LoadWebApp(m.options);
  if (!web.ok()) return web.status();
  m.web = std::move(*web);
  const Clock* clock = &SystemClock::Get();
  auto limit = [&](double rate) {
    return http::RateLimit{rate, std::max(1.0, rate * m.options.rate_limit_burst_seconds)};
  };
  m.access = std::make_unique<http::TokenAccess>(limit(m.options.rate_limit_per_tenant), clock);
  if (m.options.access_log != "off" && !m.options.access_log.empty()) {
    auto log = http::AccessLog::Open(m.options.access_log, clock);
    if (!log.ok()) return log.status();
    m.access_log = std::move(*log);
    m.access_log->RegisterMetrics(&m.metrics);
  }
  // Tracing: off (no span made, nothing allocated) unless --otlp-endpoint is given.
  if (!m.options.otlp_endpoint.empty()) {
    auto tracer = trace::Tracer::Create({.endpoint = m.options.otlp_endpoint,
                                         .headers = m.options.otlp_headers,
                                         .sample_ratio = m.options.otlp_sample_ratio});
    if (!tracer.ok()) return tracer.status();
    m.tracer = std::move(*tracer);
    m.tracer->RegisterMetrics(&m.metrics);
    std::fprintf(stderr, "readside: tracing: spans exported to %s (sampling %g)\n",
                 m.options.otlp_endpoint.c_str(), m.options.otlp_sample_ratio);
  }
  trace::Tracer* tracer = m.tracer ? m.tracer.get() : &trace::Tracer::Disabled();
  auto store = store::EventStore::Open({.path = m.options.data_dir + "/events",
                                        .min_free_bytes = m.options.min_free_disk_mb << 20,
                                        .reserve_bytes = m.options.disk_reserve_mb << 20,
                                        .tracer = m.tracer.get()});
  if (!store.ok()) return store.status();
  m.store = std::move(*store);
  m.ingest = std::make_unique<ingest::IngestService>(m.store.get(), m.options.parser);
  m.ingest->SetTracer(m.tracer.get());
  // Each component renders its own metrics (operations.md's names).
  RegisterProcessMetrics(&m.metrics);
  m.store->RegisterMetrics(&m.metrics);
  m.ingest->RegisterMetrics(&m.metrics);
  m.probe.Register(&m.metrics);
  m.cache.RegisterMetrics(&m.metrics);
  m.projector = std::make_unique<projection::Projector>(
      m.store.get(), &SystemClock::Get(),
      projection::ProjectorOptions{.snapshot_dir = m.options.data_dir + "/snapshots",
                                    .snapshot_every_events = m.options.snapshot_every_events,
                                    .max_queued_rebuilds = m.options.rebuild_queue_max,
                                    .tracer = m.tracer.get()});
  m.lag = std::make_unique<projection::LagProbe>(m.store.get(), m.projector.get(), clock);
  // How many stored events the read models have not applied yet: HTTP ingest's back-pressure
  // and the Kafka consumer's pause.
  auto behind = [st = m.store.get(), pr = m.projector.get()]() -> uint64_t {
    uint64_t stored = st->LastPosition(), applied = pr->AppliedPosition();
    return stored > applied ? stored - applied : 0;
  };
  if (m.options.ingest_max_lag > 0) m.ingest->SetBackPressure(m.options.ingest_max_lag, behind);
  m.lag->RegisterMetrics(&m.metrics);
  m.hub = std::make_unique<live::Hub>(m.projector.get(), clock,
                                      live::HubOptions{.min_interval = m.options.live.min_interval});
  m.projector->AddPublishListener(
      [hub = m.hub.get()](uint64_t position, std::span<const projection::Projector::TenantChange> orgs, bool all) {
        hub->OnPublished(position, orgs, all);
      });
  m.hub->Start();
  m.hub->RegisterMetrics(&m.metrics);
  if (*redis) m.redis = StartRedisSink(**redis, m.projector.get(), clock, &m.metrics);
  m.projector->Start();
  if (!m.options.kafka.brokers.empty()) {
    kafka::KafkaOptions k = m.options.kafka;
    if (k.group.empty()) {
      // A full replica: the only member of its own group. Static membership: restarted after
      // a crash, it takes its partitions back at once, not after the dead member's session.
      k.group = DefaultKafkaGroup(m.options.data_dir);
      k.instance_id = k.group;
    }
    if (absl::Status s = kafka::ValidateTopics(k); !s.ok()) return s;
    auto producer = kafka::KafkaProducer::Create(k, k.topics[0]);
    if (!producer.ok()) return producer.status();
    m.kafka_producer = std::move(*producer);
    m.ingest->SetPublisher(m.kafka_producer.get());
    store::EventStore* st = m.store.get();
    m.kafka_consumer = std::make_unique<kafka::KafkaConsumer>(k, m.ingest.get(), st, behind);
    if (absl::Status s = m.kafka_consumer->Start(); !s.ok()) return s;
    auto own = kafka::KafkaProducer::Create(k, k.own_topic);
    if (!own.ok()) return own.status();
    m.kafka_own_producer = std::move(*own);
    m.own_writer = std::make_unique<kafka::OwnStateWriter>(m.kafka_own_producer.get(),
                                                           m.kafka_consumer.get(), st);
    m.kafka_consumer->RegisterMetrics(&m.metrics);
    // Answers built while Kafka is unreachable, or while the node is still catching up with
    // its partitions (a restarted node behind nginx answers as soon as it listens), say so
    // (stale, stale_seconds): the node serves what it holds, which may miss what was produced.
    m.lag->SetUpstream([consumer = m.kafka_consumer.get()]() -> std::optional<double> {
      std::optional<double> behind = consumer->CatchingUpSeconds();
      if (consumer->up()) return behind;
      int64_t since = consumer->down_since_micros();
      double down = std::max<int64_t>(0, SystemClock::Get().NowMicros() - since) / 1e6;
      return std::max(down, behind.value_or(0));
    });
    std::fprintf(stderr, "readside: kafka: consuming %s from %s as group %s\n",
                 k.topics[0].c_str(), k.brokers.c_str(), k.group.c_str());
  }
  // Search follows the store on its own thread, from the position recorded beside its indexes.
  m.search = std::make_unique<search::SearchFollower>(
      m.store.get(), search::SearchFollowerOptions{.dir = m.options.data_dir + "/search"});
  if (absl::Status s = m.search->Start(); !s.ok()) return s;
  m.search->RegisterMetrics(&m.metrics);
  // The settings in force are those of the tenant's published view.
  m.tenant_settings = http::NewTenantSettingsService(m.store.get(), m.projector.get(), clock);
  if (m.own_writer) m.tenant_settings->SetAppender(m.own_writer->AsAppender());
  if (!m.options.smtp_url.empty()) {
    schedule::SmtpConfig smtp{.url = m.options.smtp_url,
                              .from = m.options.smtp_from,
                              .starttls = m.options.smtp_starttls,
                              .user = m.options.smtp_user,
                              .ca_file = m.options.smtp_ca_file};
    if (!m.options.smtp_password_file.empty()) {
      absl::StatusOr<std::string> password = Env::Default()->ReadFile(m.options.smtp_password_file);
      if (!password.ok()) return password.status();
      smtp.password = *password;
      while (!smtp.password.empty() &&
             (smtp.password.back() == '\n' || smtp.password.back() == '\r')) {
        smtp.password.pop_back();
      }
    }
    auto sender = schedule::SmtpSender::Create(std::move(smtp));
    if (!sender.ok()) return sender.status();
    m.smtp = std::move(*sender);
  }
  {
    schedule::SchedulerOptions o;
    o.files_dir = m.options.data_dir + "/report-runs";
    o.catch_up_max_age_micros = m.options.report_catch_up_max_age_seconds * 1'000'000;
    o.from = m.options.smtp_from;
#if defined(READSIDE_CRASH_POINTS)  // a test seam: never in Release builds (crash_point.h)
    if (const char* crash = std::getenv("READSIDE_REPORT_CRASH_AT")) o.crash_at = crash;
#endif
    // Several nodes: runs are leased through Kafka (SchedulerOptions::node); the id is the
    // node's default consumer group's suffix (host and data directory).
    if (m.own_writer) o.node = NodeId(m.options.data_dir);
    m.scheduler = std::make_unique<schedule::ReportScheduler>(
        m.store.get(), m.projector.get(), m.smtp.get(), SchedulerClock(clock), Env::Default(),
        std::move(o));
    if (m.own_writer) m.scheduler->SetAppender(m.own_writer->AsAppender());
    m.scheduler->RegisterMetrics(&m.metrics);
    m.scheduler->Start();
  }
  m.render_pool = std::make_unique<http::RenderPool>();
  m.dashboards = std::make_unique<dashboard::DashboardService>(m.store.get(), m.projector.get(), clock);
  if (m.own_writer) m.dashboards->SetAppender(m.own_writer->AsAppender());
  // Consistency checks (on request and every --consistency-interval) and reconciliations,
  // on a niced thread of their own (docs/consistency.md).
  m.consistency = std::make_unique<projection::ConsistencyService>(
      m.store.get(), m.projector.get(), clock,
      projection::ConsistencyOptions{.interval = m.options.consistency_interval,
                                     .repair = m.options.consistency_repair});
  m.consistency->RegisterMetrics(&m.metrics);
  m.consistency->Start();
  http::Services services{.store = m.store.get(),
                          .ingest = m.ingest.get(),
                          .access = m.access.get(),
                          .metrics = &m.metrics,
                          .projector = m.projector.get(),
                          .lag = m.lag.get(),
                          .clock = &SystemClock::Get(),
                          .cache = &m.cache,
                          .tenant_settings = m.tenant_settings.get(),
                          .scheduler = m.scheduler.get(),
                          .dashboards = m.dashboards.get(),
                          .render_pool = m.render_pool.get(),
                          .search = m.search.get(),
                          .live = m.hub.get(),
                          .web = m.web.get(),
                          .kafka = m.kafka_consumer.get()};
  services.consistency = m.consistency.get();
  // readside_dependency_up and /health/ready's "dependencies": SMTP, Kafka and Redis when on.
  if (m.redis || m.kafka_consumer || m.smtp) {
    services.dependencies = [redis = m.redis.get(), consumer = m.kafka_consumer.get(),
                             producer = m.kafka_producer.get(),
                             own = m.kafka_own_producer.get(), scheduler = m.scheduler.get()] {
      std::vector<http::DependencyState> out;
      if (scheduler != nullptr && scheduler->Smtp().configured) {
        schedule::ReportScheduler::SmtpHealth smtp = scheduler->Smtp();
        out.push_back({"smtp", smtp.up, std::string(smtp.breaker)});
      }
      if (consumer != nullptr) {
        // The consumer reconnects by itself (librdkafka's reconnect backoff): its connection
        // state (it asks the broker while down, so a quiet topic does not hide a recovery).
        // The producer of POST /events has a circuit breaker; a fatal stop is cleared only
        // by a restart.
        bool fatal = producer->fatal() || own->fatal();
        CircuitBreaker::State breaker = producer->breaker_state();
        bool up = consumer->up() && !fatal && breaker == CircuitBreaker::State::kClosed;
        out.push_back({"kafka", up,
                       fatal ? "fatal" : std::string(CircuitBreaker::StateName(breaker))});
      }
      if (redis != nullptr) {
        sink::RedisSinkStats st = redis->Stats();
        out.push_back({"redis", st.up, std::string(sink::CircuitBreaker::StateName(st.breaker))});
      }
      return out;
    };
  }
  services.backup = [this]() -> absl::StatusOr<std::string> {
    const ServeOptions& o = impl_->options;
    absl::StatusOr<BackupResult> made =
        CreateBackup(*impl_->store, o.data_dir,
                     o.backup_dir.empty() ? DefaultBackupDir(o.data_dir) : o.backup_dir,
                     SystemClock::Get());
    if (!made.ok()) return made.status();
    JsonBuilder b;
    b.BeginObject().Key("path").String(made->path);
    b.Key("position").Int(static_cast<int64_t>(made->position));
    b.Key("created_at").String(FormatRfc3339(made->created_at_micros));
    b.EndObject();
    return b.Take();
  };
  http::AddEventRoutes(&m.router, services);
  http::AddOpsRoutes(&m.router, services);
  http::AddAdminRoutes(&m.router, services);
  http::AddAnalyticsRoutes(&m.router, services);
  http::AddTenantRoutes(&m.router, services);
  http::AddConsistencyRoutes(&m.router, services);
  http::AddReportRoutes(&m.router, services);
  http::AddDashboardRoutes(&m.router, services);
  http::AddSearchRoutes(&m.router, services);
  http::AddLiveRoutes(&m.router, services);
  http::AddWebRoutes(&m.router, services);  // last: the fallback for paths outside the API

  m.gate = std::make_unique<http::Gate>(
      &m.router, m.authenticator.get(),
      http::GateOptions{.cors_origins = m.options.cors_origins,
                        .metrics_public = m.options.metrics_public,
                        .per_token = limit(m.options.rate_limit_per_token),
                        .web_app = true},
      clock);
  m.live_endpoints = std::make_unique<http::LiveEndpoints>(
      services, m.authenticator.get(), m.gate.get(), m.options.cors_origins, m.options.live);
  http_options.upgrade = [endpoints = m.live_endpoints.get()](http::Request& req) {
    return http::LiveUpgrade(*endpoints, req);
  };
  // SIGTERM: reads waiting for min_position are answered at once (503 with Retry-After),
  // so that draining does not wait for them.
  http_options.on_drain = [projector = m.projector.get(), search = m.search.get(),
                           kafka = m.kafka_consumer.get()] {
    projector->CancelWaits();
    search->CancelWaits();
    if (kafka != nullptr) kafka->CancelWaits();
  };
  http_options.on_reload = [this] {
    absl::Status s = ReloadKeys();
    std::fprintf(stderr, "readside: SIGHUP: %s\n",
                 s.ok() ? "token keys reloaded" : std::string(s.message()).c_str());
  };
  m.server = std::make_unique<http::Server>(
      http_options,
      [gate = m.gate.get(), tracer, router = &m.router](http::Request& req,
                                                        http::Responder respond) {
        if (!tracer->enabled()) return gate->Handle(req, std::move(respond));
        // W3C Trace Context in: the caller's traceparent is the server span's parent; out:
        // the answer names the server span (traceparent), so a caller can find its trace.
        std::string_view header = req.Header("traceparent");
        while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
          header.remove_prefix(1);
        }
        while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
          header.remove_suffix(1);
        }
        std::optional<trace::SpanContext> parent = trace::ParseTraceparent(header);
        // Probes and scrapes (load balancers, Kubernetes, Prometheus: every few seconds) are
        // not traced unless a caller asks for it with a sampled traceparent: at sampling 1.0
        // they would be most of the spans and none of the interest.
        std::string_view path = req.path;
        if ((path.starts_with("/health/") || path == "/metrics") &&
            !(parent && parent->sampled())) {
          return gate->Handle(req, std::move(respond));
        }
        // Named "METHOD route" once routed (the router sets req.route while dispatching; a
        // request refused before, by the gate, is matched on its own then).
        auto span = std::make_shared<trace::Span>(tracer->StartSpan(
            req.method, parent.value_or(trace::SpanContext{}), trace::SpanKind::kServer));
        span->SetAttribute("http.request.method", req.method);
        span->SetAttribute("readside.request_id", req.request_id);
        req.trace = span->context();
        req.span = span.get();
        // `req` outlives the responder: the server's own responder holds it.
        gate->Handle(req, [span, &req, router, respond = std::move(respond)](http::Response r) {
          if (span->recording()) {
            std::string matched;
            std::string_view route =
                req.route != nullptr ? std::string_view(*req.route)
                                     : std::string_view(matched = router->RouteOf(req));
            span->SetAttribute("http.route", route);
            char name[192];
            if (req.method.size() + 1 + route.size() <= sizeof name) {
              std::memcpy(name, req.method.data(), req.method.size());
              name[req.method.size()] = ' ';
              std::memcpy(name + req.method.size() + 1, route.data(), route.size());
              span->SetName(std::string_view(name, req.method.size() + 1 + route.size()));
            } else {
              span->SetName(req.method + " " + std::string(route));
            }
          }
          span->SetAttribute("http.response.status_code", r.status);
          if (r.status >= 500) span->SetStatus(trace::SpanStatus::kError);
          if (span->context().valid()) {
            r.traceparent = span->context();
          }
          span->End();
          respond(std::move(r));
        });
      },
      [this](const http::Request& req, int status, uint64_t micros) {
        std::string route = impl_->router.RouteOf(req);
        impl_->probe.Record(route, req.method, status, micros);
        if (impl_->access_log) impl_->access_log->Record(req, route, status, micros);
      });
  return m.server->Start();
}

uint16_t ReadsideServer::port() const { return impl_->server->port(); }
std::string ReadsideServer::address() const {
  std::string host;
  uint16_t ignored;
  ParseListen(impl_->options.listen, &host, &ignored).IgnoreError();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port());
}
void ReadsideServer::Run() { impl_->server->Run(); }
void ReadsideServer::Shutdown() { impl_->server->Shutdown(); }
absl::Status ReadsideServer::ReloadKeys() { return impl_->authenticator->Reload(); }
bool ReadsideServer::web_app_built() const { return impl_->web && impl_->web->has_index(); }
ingest::IngestService* ReadsideServer::ingest() { return impl_->ingest.get(); }
store::EventStore* ReadsideServer::store() { return impl_->store.get(); }

}  // namespace readside::app
