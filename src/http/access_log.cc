#include "http/access_log.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace readside::http {

namespace {

// The whole-second part of the last timestamp one thread formatted ("2024-01-15T10:00:00"):
// a busy thread formats it once per second instead of once per request.
struct SecondText {
  int64_t second = INT64_MIN;
  char text[40];
  size_t size = 0;
};

// Appends FormatRfc3339(micros) (same bytes) using and refreshing `cache`.
void AppendTimestamp(std::string* out, SecondText* cache, int64_t micros) {
  int64_t second = micros >= 0 ? micros / kMicrosPerSecond
                               : -((-micros + kMicrosPerSecond - 1) / kMicrosPerSecond);
  if (second != cache->second) {
    std::string text = FormatRfc3339(second * kMicrosPerSecond);  // no fraction: "…:SSZ"
    cache->size = std::min(text.size() - 1, sizeof cache->text);
    std::memcpy(cache->text, text.data(), cache->size);
    cache->second = second;
  }
  out->append(cache->text, cache->size);
  int64_t fraction = micros - second * kMicrosPerSecond;  // 0 … 999'999
  if (fraction != 0) {
    int digits = 6;
    if (fraction % 1000 == 0) {
      fraction /= 1000;
      digits = 3;
    }
    char buf[8];
    buf[0] = '.';
    for (int i = digits; i >= 1; --i, fraction /= 10) buf[i] = static_cast<char>('0' + fraction % 10);
    out->append(buf, digits + 1);
  }
  out->push_back('Z');
}

void AppendStringOrNull(std::string* out, const std::string* value) {
  if (value == nullptr) {
    out->append("null");
  } else {
    AppendJsonString(out, *value);
  }
}

// One line, formatted in place: {"ts":…,"request_id":…,"remote":…,"method":…,"path":…,
// "route":…,"tenant":…,"sub":…,"status":…,"latency_us":…}\n — the bytes JsonBuilder wrote.
void AppendLine(std::string* out, SecondText* ts, int64_t now_micros, const Request& req,
                std::string_view route, int status, uint64_t micros) {
  out->append(R"({"ts":")");
  AppendTimestamp(out, ts, now_micros);
  out->append(R"(","request_id":)");
  AppendJsonString(out, req.request_id);
  out->append(R"(,"remote":)");
  AppendJsonString(out, req.remote);
  out->append(R"(,"method":)");
  AppendJsonString(out, req.method);
  out->append(R"(,"path":)");
  AppendJsonString(out, req.path);
  out->append(R"(,"route":)");
  AppendJsonString(out, route);
  out->append(R"(,"tenant":)");
  auto org = req.params.find("org");
  AppendStringOrNull(out, org == req.params.end() ? nullptr : &org->second);
  out->append(R"(,"sub":)");
  AppendStringOrNull(out, req.principal && !req.principal->subject.empty()
                              ? &req.principal->subject
                              : nullptr);
  out->append(R"(,"status":)");
  AppendJsonInt(out, status);
  out->append(R"(,"latency_us":)");
  AppendJsonInt(out, static_cast<int64_t>(micros));
  out->append("}\n");
}

// Writes every byte of `iov` (retrying short writes and EINTR). Returns how many lines were
// not written completely (0 on success).
uint64_t WriteAll(int fd, std::vector<iovec>* iov) {
  size_t i = 0;
  while (i < iov->size()) {
    int count = static_cast<int>(std::min<size_t>(iov->size() - i, IOV_MAX));
    ssize_t n = ::writev(fd, iov->data() + i, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    auto left = static_cast<size_t>(n);
    while (i < iov->size() && left >= (*iov)[i].iov_len) left -= (*iov)[i++].iov_len;
    if (left > 0) {
      (*iov)[i].iov_base = static_cast<char*>((*iov)[i].iov_base) + left;
      (*iov)[i].iov_len -= left;
    }
  }
  uint64_t lost = 0;
  for (; i < iov->size(); ++i) {
    const char* p = static_cast<const char*>((*iov)[i].iov_base);
    lost += std::count(p, p + (*iov)[i].iov_len, '\n');
  }
  return lost;
}

std::atomic<uint64_t> next_log_id{1};

}  // namespace

// One recording thread's lines. The owning thread appends under `mu`, which only the writer
// also takes, once per pass, to swap the buffer out: the lock is practically uncontended.
struct AccessLog::Shard {
  absl::Mutex mu;
  std::string buffer ABSL_GUARDED_BY(mu);
  SecondText ts ABSL_GUARDED_BY(mu);
  std::string taken;  // writer thread only: the buffer being written (keeps its capacity)
};

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& destination,
                                                           const Clock* clock,
                                                           AccessLogOptions options) {
  if (destination == "-") return ForFd(STDERR_FILENO, false, clock, options);
  int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd < 0) {
    return absl::InvalidArgumentError("cannot open access log " + destination + ": " +
                                      std::strerror(errno));
  }
  return ForFd(fd, true, clock, options);
}

std::unique_ptr<AccessLog> AccessLog::ForFd(int fd, bool owned, const Clock* clock,
                                            AccessLogOptions options) {
  return std::unique_ptr<AccessLog>(new AccessLog(fd, owned, clock, options));
}

AccessLog::AccessLog(int fd, bool owned, const Clock* clock, AccessLogOptions options)
    : fd_(fd), owned_(owned), clock_(clock), options_(options), id_(next_log_id.fetch_add(1)) {
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rs-access-log");
    WriterLoop();
  });
}

AccessLog::~AccessLog() {
  {
    absl::MutexLock lock(&writer_mu_);
    stop_ = true;
    wake_writer_.Signal();
  }
  writer_.join();
  if (owned_) ::close(fd_);
}

AccessLog::Shard* AccessLog::ThisThreadShard() {
  struct Slot {
    uint64_t log_id = 0;
    Shard* shard = nullptr;
  };
  thread_local Slot slot;
  if (slot.log_id == id_) return slot.shard;
  std::thread::id me = std::this_thread::get_id();
  absl::MutexLock lock(&shards_mu_);
  auto it = std::find_if(shards_.begin(), shards_.end(), [&](auto& s) { return s.first == me; });
  if (it == shards_.end()) {
    auto shard = std::make_unique<Shard>();
    {
      absl::MutexLock shard_lock(&shard->mu);
      shard->buffer.reserve(std::min<size_t>(options_.max_buffer_bytes, 256 << 10));
    }
    it = shards_.emplace(shards_.end(), me, std::move(shard));
  }
  slot = {id_, it->second.get()};
  return slot.shard;
}

void AccessLog::Record(const Request& req, std::string_view route, int status, uint64_t micros) {
  Shard* shard = ThisThreadShard();
  int64_t now = clock_->NowMicros();
  absl::MutexLock lock(&shard->mu);
  std::string& out = shard->buffer;
  size_t start = out.size();
  AppendLine(&out, &shard->ts, now, req, route, status, micros);
  if (out.size() > options_.max_buffer_bytes) {  // the writer is behind: drop, never wait
    out.resize(start);
    dropped_.Add();
  }
}

void AccessLog::WriterLoop() {
  writer_mu_.Lock();
  while (true) {
    if (!stop_ && flush_requested_ == flush_done_) {
      wake_writer_.WaitWithTimeout(&writer_mu_, options_.flush_interval);
    }
    bool stopping = stop_;
    uint64_t serving = flush_requested_;
    writer_mu_.Unlock();
    WritePass();  // takes every line recorded before `serving` was read
    writer_mu_.Lock();
    flush_done_ = serving;
    flushed_.SignalAll();
    if (stopping) break;
  }
  writer_mu_.Unlock();
}

void AccessLog::WritePass() {
  std::vector<Shard*> taken;
  {
    absl::MutexLock lock(&shards_mu_);
    for (auto& [thread, shard] : shards_) {
      absl::MutexLock shard_lock(&shard->mu);
      if (shard->buffer.empty()) continue;
      shard->buffer.swap(shard->taken);
      taken.push_back(shard.get());
    }
  }
  if (taken.empty()) return;
  std::vector<iovec> iov;
  iov.reserve(taken.size());
  for (Shard* shard : taken) iov.push_back({shard->taken.data(), shard->taken.size()});
  if (uint64_t lost = WriteAll(fd_, &iov)) dropped_.Add(lost);
  for (Shard* shard : taken) shard->taken.clear();
}

void AccessLog::Flush() {
  absl::MutexLock lock(&writer_mu_);
  uint64_t ticket = ++flush_requested_;
  wake_writer_.Signal();
  while (flush_done_ < ticket) flushed_.Wait(&writer_mu_);
}

void AccessLog::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderCounter("readside_access_log_dropped_total",
                  "access log lines dropped because the writer fell behind or a write failed",
                  dropped_.value(), out);
  });
}

}  // namespace readside::http
