#include "http/access_log.h"

#include <cerrno>
#include <cstring>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace readside::http {

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& destination,
                                                           const Clock* clock,
                                                           size_t max_buffer_bytes) {
  FILE* out = stderr;
  bool owned = false;
  if (destination != "-") {
    out = std::fopen(destination.c_str(), "ae");
    if (out == nullptr) {
      return absl::InvalidArgumentError("cannot open access log " + destination + ": " +
                                        std::strerror(errno));
    }
    owned = true;
  }
  return std::unique_ptr<AccessLog>(new AccessLog(out, owned, clock, max_buffer_bytes));
}

AccessLog::AccessLog(FILE* out, bool owned, const Clock* clock, size_t max_buffer_bytes)
    : out_(out), owned_(owned), clock_(clock), max_buffer_bytes_(max_buffer_bytes) {
  writer_ = std::thread([this] { WriterLoop(); });
}

AccessLog::~AccessLog() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  wake_.Signal();
  writer_.join();
  if (owned_) std::fclose(out_);
}

void AccessLog::Record(const Request& req, const std::string& route, int status, uint64_t micros) {
  JsonBuilder b;
  b.BeginObject().Key("ts").String(FormatRfc3339(clock_->NowMicros()));
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
  std::string line = b.Take();
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  if (buffer_.size() + line.size() > max_buffer_bytes_) {
    dropped_.Add();
    return;
  }
  bool was_empty = buffer_.empty();
  buffer_ += line;
  ++appended_;
  if (was_empty) wake_.Signal();
}

void AccessLog::WriterLoop() {
  std::string batch;
  mu_.Lock();
  while (true) {
    while (!stop_ && buffer_.empty()) wake_.Wait(&mu_);
    if (buffer_.empty() && stop_) break;
    batch.swap(buffer_);
    uint64_t lines = appended_;
    mu_.Unlock();
    std::fwrite(batch.data(), 1, batch.size(), out_);
    std::fflush(out_);
    batch.clear();
    mu_.Lock();
    flushed_ = lines;
    written_.SignalAll();
  }
  mu_.Unlock();
}

void AccessLog::Flush() {
  absl::MutexLock lock(&mu_);
  uint64_t target = appended_;
  while (flushed_ < target) written_.Wait(&mu_);
}

void AccessLog::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderCounter("readside_access_log_dropped_total",
                  "access log lines dropped because the writer fell behind", dropped_.value(), out);
  });
}

}  // namespace readside::http
