// The Redis sink inside a whole server (app::ReadsideServer, HTTP on loopback) against a real
// redis-server that the test starts, kills and restarts itself: keys, values (the API's very
// bodies), TTLs, the {org}:updates messages, tenant isolation, and an outage the API never
// notices. Skipped when redis-server is not installed.

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "app/readside_server.h"
#include "auth/test_keys.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/ingest_client.h"
#include "projection/period.h"
#include "query/section.h"
#include "sim/generator.h"
#include "sink/redis_sink.h"
#include "sink/testing/redis_server.h"

namespace readside::sink {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using query::Section;
using testing::RedisServer;
using testing::RedisTestClient;
using Clock = std::chrono::steady_clock;

constexpr int64_t kTtlSeconds = 600;
constexpr char kAlpha[] = "alpha-co";
constexpr char kBeta[] = "beta-co";
constexpr Section kSections[] = {Section::kCrm,       Section::kHrm,      Section::kFinance,
                                 Section::kInventory, Section::kProjects, Section::kCross};

// The API route answering a section's body.
std::string SectionPath(Section s, const std::string& org) {
  switch (s) {
    case Section::kCrm: return "/analytics/crm/pipeline/" + org;
    case Section::kHrm: return "/analytics/hrm/headcount/" + org;
    case Section::kFinance: return "/analytics/finance/revenue/" + org;
    case Section::kInventory: return "/analytics/inventory/turnover/" + org;
    case Section::kProjects: return "/analytics/projects/utilization/" + org;
    default: return "/analytics/cross/" + org;
  }
}

// The current month and quarter in UTC (the tenants of this test have no settings: UTC).
std::vector<projection::Period> CurrentPeriods() {
  projection::LocalCalendar utc = projection::LocalCalendar::Utc();
  projection::DayNumber today = utc.DayOf(SystemClock::Get().NowMicros());
  return {projection::PeriodContaining(projection::Granularity::kMonth, today),
          projection::PeriodContaining(projection::Granularity::kQuarter, today)};
}

// Polls `done` until it holds or `within` passes; returns whether it held.
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds within = std::chrono::seconds(30)) {
  auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class RedisSinkServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::RedisServerPath().empty()) {
      // Under make test (after scripts/install-deps) a missing server fails: a test skipped in
      // CI silently never ran (tests/integration/deps.py).
      const char* required = std::getenv("READSIDE_REQUIRE_DEPS");
      if (required != nullptr && std::string_view(required) == "1") {
        FAIL() << "redis-server is not installed: make test requires it "
                  "(READSIDE_REQUIRE_DEPS=1; scripts/install-deps installs scripts/deps.txt)";
      }
      GTEST_SKIP() << "redis-server is not installed (Debian: apt-get install redis-server); "
                      "the Redis sink's server tests need a real one";
    }
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    secret_file_ = dir_.Write("jwt-secret", std::string(48, 'k'));
    app::ServeOptions o;
    o.data_dir = dir_.path() + "/data";
    o.listen = "127.0.0.1:0";
    o.keys.secret_file = secret_file_;
    o.access_log = "off";
    o.redis_url = redis_->url();
    o.redis_ttl_seconds = kTtlSeconds;
    server_ = std::make_unique<app::ReadsideServer>(o);
    ASSERT_TRUE(server_->Start().ok());
    serving_ = std::thread([this] { server_->Run(); });
    app::TokenOptions t{.organizations = {"*"}, .roles = {"admin", "ingest"}};
    t.secret_file = secret_file_;
    auto token = app::MintToken(t);
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = *token;
    http_ = NewClient();
    auto reader = RedisTestClient::Connect(redis_->port());
    ASSERT_TRUE(reader.ok()) << reader.status();
    reader_ = std::move(*reader);
    // Six hours ago onwards at one simulated event per second: the current month's data.
    generator_ = std::make_unique<sim::Generator>(sim::GeneratorOptions{
        .seed = 7,
        .tenants = {kAlpha, kBeta},
        .start_unix_micros = SystemClock::Get().NowMicros() - int64_t{6} * 3600 * 1'000'000,
        .events_per_second = 1});
  }

  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      serving_.join();
      server_.reset();
    }
  }

  std::unique_ptr<ingest::HttpClient> NewClient() {
    auto client = ingest::HttpClient::Create(server_->address(), token_);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::string NextEvents(int n) {
    std::string body, line;
    int64_t ts;
    for (int i = 0; i < n && generator_->Next(&line, &ts); ++i) body += line + "\n";
    return body;
  }

  // API traffic on a connection of its own until Stop(): posts of 20 simulated events, each
  // followed by GETs of `gets`; counts requests and failures (an error or a status >= 300) and
  // keeps the position of the last event posted.
  struct Load {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> requests{0}, failures{0}, last_position{0};
    std::thread thread;
    void Stop() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
    ~Load() { Stop(); }  // also when an assertion ends the test early
  };
  void StartLoad(Load* load, uint64_t from, std::vector<std::string> gets) {
    load->last_position = from;
    load->thread = std::thread([this, load, gets = std::move(gets)] {
      std::unique_ptr<ingest::HttpClient> http = NewClient();
      auto ok = [&](const absl::StatusOr<ingest::HttpResult>& r) {
        ++load->requests;
        if (!r.ok() || r->status >= 300) ++load->failures;
      };
      while (!load->stop.load()) {
        auto posted = http->Request("POST", "/events", "application/x-ndjson", NextEvents(20));
        ok(posted);
        if (posted.ok() && posted->status < 300) {
          load->last_position =
              boost::json::parse(posted->body).at("position").to_number<uint64_t>();
        }
        for (const std::string& path : gets) ok(http->Request("GET", path, "", ""));
      }
    });
  }

  // Posts `n` simulated events; returns the position of the last one.
  uint64_t Ingest(ingest::HttpClient& http, int n) {
    auto r = http.Request("POST", "/events", "application/x-ndjson", NextEvents(n));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return 0;
    EXPECT_LT(r->status, 300) << r->body;
    return boost::json::parse(r->body).at("position").to_number<uint64_t>();
  }

  std::string ApiBody(Section s, const std::string& org, const projection::Period& p,
                      uint64_t min_position) {
    auto r = http_->Request("GET",
                            SectionPath(s, org) + "?period=" + projection::FormatPeriod(p) +
                                "&min_position=" + std::to_string(min_position),
                            "", "");
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return "";
    EXPECT_EQ(r->status, 200) << r->body;
    return r->body;
  }

  std::string RedisValue(const std::string& key) {
    auto v = reader_->Get(key);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() && v->has_value() ? **v : "";
  }

  std::string Metrics() {
    auto r = http_->Request("GET", "/metrics", "", "");
    return r.ok() ? r->body : "";
  }

  // Every key of `org` holds the API's body once the sink caught up with `position`.
  void ExpectKeysEqualTheApi(const std::string& org, uint64_t position) {
    for (const projection::Period& p : CurrentPeriods()) {
      for (Section s : kSections) {
        std::string key = AnalyticsKey(org, s, p);
        std::string api;
        bool same = Eventually([&] {
          api = ApiBody(s, org, p, position);
          return RedisValue(key) == api;
        });
        EXPECT_TRUE(same) << key << "\nredis: " << RedisValue(key) << "\napi:   " << api;
      }
    }
  }

  auth::testkit::TempDir dir_;
  std::string secret_file_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<app::ReadsideServer> server_;
  std::thread serving_;
  std::string token_;
  std::unique_ptr<ingest::HttpClient> http_;
  std::unique_ptr<RedisTestClient> reader_;
  std::unique_ptr<sim::Generator> generator_;
};

TEST_F(RedisSinkServerTest, KeysHoldTheApiBodiesOfTheCurrentMonthAndQuarterWithATtl) {
  uint64_t position = Ingest(*http_, 1500);
  ASSERT_GT(position, 0u);
  ExpectKeysEqualTheApi(kAlpha, position);
  ExpectKeysEqualTheApi(kBeta, position);
  for (const std::string& org : {std::string(kAlpha), std::string(kBeta)}) {
    for (const projection::Period& p : CurrentPeriods()) {
      for (Section s : kSections) {
        auto ttl = reader_->Ttl(AnalyticsKey(org, s, p));
        ASSERT_TRUE(ttl.ok()) << ttl.status();
        EXPECT_GT(*ttl, 0) << AnalyticsKey(org, s, p);
        EXPECT_LE(*ttl, kTtlSeconds) << AnalyticsKey(org, s, p);
      }
    }
  }
  // Nothing but the spec's keys.
  auto keys = reader_->Keys("*");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u * 2u * std::size(kSections));
  std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr("readside_dependency_up{dependency=\"redis\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("readside_redis_breaker_state 0\n"));
}

TEST_F(RedisSinkServerTest, ASubscriberGetsTheChangeOnTheTenantsChannel) {
  auto subscriber = RedisTestClient::Connect(redis_->port());
  ASSERT_TRUE(subscriber.ok()) << subscriber.status();
  ASSERT_TRUE((*subscriber)->Subscribe(std::string(kAlpha) + ":updates").ok());
  uint64_t position = Ingest(*http_, 300);
  std::vector<std::string> periods;
  for (const projection::Period& p : CurrentPeriods()) periods.push_back(projection::FormatPeriod(p));
  // Messages of earlier publications may come first; the one reflecting the ingest comes.
  bool seen = Eventually([&] {
    auto m = (*subscriber)->NextMessage(std::chrono::milliseconds(500));
    EXPECT_TRUE(m.ok()) << m.status();
    if (!m.ok() || !m->has_value()) return false;
    EXPECT_EQ((*m)->first, std::string(kAlpha) + ":updates");
    boost::json::object msg = boost::json::parse((*m)->second).as_object();
    EXPECT_EQ(msg.at("organization_id").as_string(), kAlpha);
    EXPECT_FALSE(msg.at("domains").as_array().empty()) << (*m)->second;
    std::vector<std::string> got;
    for (const auto& p : msg.at("periods").as_array()) got.emplace_back(p.as_string());
    EXPECT_EQ(got, periods);
    return msg.at("position").to_number<uint64_t>() >= position;
  });
  EXPECT_TRUE(seen);
}

TEST_F(RedisSinkServerTest, ATenantsKeysHoldOnlyItsOwnData) {
  uint64_t position = Ingest(*http_, 1000);
  ExpectKeysEqualTheApi(kBeta, position);
  for (const std::string& org : {std::string(kAlpha), std::string(kBeta)}) {
    std::string other = org == kAlpha ? kBeta : kAlpha;
    auto keys = reader_->Keys(org + ":*");
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(keys->size(), 2u * std::size(kSections));
    for (const std::string& key : *keys) {
      std::string value = RedisValue(key);
      EXPECT_EQ(boost::json::parse(value).at("organization_id").as_string(), org) << key;
      EXPECT_THAT(value, Not(HasSubstr(other))) << key;
    }
  }
}

// Redis killed while the server ingests and answers: no request fails, the dependency shows
// down, and once redis-server is back (empty) the sink finds it by itself and writes every
// key again with current values.
TEST_F(RedisSinkServerTest, AnOutageNeverReachesTheApiAndTheSinkRecoversByItself) {
  uint64_t first = Ingest(*http_, 500);
  ExpectKeysEqualTheApi(kAlpha, first);

  Load load;
  StartLoad(&load, first,
            {SectionPath(Section::kCrm, kAlpha), "/analytics/dashboard/" + std::string(kBeta),
             "/health/ready"});

  redis_->Kill();
  uint64_t at_kill = load.requests.load();
  EXPECT_TRUE(Eventually([&] {
    return Metrics().find("readside_dependency_up{dependency=\"redis\"} 0\n") != std::string::npos;
  })) << Metrics();
  EXPECT_TRUE(Eventually([&] {
    return Metrics().find("readside_redis_breaker_state 1\n") != std::string::npos;
  })) << Metrics();
  EXPECT_TRUE(Eventually([&] { return load.requests.load() >= at_kill + 40; }));  // served meanwhile
  // However many events arrive while Redis is down, what waits is one entry per tenant.
  EXPECT_THAT(Metrics(), ::testing::AnyOf(HasSubstr("readside_redis_dirty_tenants 0\n"),
                                          HasSubstr("readside_redis_dirty_tenants 1\n"),
                                          HasSubstr("readside_redis_dirty_tenants 2\n")));
  // Ready all along; the sink's state is there as information.
  auto ready = http_->Request("GET", "/health/ready", "", "");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_THAT(ready->body, HasSubstr(R"("dependencies":{"redis":{"up":false,"breaker":"open"}})"));

  ASSERT_TRUE(redis_->Restart().ok());
  auto reader = RedisTestClient::Connect(redis_->port());
  ASSERT_TRUE(reader.ok()) << reader.status();
  reader_ = std::move(*reader);
  EXPECT_TRUE(Eventually(
      [&] {
        return Metrics().find("readside_dependency_up{dependency=\"redis\"} 1\n") !=
               std::string::npos;
      },
      std::chrono::seconds(60)))
      << Metrics();
  load.Stop();
  EXPECT_EQ(load.failures.load(), 0u) << "of " << load.requests.load() << " requests";
  EXPECT_GT(load.requests.load(), at_kill);

  // Every key is back, with the values of everything ingested during the outage.
  ExpectKeysEqualTheApi(kAlpha, load.last_position.load());
  ExpectKeysEqualTheApi(kBeta, load.last_position.load());
  std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr("readside_redis_breaker_state 0\n"));
  EXPECT_THAT(metrics, Not(HasSubstr("readside_redis_failures_total 0\n")));
  ready = http_->Request("GET", "/health/ready", "", "");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_THAT(ready->body, HasSubstr(R"("dependencies":{"redis":{"up":true,"breaker":"closed"}})"));
}

// Redis hanging rather than gone (SIGSTOP: connections stay open, nothing is answered) is
// caught by the sink's timeouts: the API never waits on it, the breaker opens, and when Redis
// answers again the sink catches up by itself, with the values of what arrived meanwhile.
TEST_F(RedisSinkServerTest, ARedisThatHangsNeverReachesTheApiAndTheSinkCatchesUp) {
  uint64_t first = Ingest(*http_, 300);
  ExpectKeysEqualTheApi(kAlpha, first);

  Load load;
  StartLoad(&load, first, {SectionPath(Section::kCrm, kAlpha)});

  redis_->Pause();
  uint64_t at_pause = load.requests.load();
  EXPECT_TRUE(Eventually([&] {
    return Metrics().find("readside_redis_breaker_state 1\n") != std::string::npos;
  })) << Metrics();
  EXPECT_TRUE(Eventually([&] { return load.requests.load() >= at_pause + 40; }));  // served meanwhile
  auto ready = http_->Request("GET", "/health/ready", "", "");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_THAT(ready->body, HasSubstr(R"("redis":{"up":false,"breaker":"open"})"));

  redis_->Resume();
  EXPECT_TRUE(Eventually(
      [&] {
        return Metrics().find("readside_redis_breaker_state 0\n") != std::string::npos &&
               Metrics().find("readside_dependency_up{dependency=\"redis\"} 1\n") !=
                   std::string::npos;
      },
      std::chrono::seconds(60)))
      << Metrics();
  load.Stop();
  EXPECT_EQ(load.failures.load(), 0u) << "of " << load.requests.load() << " requests";
  EXPECT_GT(load.requests.load(), at_pause + 40);
  ExpectKeysEqualTheApi(kAlpha, load.last_position.load());
}

TEST(RedisSinkFlagsTest, ABadRedisUrlStopsTheStartWithAMessageNamingTheFlag) {
  auth::testkit::TempDir dir;
  app::ServeOptions o;
  o.data_dir = dir.path() + "/data";
  o.listen = "127.0.0.1:0";
  o.keys.secret_file = dir.Write("jwt-secret", std::string(48, 'k'));
  o.access_log = "off";
  o.redis_url = "localhost:6379";
  {
    app::ReadsideServer server(o);
    absl::Status s = server.Start();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("--redis-url 'localhost:6379'"));
  }
  EXPECT_FALSE(std::filesystem::exists(o.data_dir)) << "checked before anything is opened";
  o.redis_url = "redis://127.0.0.1:6379";
  o.redis_ttl_seconds = 0;
  {
    app::ReadsideServer server(o);
    absl::Status s = server.Start();
    EXPECT_THAT(s.message(), HasSubstr("--redis-ttl-seconds must be at least 1"));
  }
}

}  // namespace
}  // namespace readside::sink
