#pragma once
// Composition root of `readside serve`: opens the store, wires ingest, routes, metrics and the
// HTTP server. The only place that knows every component.
// Thread-safety: Start and Run from one thread; Shutdown from any.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "auth/jwt.h"
#include "event/parser.h"
#include "http/gate.h"
#include "http/server.h"
#include "kafka/kafka_options.h"
#include "live/connection.h"

namespace readside::store { class EventStore; }
namespace readside::ingest { class IngestService; }

namespace readside::app {

struct ServeOptions {
  std::string data_dir = "./readside-data";
  std::string listen = "127.0.0.1:8080";
  auth::KeySources keys;        // at least one source is required
  auth::VerifyOptions verify;   // iss/aud checks, leeway
  double rate_limit_per_tenant = 0;  // requests/s, 0 = off
  double rate_limit_per_token = 0;
  double rate_limit_burst_seconds = 1;  // bucket size = rate × this (at least 1 request)
  std::vector<std::string> cors_origins;
  bool metrics_public = true;
  std::string access_log = "-";  // "-": stderr, "off", or a file
  // Appends are refused (503, ingest resumes by itself) while the data directory's disk has
  // less than this free besides room to flush the memtables; see store::StoreOptions.
  uint64_t min_free_disk_mb = 64;
  // Kept allocated in the store and released on the next start, so a restart on a full
  // disk can recover (see store::StoreOptions).
  uint64_t disk_reserve_mb = 64;
  // POST /events answers 503 with Retry-After while the read models trail the store by more
  // than this many events (0: never); with Kafka on, the consumer pauses instead
  // (kafka.max_projection_lag). See IngestService::SetBackPressure.
  uint64_t ingest_max_lag = 500'000;
  http::ServerOptions http;  // http.websocket: the WebSocket transport's limits
  live::ConnectionOptions live;  // live-update connections (docs/live.md)
  event::ParserOptions parser;
  // Report delivery (reports.md "Schedules"): smtp://HOST:PORT or smtps://…; empty: runs
  // are recorded as failed with "no SMTP server configured".
  std::string smtp_url;
  std::string smtp_from = "readside@localhost";
  bool smtp_starttls = false;
  std::string smtp_user;
  std::string smtp_password_file;
  std::string smtp_ca_file;  // trust this CA (a private SMTP server's certificate)
  // A run missed while the server was down runs on start when at most this old (seconds);
  // an older one is recorded as skipped.
  int64_t report_catch_up_max_age_seconds = 24 * 3600;
  // The web app's files (docs/web.md): the directory of its build. Empty: DefaultWebDir().
  // A directory given here must exist; one without index.html serves the "not built" page.
  std::string web_dir;
  // Whether Start says on stderr where the web app is served from (or that it is not built).
  // `readside demo` turns it off: its banner leads with the sign-in link (web.md "Sign-in").
  bool announce_web_app = true;
  // Kafka ingestion (operations.md): off while kafka.brokers is empty. An empty group is
  // DefaultKafkaGroup(data_dir): each node its own group, a full replica.
  kafka::KafkaOptions kafka;
  // The Redis sink (docs/redis.md): redis://HOST:PORT[/DB]; empty: off. Keys expire after
  // redis_ttl_seconds.
  std::string redis_url;
  int64_t redis_ttl_seconds = 3600;
  // Tracing (operations.md): spans exported as OTLP/HTTP JSON to this URL (e.g.
  // http://collector:4318/v1/traces); empty: off, and no span is made.
  std::string otlp_endpoint;
  // Where POST /admin/backup writes backups; empty: DefaultBackupDir(data_dir).
  std::string backup_dir;
  double otlp_sample_ratio = 1.0;          // of new traces; a caller's traceparent decides its own
  std::vector<std::string> otlp_headers;  // "Name: value", e.g. an API key of the collector
  // Background consistency checks (docs/consistency.md): a pass over every tenant takes about
  // this long; 0: off. Drift found is repaired (a rebuild of the tenant) unless
  // consistency_repair is false.
  std::chrono::milliseconds consistency_interval{0};
  bool consistency_repair = true;
  // Rebuilds waiting behind the running one (one per tenant at most, and one of every tenant).
  size_t rebuild_queue_max = 64;
  // A snapshot of the read models after this many events applied since the last one (and at
  // shutdown); ProjectorOptions::snapshot_every_events.
  uint64_t snapshot_every_events = 1'000'000;
};

// "readside-<host name>-<hash of the data directory's absolute path>": stable across restarts
// of one node, different between nodes.
std::string DefaultKafkaGroup(const std::string& data_dir);
// 16 hex digits of a hash of the host name and the data directory: the node's id in report
// runs' Message-IDs (the run lease, schedule/scheduler.h).
std::string NodeId(const std::string& data_dir);

// The web app's directory when --web-dir is not given: <dir of the executable>/web when it
// holds index.html (the build tree: build/readside beside build/web), else
// <dir of the executable>/../share/readside/web (the installed layout: bin/readside).
std::string DefaultWebDir();

class ReadsideServer {
 public:
  explicit ReadsideServer(ServeOptions options);
  ~ReadsideServer();
  // Opens storage and binds the listener; prints nothing.
  absl::Status Start();
  uint16_t port() const;
  std::string address() const;  // "http://host:port"
  void Run();       // serves until shutdown (SIGTERM/SIGINT or Shutdown())
  void Shutdown();
  ingest::IngestService* ingest();
  store::EventStore* store();
  // Re-reads the token keys (what SIGHUP does); on error the old keys stay.
  absl::Status ReloadKeys();
  // Whether the web app's directory holds index.html (after Start).
  bool web_app_built() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "host:port" → (host, port); IPv6 as "[::1]:8080".
absl::Status ParseListen(const std::string& listen, std::string* host, uint16_t* port);

}  // namespace readside::app
