// The access log: the exact bytes of a line, every line whole and valid JSON under concurrent
// writers, dropping and counting when the writer falls behind, writing everything on Flush
// and on destruction.

#include "http/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "boost/json.hpp"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "gtest/gtest.h"

namespace readside::http {
namespace {

// The line as the access log wrote it with JsonBuilder before it formatted in place.
std::string ReferenceLine(int64_t now, const Request& req, const std::string& route, int status,
                          uint64_t micros) {
  JsonBuilder b;
  b.BeginObject().Key("ts").String(FormatRfc3339(now));
  b.Key("request_id").String(req.request_id).Key("remote").String(req.remote);
  b.Key("method").String(req.method).Key("path").String(req.path).Key("route").String(route);
  auto org = req.params.find("org");
  b.Key("tenant");
  if (org != req.params.end())
    b.String(org->second);
  else
    b.Null();
  b.Key("sub");
  if (req.principal && !req.principal->subject.empty())
    b.String(req.principal->subject);
  else
    b.Null();
  b.Key("status").Int(status).Key("latency_us").Int(static_cast<int64_t>(micros)).EndObject();
  return b.Take() + "\n";
}

std::string TempPath(const std::string& name) {
  static std::atomic<int> n{0};
  std::string path = testing::TempDir() + "/access_log_test_" + std::to_string(::getpid()) +
                     "_" + std::to_string(n++) + "_" + name;
  ::unlink(path.c_str());
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  EXPECT_EQ(start, text.size()) << "the text ends inside a line";
  return lines;
}

Request MakeRequest(std::string id, std::string path) {
  Request req;
  req.method = "GET";
  req.path = std::move(path);
  req.request_id = std::move(id);
  req.remote = "127.0.0.1:5555";
  return req;
}

TEST(AccessLogTest, LinesAreTheBytesTheJsonBuilderWrote) {
  std::string path = TempPath("format.log");
  ManualClock clock;
  const int64_t t = 1'705'312'800'000'000;  // 2024-01-15T10:00:00Z
  // Whole seconds, milliseconds, microseconds, the next second and back, the epoch, before it.
  const std::vector<int64_t> times = {t,     t + 123'000, t + 123'456, t + 1,   t + 999'999,
                                      t + 1'000'000, t + 7,       0,       -1,
                                      -1'000'000, -1'500'000, 253'402'300'799'999'999};
  const std::vector<std::string> paths = {
      "/analytics/dashboard/acme-corp", "", "/a\"b\\c", "/tab\there/nl\nend", "/ctl\x01\x1f\x7f",
      "/\xc3\xbc/\xe6\x97\xa5\xe6\x9c\xac", std::string(37, 'x') + "\"" + std::string(9, 'y'),
      std::string("/nul\0byte", 9)};
  auto subject = std::make_shared<auth::Principal>();
  subject->subject = "user \"42\"";
  auto anonymous = std::make_shared<auth::Principal>();  // empty subject: logged as null
  std::string expected;
  {
    auto log = AccessLog::Open(path, &clock);
    ASSERT_TRUE(log.ok()) << log.status();
    int i = 0;
    for (int64_t now : times) {
      for (const std::string& p : paths) {
        Request req = MakeRequest("req-" + std::to_string(i), p);
        if (i % 3 == 0) req.params["org"] = "acme-\"corp\"";
        if (i % 4 == 1) req.principal = subject;
        if (i % 4 == 2) req.principal = anonymous;
        std::string route = i % 2 ? "/analytics/dashboard/{org}" : "";
        uint64_t micros = static_cast<uint64_t>(i) * 977;
        clock.Set(now);
        (*log)->Record(req, route, 200 + i % 300, micros);
        expected += ReferenceLine(now, req, route, 200 + i % 300, micros);
        ++i;
      }
    }
  }
  std::string text = ReadFile(path);
  EXPECT_EQ(text, expected);
  for (const std::string& line : Lines(text)) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
  }
}

TEST(AccessLogTest, OddPathsRoundTripThroughJson) {
  std::string path = TempPath("paths.log");
  const std::vector<std::string> paths = {"/a\"b\\c\\\"", "/\t\n\r\b\f", std::string("\0\x01", 2),
                                          "/\xe2\x82\xac", "/%2e%2e/..", "/</script>"};
  {
    auto log = AccessLog::Open(path, &SystemClock::Get());
    ASSERT_TRUE(log.ok());
    for (const std::string& p : paths) (*log)->Record(MakeRequest("r", p), "", 404, 1);
  }
  std::vector<std::string> lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    boost::json::object o = boost::json::parse(lines[i]).as_object();
    EXPECT_EQ(std::string(o.at("path").as_string()), paths[i]) << lines[i];
    EXPECT_EQ(o.at("status").as_int64(), 404);
  }
}

TEST(AccessLogTest, ConcurrentWritersLogEveryLineWholeAndInOrder) {
  std::string path = TempPath("concurrent.log");
  constexpr int kThreads = 4, kPerThread = 20000;
  uint64_t dropped;
  {
    auto log = AccessLog::Open(path, &SystemClock::Get(),
                               {.flush_interval = absl::Microseconds(200)});
    ASSERT_TRUE(log.ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          Request req = MakeRequest(std::to_string(t) + ":" + std::to_string(i),
                                    "/analytics/dashboard/org-" + std::to_string(t));
          req.params["org"] = "org-" + std::to_string(t);
          (*log)->Record(req, "/analytics/dashboard/{org}", 200, i);
          if (i % 5000 == 0) (*log)->Flush();
        }
      });
    }
    for (auto& th : threads) th.join();
    dropped = (*log)->dropped();
  }
  EXPECT_EQ(dropped, 0u);
  std::vector<std::string> lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    const boost::json::object& o = v.as_object();
    std::string id(o.at("request_id").as_string());
    int t = std::stoi(id.substr(0, id.find(':')));
    int i = std::stoi(id.substr(id.find(':') + 1));
    ASSERT_EQ(i, next[t]) << "lines of one thread out of order or missing: " << line;
    ++next[t];
    EXPECT_EQ(std::string(o.at("tenant").as_string()), "org-" + std::to_string(t));
    EXPECT_EQ(o.at("latency_us").as_int64(), i);
  }
}

TEST(AccessLogTest, DropsAndCountsWhenTheWriterFallsBehind) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::fcntl(fds[1], F_SETPIPE_SZ, 4096);  // the smallest pipe: the writer blocks almost at once
  constexpr int kLines = 2000;
  MetricsRegistry metrics;
  auto log = AccessLog::ForFd(fds[1], /*owned=*/true, &SystemClock::Get(),
                              {.max_buffer_bytes = 4096, .flush_interval = absl::Milliseconds(1)});
  log->RegisterMetrics(&metrics);
  // Nobody reads the pipe yet: the writer blocks in writev, and Record must neither block nor
  // lose count.
  for (int i = 0; i < kLines; ++i) {
    log->Record(MakeRequest("id-" + std::to_string(i), "/p"), "/p", 200, 1);
  }
  uint64_t dropped = log->dropped();
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, static_cast<uint64_t>(kLines));
  EXPECT_NE(metrics.Render().find("readside_access_log_dropped_total " + std::to_string(dropped)),
            std::string::npos)
      << metrics.Render();

  std::string text;
  std::thread reader([&] {
    char buf[65536];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  });
  log.reset();  // writes what it holds, closes the write end: the reader sees EOF
  reader.join();
  ::close(fds[0]);
  std::vector<std::string> lines = Lines(text);
  EXPECT_EQ(lines.size() + dropped, static_cast<size_t>(kLines));
  int last = -1;
  for (const std::string& line : lines) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    int i = std::stoi(std::string(v.as_object().at("request_id").as_string()).substr(3));
    EXPECT_GT(i, last);
    last = i;
  }
}

TEST(AccessLogTest, DestructionWritesEverythingIncludingLinesOfExitedThreads) {
  std::string path = TempPath("shutdown.log");
  {
    // The writer would not wake on its own during the test: only destruction writes.
    auto log = AccessLog::Open(path, &SystemClock::Get(), {.flush_interval = absl::Hours(1)});
    ASSERT_TRUE(log.ok());
    for (int t = 0; t < 3; ++t) {
      std::thread([&] {
        for (int i = 0; i < 500; ++i) (*log)->Record(MakeRequest("x", "/p"), "/p", 200, 1);
      }).join();
    }
    (*log)->Record(MakeRequest("main", "/p"), "/p", 200, 1);
    EXPECT_EQ(ReadFile(path), "");
  }
  EXPECT_EQ(Lines(ReadFile(path)).size(), 1501u);
}

TEST(AccessLogTest, FlushWritesWhatWasRecordedBeforeIt) {
  std::string path = TempPath("flush.log");
  auto log = AccessLog::Open(path, &SystemClock::Get(), {.flush_interval = absl::Hours(1)});
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 3; ++i) (*log)->Record(MakeRequest("a", "/p"), "/p", 200, 1);
  (*log)->Flush();
  EXPECT_EQ(Lines(ReadFile(path)).size(), 3u);
  (*log)->Record(MakeRequest("b", "/p"), "/p", 200, 1);
  (*log)->Flush();
  EXPECT_EQ(Lines(ReadFile(path)).size(), 4u);
}

TEST(AccessLogTest, AThreadRecordingIntoTwoLogsWritesEachLineToItsLog) {
  std::string a = TempPath("a.log"), b = TempPath("b.log");
  {
    auto log_a = AccessLog::Open(a, &SystemClock::Get());
    auto log_b = AccessLog::Open(b, &SystemClock::Get());
    ASSERT_TRUE(log_a.ok() && log_b.ok());
    (*log_a)->Record(MakeRequest("a1", "/p"), "/p", 200, 1);
    (*log_b)->Record(MakeRequest("b1", "/p"), "/p", 200, 1);
    (*log_a)->Record(MakeRequest("a2", "/p"), "/p", 200, 1);
  }
  std::string text_a = ReadFile(a), text_b = ReadFile(b);
  EXPECT_EQ(Lines(text_a).size(), 2u);
  EXPECT_NE(text_a.find("\"a2\""), std::string::npos);
  EXPECT_EQ(Lines(text_b).size(), 1u);
  EXPECT_NE(text_b.find("\"b1\""), std::string::npos);
}

TEST(AccessLogTest, OpenFailureNamesThePath) {
  auto log = AccessLog::Open("/nonexistent-dir/access.log", &SystemClock::Get());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(log.status().message().find("/nonexistent-dir/access.log"), std::string::npos);
}

}  // namespace
}  // namespace readside::http
