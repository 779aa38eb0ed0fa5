#include "trace/testing/fake_collector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace readside::trace::testing {
namespace {

// Waits up to 50 ms for `fd` to become readable, so the thread notices Stop() quickly.
bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 50) > 0;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 429:
      return "Too Many Requests";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<FakeCollector>> FakeCollector::Start() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("fake collector: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("fake collector: bind/listen: errno ", errno));
  }
  return std::unique_ptr<FakeCollector>(new FakeCollector(fd, ntohs(addr.sin_port)));
}

FakeCollector::FakeCollector(int listen_fd, int port) : listen_fd_(listen_fd), port_(port) {
  thread_ = std::thread([this] { Run(); });
}

FakeCollector::~FakeCollector() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
  close(listen_fd_);
}

std::string FakeCollector::url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/v1/traces");
}

void FakeCollector::ScriptStatuses(std::vector<int> statuses) {
  absl::MutexLock lock(&mu_);
  statuses_.assign(statuses.begin(), statuses.end());
}

void FakeCollector::SetRetryAfter(std::string value) {
  absl::MutexLock lock(&mu_);
  retry_after_ = std::move(value);
}

void FakeCollector::Hold() {
  absl::MutexLock lock(&mu_);
  held_ = true;
}

void FakeCollector::Release() {
  absl::MutexLock lock(&mu_);
  held_ = false;
}

bool FakeCollector::WaitForRequests(size_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto arrived = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
}

std::vector<FakeCollector::Request> FakeCollector::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool FakeCollector::Stopping() {
  absl::MutexLock lock(&mu_);
  return stop_;
}

void FakeCollector::Run() {
  while (!Stopping()) {
    if (!Readable(listen_fd_)) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    Serve(fd);
    close(fd);
  }
}

void FakeCollector::Serve(int fd) {
  std::string buffer;
  Request request;
  while (ReadRequest(fd, &buffer, &request)) {
    int status = 200;
    std::string extra_headers;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
      if ((status < 200 || status > 299) && !retry_after_.empty()) {
        extra_headers = absl::StrCat("Retry-After: ", retry_after_, "\r\n");
      }
      auto answerable = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !held_ || stop_; };
      mu_.Await(absl::Condition(&answerable));
      if (stop_) return;
    }
    std::string answer = absl::StrCat("HTTP/1.1 ", status, " ", ReasonPhrase(status),
                                      "\r\nContent-Type: application/json\r\n", extra_headers,
                                      "Content-Length: 2\r\n\r\n{}");
    if (send(fd, answer.data(), answer.size(), MSG_NOSIGNAL) < 0) return;
  }
}

bool FakeCollector::ReadRequest(int fd, std::string* buffer, Request* request) {
  size_t header_end;
  size_t content_length = 0;
  bool have_headers = false;
  char chunk[16384];
  while (true) {
    if (!have_headers && (header_end = buffer->find("\r\n\r\n")) != std::string::npos) {
      have_headers = true;
      std::vector<absl::string_view> lines =
          absl::StrSplit(absl::string_view(*buffer).substr(0, header_end), "\r\n");
      std::vector<absl::string_view> first = absl::StrSplit(lines[0], ' ');
      request->method = std::string{first[0]};
      request->target = first.size() > 1 ? std::string{first[1]} : "";
      request->content_type.clear();
      for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        if (colon == absl::string_view::npos) continue;
        absl::string_view name = lines[i].substr(0, colon);
        absl::string_view value = absl::StripAsciiWhitespace(lines[i].substr(colon + 1));
        if (absl::EqualsIgnoreCase(name, "content-length")) {
          (void)absl::SimpleAtoi(value, &content_length);
        }
        if (absl::EqualsIgnoreCase(name, "content-type")) {
          request->content_type = std::string{value};
        }
      }
      header_end += 4;
    }
    if (have_headers && buffer->size() >= header_end + content_length) {
      request->body = buffer->substr(header_end, content_length);
      buffer->erase(0, header_end + content_length);
      return true;
    }
    if (Stopping()) return false;
    if (!Readable(fd)) continue;
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace readside::trace::testing
