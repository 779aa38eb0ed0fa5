// The readside binary: command-line parsing only (CLI11 is included nowhere else).
// Every serve/demo flag also reads READSIDE_<FLAG> from the environment and the key of the same
// name from the file given with --config (TOML or INI, keys under [serve] / [demo]).

#include <CLI/CLI.hpp>

#include <cstdio>

#include "absl/strings/str_split.h"
#include "app/backup.h"
#include "app/commands.h"
#include "common/crash_point.h"

namespace {

using readside::app::ServeOptions;

// --kafka-config key=value (repeatable): librdkafka properties passed through (SASL, TLS, …).
// Values keep their commas (debug=broker,topic; ssl.cipher.suites=A,B): the flag is repeated,
// and READSIDE_KAFKA_CONFIG holds one key=value per line.
void AddKafkaConfig(CLI::App* cmd, readside::kafka::KafkaOptions* k) {
  cmd->add_option_function<std::vector<std::string>>(
         "--kafka-config",
         [k](const std::vector<std::string>& values) {
           for (const std::string& value : values) {
             for (absl::string_view v : absl::StrSplit(value, '\n', absl::SkipWhitespace())) {
               std::pair<std::string, std::string> kv;
               if (absl::Status s = readside::kafka::ParseConfigPair(std::string(v), &kv); !s.ok()) {
                 throw CLI::ValidationError("--kafka-config", std::string(s.message()));
               }
               k->config.push_back(std::move(kv));
             }
           }
         },
         "librdkafka property key=value (repeat the flag for more; in READSIDE_KAFKA_CONFIG "
         "one per line; e.g. security.protocol=SASL_SSL)")
      ->envname("READSIDE_KAFKA_CONFIG");
}

// Adds the flags shared by serve and demo. `env` names follow the flag: --data-dir →
// READSIDE_DATA_DIR.
void AddServeFlags(CLI::App* cmd, ServeOptions* o) {
  auto opt = [&](const std::string& name, auto* target, const std::string& help) {
    std::string env = "READSIDE_";
    for (char c : name.substr(2)) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
    return cmd->add_option(name, *target, help)->envname(env)->capture_default_str();
  };
  opt("--data-dir", &o->data_dir, "directory of the embedded store (created if missing)");
  opt("--listen", &o->listen, "HOST:PORT to listen on (port 0: any free port)");
  opt("--jwt-secret-file", &o->keys.secret_file, "HS256 secret for bearer tokens (≥ 32 bytes)");
  opt("--jwt-secret-kid", &o->keys.secret_kid, "kid of the HS256 secret (empty: none)");
  opt("--jwt-public-key-file", &o->keys.public_key_files,
      "PEM public key: RSA → RS256, EC P-256 → ES256 (repeatable)")->delimiter(',');
  opt("--jwks-file", &o->keys.jwks_files, "JWK Set file of RS256/ES256/HS256 keys (repeatable)")
      ->delimiter(',');
  opt("--jwt-issuer", &o->verify.issuer, "required `iss` of tokens (empty: not checked)");
  opt("--jwt-audience", &o->verify.audience, "required `aud` of tokens (empty: not checked)");
  opt("--jwt-leeway-seconds", &o->verify.leeway_seconds, "clock skew allowed for exp/nbf/iat");
  opt("--rate-limit-per-tenant", &o->rate_limit_per_tenant, "requests/s per organization (0: off)");
  opt("--rate-limit-per-token", &o->rate_limit_per_token, "requests/s per bearer token (0: off)");
  opt("--rate-limit-burst-seconds", &o->rate_limit_burst_seconds,
      "bucket size in seconds of the rate (burst = rate × this, at least 1)");
  opt("--cors-origins", &o->cors_origins, "origins allowed by CORS, comma-separated ('*': any)")
      ->delimiter(',');
  opt("--metrics-public", &o->metrics_public, "serve GET /metrics without a token");
  opt("--access-log", &o->access_log, "JSON access log: '-' stderr, 'off', or a file");
  opt("--threads", &o->http.threads, "HTTP worker threads (0: one per core)");
  opt("--max-body-bytes", &o->http.max_body_bytes, "largest request body (413 above)");
  opt("--max-header-bytes", &o->http.max_header_bytes, "largest request header (431 above)");
  opt("--max-connections", &o->http.max_connections, "concurrent connections accepted");
  opt("--max-connections-per-ip", &o->http.max_connections_per_ip,
      "concurrent connections from one client address (0: no limit; raise behind a proxy)");
  opt("--min-free-disk-mb", &o->min_free_disk_mb,
      "refuse appends (503) while the data disk has less free besides room to flush the "
      "memtables (0: no check)");
  opt("--disk-reserve-mb", &o->disk_reserve_mb,
      "space held in the data directory and released on start, for recovery on a full disk");
  opt("--ingest-max-lag", &o->ingest_max_lag,
      "POST /events answers 503 with Retry-After while the read models trail the store by more "
      "than this many events (0: never; with Kafka on, --kafka-max-projection-lag pauses "
      "consuming instead)");
  opt("--smtp-url", &o->smtp_url, "SMTP server for scheduled reports: smtp://HOST:PORT or smtps://…");
  opt("--smtp-from", &o->smtp_from, "sender address of scheduled reports");
  cmd->add_flag("--smtp-starttls", o->smtp_starttls, "require STARTTLS on smtp://")
      ->envname("READSIDE_SMTP_STARTTLS");
  opt("--smtp-user", &o->smtp_user, "SMTP AUTH user (needs STARTTLS or smtps)");
  opt("--smtp-password-file", &o->smtp_password_file, "file holding the SMTP AUTH password");
  opt("--smtp-ca-file", &o->smtp_ca_file, "PEM CA certificates to trust for the SMTP server");
  opt("--report-catch-up-max-age", &o->report_catch_up_max_age_seconds,
      "seconds: a scheduled run missed while down runs on start when at most this old, else "
      "it is recorded as skipped");
  opt("--web-dir", &o->web_dir,
      "directory of the web app's build (default: web/ beside the executable if it holds "
      "index.html, else ../share/readside/web)");
  opt("--redis-url", &o->redis_url,
      "publish read models to Redis (docs/redis.md): redis://HOST:PORT[/DB] (empty: off)");
  opt("--redis-ttl-seconds", &o->redis_ttl_seconds, "expiry of the keys written to Redis");
  opt("--backup-dir", &o->backup_dir,
      "where POST /admin/backup writes backups (default: DATA_DIR/backups)");
  opt("--otlp-endpoint", &o->otlp_endpoint,
      "export trace spans as OTLP/HTTP JSON to this URL, e.g. http://collector:4318/v1/traces "
      "(empty: tracing off)");
  opt("--otlp-sample-ratio", &o->otlp_sample_ratio,
      "share of new traces recorded, 0..1 (a request's traceparent decides for its own trace)")
      ->check(CLI::Range(0.0, 1.0));
  opt("--otlp-header", &o->otlp_headers,
      "header sent with every export, 'Name: value' (repeatable; e.g. a collector's API key)");
  opt("--max-event-bytes", &o->parser.max_event_bytes, "largest event, minified");
  opt("--max-batch-events", &o->parser.max_batch_events, "most events in one POST");
  auto ms = [&](const std::string& name, std::chrono::milliseconds* target, const std::string& help) {
    cmd->add_option_function<int64_t>(name, [target](int64_t v) { *target = std::chrono::milliseconds(v); }, help)
        ->envname("READSIDE_" + [&] {
          std::string e;
          for (char c : name.substr(2)) e.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
          return e;
        }())
        ->default_str(std::to_string(target->count()));
  };
  ms("--header-timeout-ms", &o->http.header_timeout,
     "time for a new connection to send its first complete request header");
  ms("--request-timeout-ms", &o->http.request_timeout, "time to receive one request");
  ms("--idle-timeout-ms", &o->http.idle_timeout, "keep-alive idle time before closing");
  // Live updates (docs/live.md).
  opt("--live-max-subscriptions", &o->live.max_subscriptions,
      "subscriptions one WebSocket connection may hold");
  opt("--live-max-message-bytes", &o->http.websocket.max_message_bytes,
      "largest client message on a WebSocket (1009 above)");
  ms("--live-send-timeout-ms", &o->live.send_timeout,
     "a WebSocket client that takes no message for this long while some wait is disconnected");
  ms("--live-idle-timeout-ms", &o->http.websocket.idle_timeout,
     "WebSocket ping after half of this without traffic; close after all of it");
  ms("--live-auth-timeout-ms", &o->live.auth_timeout,
     "time for a WebSocket client without a token in the handshake to send its auth message");
  ms("--live-min-interval-ms", &o->live.min_interval,
     "least time between two messages of one subscription (100: 10 messages/s)");
  // Kafka (operations.md, docs/kafka.md).
  opt("--kafka-brokers", &o->kafka.brokers, "Kafka bootstrap servers HOST:PORT[,…] (empty: Kafka off)");
  opt("--kafka-topics", &o->kafka.topics,
      "topics consumed, comma-separated; POST /events produces to the first")->delimiter(',');
  opt("--kafka-own-topic", &o->kafka.own_topic,
      "topic of readside's own state (dashboards, schedules, settings); only readside writes it");
  opt("--kafka-group", &o->kafka.group,
      "consumer group (default: one per node, readside-<host>-<data dir hash>: a full replica)");
  AddKafkaConfig(cmd, &o->kafka);
  opt("--kafka-max-batch", &o->kafka.max_batch, "consumed messages stored in one durable write, at most");
  opt("--kafka-max-projection-lag", &o->kafka.max_projection_lag,
      "pause consuming while the read models are more than this many events behind");
  // Consistency and repair (docs/consistency.md).
  cmd->add_option_function<std::string>(
         "--consistency-interval",
         [o](const std::string& v) {
           auto d = readside::app::ParseDuration(v, "--consistency-interval");
           if (!d.ok()) throw CLI::ValidationError(std::string(d.status().message()));
           o->consistency_interval = *d;
         },
         "background consistency checks: a pass over every tenant takes about this long, e.g. "
         "10m (0: off); drift found is counted and repaired")
      ->envname("READSIDE_CONSISTENCY_INTERVAL")
      ->default_str("0");
  opt("--consistency-repair", &o->consistency_repair,
      "background checks repair the drift they find with a rebuild of the tenant");
  opt("--rebuild-queue-max", &o->rebuild_queue_max,
      "rebuilds waiting behind the running one (one per tenant at most); more are refused (503)");
  opt("--snapshot-every-events", &o->snapshot_every_events,
      "write a snapshot of the read models after this many events applied since the last one "
      "(and at shutdown); a restart replays only the events after it")
      ->check(CLI::PositiveNumber);
}

// `readside crash-points`: the crash points compiled into this binary, one "name<TAB>what has
// happened when it kills" per line (src/common/crash_point.h; the crash test picks from them).
int ListCrashPoints() {
#if defined(READSIDE_CRASH_POINTS)
  for (const readside::crash::CrashPointInfo& p : readside::crash::CrashPoints()) {
    std::printf("%.*s\t%.*s\n", static_cast<int>(p.name.size()), p.name.data(),
                static_cast<int>(p.where.size()), p.where.data());
  }
  return 0;
#else
  std::fprintf(stderr, "readside: this build has no crash points (built with "
                       "READSIDE_CRASH_POINTS=OFF, as Release builds are)\n");
  return 1;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"readside: the read side of a multi-tenant ERP (CQRS)"};
  app.set_config("--config", "", "TOML/INI file with flag values ([serve], [demo] sections)");
  app.require_subcommand(1);
  app.fallthrough();  // `readside serve --config FILE` works as well as `readside --config FILE serve`

  ServeOptions serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "run the server on embedded storage");
  AddServeFlags(serve_cmd, &serve);

  readside::app::DemoOptions demo;
  demo.serve.data_dir = "";  // a fresh temporary directory per run (see RunDemo)
  CLI::App* demo_cmd =
      app.add_subcommand("demo", "serve plus a simulated ERP streaming events for a few tenants");
  AddServeFlags(demo_cmd, &demo.serve);
  demo_cmd->add_option("--tenants", demo.tenants, "organizations to simulate")->delimiter(',')
      ->capture_default_str();
  demo_cmd->add_option("--history-days", demo.history_days, "days of history loaded at start")
      ->capture_default_str();
  demo_cmd->add_option("--history-events", demo.history_events, "events in that history")
      ->capture_default_str();
  demo_cmd->add_option("--rate", demo.live_events_per_second, "live events per second")
      ->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "simulator seed")->capture_default_str();

  readside::app::GenerateOptions gen;
  CLI::App* gen_cmd = app.add_subcommand("generate", "write simulated ERP events as NDJSON");
  gen_cmd->add_option("--seed", gen.generator.seed, "random seed (same seed, same bytes)")
      ->capture_default_str();
  gen_cmd->add_option("--tenants", gen.generator.tenants, "organization ids")->delimiter(',')
      ->capture_default_str();
  gen_cmd->add_option("--start", gen.start, "first simulated instant (RFC 3339)")
      ->capture_default_str();
  gen_cmd->add_option("--days", gen.days, "simulated span when --count is not given")
      ->capture_default_str();
  gen_cmd->add_option("--count", gen.generator.total_events, "number of lines (0: by --days)")
      ->capture_default_str();
  gen_cmd->add_option("--rate", gen.generator.events_per_second,
                      "simulated events per second (density)")->capture_default_str();
  gen_cmd->add_option("--out-of-order", gen.generator.out_of_order_fraction,
                      "fraction of events delivered late")->check(CLI::Range(0.0, 1.0));
  gen_cmd->add_option("--duplicates", gen.generator.duplicate_fraction,
                      "fraction of exact re-sends")->check(CLI::Range(0.0, 1.0));
  gen_cmd->add_option("--malformed", gen.generator.malformed_fraction,
                      "fraction of invalid lines")->check(CLI::Range(0.0, 1.0));
  gen_cmd->add_option("--out", gen.out, "output file ('-': stdout)")->capture_default_str();
  gen_cmd->add_option("--control-totals", gen.control_totals,
                      "also write each tenant's control totals (the body of POST "
                      "/admin/reconcile/{org}) to this file; {org} in it is the organization");
  gen_cmd->add_option("--control-totals-ids", gen.control_totals_ids,
                      "list the entity ids in the control totals")->capture_default_str();

  readside::ingest::IngestCommandOptions ing;
  CLI::App* ing_cmd = app.add_subcommand("ingest", "post an NDJSON file to a running server");
  ing_cmd->add_option("input", ing.input, "NDJSON file, or - for stdin")->required();
  ing_cmd->add_option("--url", ing.url, "server base URL")->envname("READSIDE_URL")
      ->capture_default_str();
  ing_cmd->add_option("--token", ing.token, "bearer token")->envname("READSIDE_TOKEN");
  ing_cmd->add_option("--batch", ing.batch, "events per request")->check(CLI::Range(1, 10000))
      ->capture_default_str();
  ing_cmd->add_option("--retries", ing.max_retries, "attempts per batch on 429/5xx/network errors")
      ->capture_default_str();
  ing_cmd->add_option("--rejects", ing.rejects_file,
                      "write rejected lines (with line number and errors) to this NDJSON file");
  bool no_progress = false;
  ing_cmd->add_flag("--no-progress", no_progress, "no progress bar on stderr");

  readside::app::RebuildOptions reb;
  CLI::App* reb_cmd = app.add_subcommand(
      "rebuild", "rebuild a running server's read models from its store (blue/green)");
  reb_cmd->add_option("--url", reb.url, "server base URL")->envname("READSIDE_URL")
      ->capture_default_str();
  reb_cmd
      ->add_option("--token", reb.token,
                   "bearer token: admin of the organization, or of every one ('*') without --org")
      ->envname("READSIDE_TOKEN");
  reb_cmd->add_option("--org", reb.org, "only this organization (default: every tenant)");

  std::string restore_from, restore_dir;
  CLI::App* restore_cmd = app.add_subcommand(
      "restore", "copy a backup (POST /admin/backup) into a new data directory and check it");
  restore_cmd->add_option("--from", restore_from, "the backup directory")->required();
  restore_cmd->add_option("--data-dir", restore_dir, "the new data directory (absent or empty)")
      ->required();

  readside::app::TokenOptions tok;
  CLI::App* tok_cmd = app.add_subcommand("token", "mint a bearer token (development, demo, tests)");
  tok_cmd->add_option("--org", tok.organizations, "organizations (comma-separated; '*': all)")
      ->delimiter(',')->required();
  tok_cmd->add_option("--roles", tok.roles,
                      "roles: admin, analyst, sales, hr, finance, operations, project_manager, "
                      "ingest")->delimiter(',')->required();
  tok_cmd->add_option("--ttl", tok.ttl, "lifetime: seconds or 15m, 1h, 7d")->capture_default_str();
  tok_cmd->add_option("--sub", tok.subject, "subject (user id)")->capture_default_str();
  tok_cmd->add_option("--secret-file", tok.secret_file, "HS256 secret (as given to serve)")
      ->envname("READSIDE_JWT_SECRET_FILE");
  tok_cmd->add_option("--private-key-file", tok.private_key_file,
                      "RSA (RS256) or EC P-256 (ES256) private key, PEM");
  tok_cmd->add_option("--kid", tok.kid, "key id for the token header");
  tok_cmd->add_option("--issuer", tok.issuer, "iss claim");
  tok_cmd->add_option("--audience", tok.audience, "aud claim");

  readside::app::WatchOptions watch;
  CLI::App* watch_cmd = app.add_subcommand(
      "watch", "a terminal view of a tenant's live metrics, updating in place");
  watch_cmd->add_option("org", watch.organization, "organization id")->required();
  watch_cmd->add_option("--url", watch.url, "server base URL")->envname("READSIDE_URL")
      ->capture_default_str();
  watch_cmd->add_option("--token", watch.token, "bearer token")->envname("READSIDE_TOKEN");
  watch_cmd->add_option("--period", watch.period,
                        "2024-01, 2024-Q1, 2024, 2024-W05 or 2024-01-15 (default: current month)");
  watch_cmd->add_option("--domains", watch.domains,
                        "domains to show, comma-separated (default: all the token may see)")
      ->delimiter(',');
  watch_cmd->add_flag("--once", watch.once,
                      "print one plain snapshot and exit (also when stdout is not a terminal)");
  bool no_reconnect = false;
  watch_cmd->add_flag("--no-reconnect", no_reconnect, "exit when the connection is lost");
  watch_cmd->add_option_function<double>(
      "--timeout", [&watch](double s) { watch.once_timeout = std::chrono::milliseconds(
                                            static_cast<int64_t>(s * 1000)); },
      "--once: seconds to wait for every domain's values")->default_str("10");

  demo_cmd->add_flag("--kafka", demo.kafka,
                     "run a kafka-dev cluster in the process: the simulator produces to it and "
                     "the server consumes");

  readside::app::ProduceOptions produce;
  CLI::App* produce_cmd =
      app.add_subcommand("produce", "publish NDJSON events to Kafka (keyed by organization)");
  produce_cmd->add_option("input", produce.input, "NDJSON file, or - for stdin")->capture_default_str();
  produce_cmd->add_option("--kafka-brokers", produce.kafka.brokers, "bootstrap servers HOST:PORT[,…]")
      ->envname("READSIDE_KAFKA_BROKERS")->required();
  produce_cmd->add_option("--topic", produce.topic, "topic")->required();
  AddKafkaConfig(produce_cmd, &produce.kafka);
  produce_cmd->add_option("--batch", produce.batch, "lines awaited together")
      ->check(CLI::Range(1, 1'000'000))->capture_default_str();

  readside::app::KafkaDevOptions kdev;
  CLI::App* kdev_cmd = app.add_subcommand(
      "kafka-dev", "a Kafka-protocol cluster in memory on loopback (librdkafka's mock), for tests and demos");
  kdev_cmd->add_option("--port", kdev.port, "bootstrap port (0: the first broker's own)")
      ->capture_default_str();
  kdev_cmd->add_option("--brokers", kdev.brokers, "brokers")->check(CLI::Range(1, 9))->capture_default_str();
  kdev_cmd->add_option("--topic", kdev.topics, "topics to create, NAME[:PARTITIONS] (repeatable)")
      ->delimiter(',')->capture_default_str();

  CLI::App* crash_cmd = app.add_subcommand(
      "crash-points", "list the named crash points of this build (tests; READSIDE_CRASH_POINT)");

  CLI11_PARSE(app, argc, argv);
  if (*crash_cmd) return ListCrashPoints();
  if (*produce_cmd) return readside::app::RunProduce(produce);
  if (*kdev_cmd) return readside::app::RunKafkaDev(kdev);
  if (*tok_cmd) return readside::app::RunToken(tok);
  if (*serve_cmd) return readside::app::RunServe(serve);
  if (*demo_cmd) return readside::app::RunDemo(demo);
  if (*gen_cmd) return readside::app::RunGenerate(gen);
  if (*reb_cmd) return readside::app::RunRebuild(reb);
  if (*restore_cmd) {
    absl::StatusOr<uint64_t> restored = readside::app::RestoreBackup(restore_from, restore_dir);
    if (!restored.ok()) {
      std::fprintf(stderr, "readside restore: %s\n", std::string(restored.status().message()).c_str());
      return 1;
    }
    std::printf("restored %s into %s: events up to position %llu; a node started on it rebuilds "
                "its read models and search indexes from them\n",
                restore_from.c_str(), restore_dir.c_str(),
                static_cast<unsigned long long>(*restored));
    return 0;
  }
  if (*watch_cmd) {
    watch.reconnect = !no_reconnect;
    return readside::app::RunWatch(watch);
  }
  if (*ing_cmd) {
    ing.progress = !no_progress;
    return readside::app::RunIngest(ing);
  }
  return 0;
}
