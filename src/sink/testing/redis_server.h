#pragma once
// Test-only: a real redis-server run by the test as a plain foreground child process on
// loopback (no persistence), and a small hiredis client to read what the sink wrote (GET,
// TTL, KEYS) and to SUBSCRIBE. The child gets SIGKILL when the test process dies.
// Thread-safety: each object is used by one thread at a time.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct redisContext;  // hiredis's

namespace readside::sink::testing {

// The redis-server executable on PATH, or "" when it is not installed.
std::string RedisServerPath();

class RedisServer {
 public:
  // Starts redis-server on a free loopback port and waits (up to 10 s) until it answers PING.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();
  ~RedisServer();  // Kill()

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // SIGKILL (an outage, not a shutdown) and reap. No-op when not running.
  void Kill();
  // Starts it again on the same port, empty, and waits until it answers PING.
  absl::Status Restart();
  // SIGSTOP: Redis hangs with its connections open (the kernel still accepts new ones), the
  // failure only a timeout catches, unlike a refused connection. Resume: SIGCONT.
  void Pause();
  void Resume();

 private:
  explicit RedisServer(int port) : port_(port) {}
  absl::Status Launch();

  int port_;
  pid_t pid_ = -1;
};

class RedisTestClient {
 public:
  static absl::StatusOr<std::unique_ptr<RedisTestClient>> Connect(int port);
  ~RedisTestClient();

  // nullopt when the key does not exist.
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key);
  // Seconds left; -1 without expiry, -2 when the key does not exist.
  absl::StatusOr<int64_t> Ttl(const std::string& key);
  absl::StatusOr<std::vector<std::string>> Keys(const std::string& pattern);
  absl::Status Subscribe(const std::string& channel);
  // The next (channel, message) on a subscribed channel; nullopt when none comes in `timeout`.
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> NextMessage(
      std::chrono::milliseconds timeout);

 private:
  struct Reply;
  explicit RedisTestClient(redisContext* context) : context_(context) {}
  absl::StatusOr<std::unique_ptr<Reply>> Command(const std::vector<std::string>& argv);
  redisContext* context_;
};

}  // namespace readside::sink::testing
