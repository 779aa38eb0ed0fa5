#include "sink/testing/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>


namespace readside::sink::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool AnswersPing(int port) {
  timeval tv{0, 200'000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  bool ok = false;
  if (c != nullptr && c->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (c != nullptr) redisFree(c);
  return ok;
}

}  // namespace

std::string RedisServerPath() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t begin = 0; begin <= dirs.size();) {
    size_t end = std::min(dirs.find(':', begin), dirs.size());
    std::string candidate = dirs.substr(begin, end - begin) + "/redis-server";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {  // another process may take the port first
    std::unique_ptr<RedisServer> server(new RedisServer(FreePort()));
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

RedisServer::~RedisServer() { Kill(); }

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::Pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

absl::Status RedisServer::Restart() {
  Kill();
  // The port is free again at once (redis-server listens with SO_REUSEADDR); retry briefly
  // in case the kernel has not released it yet.
  absl::Status s;
  for (int attempt = 0; attempt < 20; ++attempt) {
    s = Launch();
    if (s.ok()) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return s;
}

absl::Status RedisServer::Launch() {
  std::string path = RedisServerPath();
  if (path.empty()) return absl::NotFoundError("redis-server is not installed");
  std::string port = std::to_string(port_);
  std::vector<std::string> args = {"redis-server", "--port", port,  "--bind", "127.0.0.1",
                                   "--save",       "",       "--appendonly", "no"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {  // the child: only async-signal-safe calls until exec
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (AnswersPing(port_)) return absl::OkStatus();
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken, …
      pid_ = -1;
      return absl::UnavailableError("redis-server exited on port " + std::to_string(port_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return absl::DeadlineExceededError("redis-server did not answer PING within 10 s");
}

struct RedisTestClient::Reply {
  redisReply* r = nullptr;
  Reply() = default;
  explicit Reply(redisReply* reply) : r(reply) {}
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply() {
    if (r != nullptr) freeReplyObject(r);
  }
};

absl::StatusOr<std::unique_ptr<RedisTestClient>> RedisTestClient::Connect(int port) {
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (c == nullptr || c->err != 0) {
    std::string why = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    return absl::UnavailableError("redis connect: " + why);
  }
  redisSetTimeout(c, timeval{5, 0});
  return std::unique_ptr<RedisTestClient>(new RedisTestClient(c));
}

RedisTestClient::~RedisTestClient() { redisFree(context_); }

absl::StatusOr<std::unique_ptr<RedisTestClient::Reply>> RedisTestClient::Command(
    const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  void* r = redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                             lengths.data());
  if (r == nullptr) return absl::UnavailableError(context_->errstr);
  auto reply = std::make_unique<Reply>();
  reply->r = static_cast<redisReply*>(r);
  if (reply->r->type == REDIS_REPLY_ERROR) return absl::InternalError(reply->r->str);
  return reply;
}

absl::StatusOr<std::optional<std::string>> RedisTestClient::Get(const std::string& key) {
  auto reply = Command({"GET", key});
  if (!reply.ok()) return reply.status();
  if ((*reply)->r->type == REDIS_REPLY_NIL) return std::nullopt;
  return std::string((*reply)->r->str, (*reply)->r->len);
}

absl::StatusOr<int64_t> RedisTestClient::Ttl(const std::string& key) {
  auto reply = Command({"TTL", key});
  if (!reply.ok()) return reply.status();
  return static_cast<int64_t>((*reply)->r->integer);
}

absl::StatusOr<std::vector<std::string>> RedisTestClient::Keys(const std::string& pattern) {
  auto reply = Command({"KEYS", pattern});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> keys;
  for (size_t i = 0; i < (*reply)->r->elements; ++i) {
    keys.emplace_back((*reply)->r->element[i]->str, (*reply)->r->element[i]->len);
  }
  return keys;
}

absl::Status RedisTestClient::Subscribe(const std::string& channel) {
  return Command({"SUBSCRIBE", channel}).status();
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>> RedisTestClient::NextMessage(
    std::chrono::milliseconds timeout) {
  redisContext* c = context_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(c, &raw) != REDIS_OK) return absl::UnavailableError(c->errstr);
    if (raw != nullptr) {
      Reply reply(static_cast<redisReply*>(raw));
      redisReply* r = reply.r;
      // ["message", channel, payload]
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
          std::string_view(r->element[0]->str, r->element[0]->len) == "message") {
        return std::make_pair(std::string(r->element[1]->str, r->element[1]->len),
                              std::string(r->element[2]->str, r->element[2]->len));
      }
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{c->fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;  // timeout: checked above
    if (redisBufferRead(c) != REDIS_OK) return absl::UnavailableError(c->errstr);
  }
}

}  // namespace readside::sink::testing
