#pragma once
// One blocking connection to Redis: connect (with SELECT of the database) and pipelines of
// commands. The adapter of hiredis, whose headers stay in redis_client.cc; its error codes
// become absl::Status here. Every call is bounded by the connect and command timeouts, so a
// Redis that hangs costs the caller at most those.
// Thread-safety: not thread-safe; one thread uses a client (the sink's).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sink/redis_url.h"

struct redisContext;  // hiredis's, defined in <hiredis/hiredis.h>

namespace readside::sink {

// A command and its arguments, e.g. {"SET", key, value, "EX", "3600"}.
using RedisCommand = std::vector<std::string>;

struct RedisClientOptions {
  RedisEndpoint endpoint;
  // Connecting (TCP and the SELECT), and each pipeline's reads and writes: short, so that a
  // dead or hung Redis opens the breaker in seconds, not minutes.
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{2000};
};

class RedisClient {
 public:
  explicit RedisClient(RedisClientOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  bool connected() const { return context_ != nullptr; }
  // Connects (closing a previous connection) and selects the database. On failure:
  // Unavailable with hiredis's reason, and not connected.
  absl::Status Connect();
  void Close();
  // Sends every command in one write and reads every reply, in order. On an I/O error or a
  // timeout: Unavailable and the connection is closed (the replies still owed are unknown).
  // On error replies (the connection stays usable): Internal naming the first failing
  // command and Redis's message. REQUIRES: connected().
  absl::Status Pipeline(const std::vector<RedisCommand>& commands);

 private:
  absl::Status IoError(const char* what);

  const RedisClientOptions options_;
  redisContext* context_ = nullptr;
};

}  // namespace readside::sink
