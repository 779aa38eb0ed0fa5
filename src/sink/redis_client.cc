#include "sink/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>


namespace readside::sink {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

}  // namespace

RedisClient::RedisClient(RedisClientOptions options) : options_(std::move(options)) {}

RedisClient::~RedisClient() { Close(); }

void RedisClient::Close() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

absl::Status RedisClient::IoError(const char* what) {
  std::string reason = context_ != nullptr && context_->errstr[0] != '\0'
                           ? context_->errstr
                           : "connection lost";
  Close();
  return absl::UnavailableError("redis " + options_.endpoint.ToString() + ": " + what + ": " +
                                reason);
}

absl::Status RedisClient::Connect() {
  Close();
  const RedisEndpoint& e = options_.endpoint;
  redisContext* c =
      redisConnectWithTimeout(e.host.c_str(), e.port, ToTimeval(options_.connect_timeout));
  if (c == nullptr) {
    return absl::UnavailableError("redis " + e.ToString() + ": out of memory");
  }
  context_ = c;
  if (c->err != 0) return IoError("connect");
  if (redisSetTimeout(c, ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return IoError("set timeout");
  }
  if (e.db != 0) return Pipeline({{"SELECT", std::to_string(e.db)}});
  return absl::OkStatus();
}

absl::Status RedisClient::Pipeline(const std::vector<RedisCommand>& commands) {
  redisContext* c = context_;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const RedisCommand& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()) !=
        REDIS_OK) {
      return IoError("append");
    }
  }
  absl::Status first_error;
  for (const RedisCommand& command : commands) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) return IoError("reply");
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR && first_error.ok()) {
      first_error = absl::InternalError("redis " + command.front() + ": " +
                                        std::string(reply->str, reply->len));
    }
    freeReplyObject(reply);
  }
  return first_error;
}

}  // namespace readside::sink
