// Boost.Beast adapter for HttpClient and the ingest command loop.

#include "ingest/ingest_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

namespace readside::ingest {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  std::string host, port, token;
  net::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;

  absl::Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec) return absl::UnavailableError("cannot resolve " + host + ": " + ec.message());
    stream = std::make_unique<beast::tcp_stream>(ioc);
    stream->expires_after(std::chrono::seconds(10));
    stream->connect(results, ec);
    if (ec) {
      stream.reset();
      return absl::UnavailableError("cannot connect to " + host + ":" + port + ": " + ec.message());
    }
    return absl::OkStatus();
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url,
                                                               std::string bearer_token) {
  std::string_view u = base_url;
  if (!u.starts_with("http://")) {
    return absl::InvalidArgumentError("--url must look like http://host:port, got " +
                                      std::string(base_url));
  }
  u.remove_prefix(7);
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  auto impl = std::make_unique<Impl>();
  size_t colon = u.rfind(':');
  impl->host = std::string(colon == std::string_view::npos ? u : u.substr(0, colon));
  impl->port = colon == std::string_view::npos ? "80" : std::string(u.substr(colon + 1));
  if (impl->host.starts_with('[') && impl->host.ends_with(']')) {
    impl->host = impl->host.substr(1, impl->host.size() - 2);
  }
  impl->token = std::move(bearer_token);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

absl::StatusOr<HttpResult> HttpClient::Request(std::string_view method, std::string_view target,
                                               std::string_view content_type,
                                               std::string_view body) {
  for (int attempt = 0; attempt < 2; ++attempt) {  // once more on a stale keep-alive socket
    bool fresh = !impl_->stream;
    if (fresh) {
      if (absl::Status s = impl_->Connect(); !s.ok()) return s;
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, impl_->host);
    req.set(http::field::user_agent, "readside-ingest");
    if (!impl_->token.empty()) req.set(http::field::authorization, "Bearer " + impl_->token);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::string(body);
    req.prepare_payload();
    beast::error_code ec;
    impl_->stream->expires_after(std::chrono::seconds(60));
    http::write(*impl_->stream, req, ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 << 20);
    if (!ec) http::read(*impl_->stream, buffer, parser, ec);
    if (ec) {
      impl_->stream.reset();
      if (!fresh) continue;
      return absl::UnavailableError(std::string(method) + " " + std::string(target) + ": " +
                                    ec.message());
    }
    auto& res = parser.get();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    out.retry_after = std::string(res[http::field::retry_after]);
    out.body = std::move(res.body());
    if (!res.keep_alive()) impl_->stream.reset();
    return out;
  }
  return absl::UnavailableError("connection lost");
}

namespace {

// Adds a UUID event_id to an NDJSON line that has none, so retries stay idempotent. Only
// lines that parse as a JSON object without event_id are touched; anything else is sent as is
// for the server to judge.
std::string EnsureEventId(std::string line) {
  // Fast path: producers (and the server's stored form) put event_id first. Anything else is
  // parsed, so an event_id nested deeper never passes for a top-level one.
  size_t first = line.find_first_not_of(" \t");
  if (first != std::string::npos && line.compare(first, 12, "{\"event_id\":") == 0) return line;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object() || v.as_object().contains("event_id")) return line;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char id[40];
  uint64_t a = rng(), b = rng();
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  size_t brace = line.find('{');
  line.insert(brace + 1, std::string("\"event_id\":\"") + id + "\",");
  return line;
}

void PrintProgress(std::ostream& err, const IngestSummary& s, uint64_t bytes_done,
                   uint64_t bytes_total, double elapsed) {
  double rate = elapsed > 0 ? static_cast<double>(s.sent) / elapsed : 0;
  char line[200];
  if (bytes_total > 0) {
    double frac = static_cast<double>(bytes_done) / static_cast<double>(bytes_total);
    int bar = static_cast<int>(frac * 30);
    double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    std::snprintf(line, sizeof line, "\r[%-30s] %5.1f%% %llu events %.0f ev/s ETA %.0fs ",
                  std::string(static_cast<size_t>(bar), '#').c_str(), frac * 100,
                  static_cast<unsigned long long>(s.sent), rate, eta);
  } else {
    std::snprintf(line, sizeof line, "\r%llu events %.0f ev/s ",
                  static_cast<unsigned long long>(s.sent), rate);
  }
  err << line << std::flush;
}

// Where each line of the batch came from, to report rejections by input line.
struct BatchLines {
  std::vector<uint64_t> line_numbers;
  std::vector<std::string> raw;
};

absl::Status PostBatch(HttpClient& client, const std::string& body,
                       const IngestCommandOptions& options, const BatchLines& lines,
                       std::ostream* rejects, IngestSummary* summary) {
  std::chrono::milliseconds backoff(100);
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<HttpResult> r = client.Request("POST", "/events", "application/x-ndjson", body);
    bool retry = !r.ok() || r->status == 429 || r->status >= 500;
    if (!retry) {
      if (r->status != 200) {
        return absl::FailedPreconditionError("server answered " + std::to_string(r->status) +
                                             ": " + r->body);
      }
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(r->body, ec);
      if (ec || !v.is_object()) return absl::InternalError("unreadable answer: " + r->body);
      auto& o = v.as_object();
      summary->accepted += o["accepted"].to_number<uint64_t>();
      summary->duplicates += o["duplicates"].to_number<uint64_t>();
      summary->conflicts += o["conflicts"].as_array().size();
      summary->rejected += o["rejected"].as_array().size();
      if (rejects != nullptr) {
        for (const auto& r : o["rejected"].as_array()) {
          size_t index = r.at("index").to_number<size_t>();
          if (index >= lines.raw.size()) continue;
          boost::json::object out;
          out["line"] = lines.line_numbers[index];
          out["errors"] = r.at("errors");
          out["raw"] = lines.raw[index];
          *rejects << boost::json::serialize(out) << '\n';
        }
      }
      summary->last_position = o["position"].to_number<uint64_t>();
      return absl::OkStatus();
    }
    if (attempt >= options.max_retries) {
      return absl::UnavailableError("batch failed after " + std::to_string(attempt + 1) +
                                    " attempts: " +
                                    (r.ok() ? std::to_string(r->status) + " " + r->body
                                            : std::string(r.status().message())));
    }
    ++summary->retries;
    // The server's Retry-After (429, 503: the read models behind, a full disk) when it asks for
    // longer than the backoff, at most a minute.
    std::chrono::milliseconds wait = backoff;
    if (r.ok() && !r->retry_after.empty()) {
      int seconds = 0;
      auto [end, ec] = std::from_chars(r->retry_after.data(),
                                       r->retry_after.data() + r->retry_after.size(), seconds);
      if (ec == std::errc() && seconds > 0) {
        wait = std::max(wait, std::chrono::milliseconds(std::min(seconds, 60) * 1000));
      }
    }
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace

absl::StatusOr<IngestSummary> RunIngest(const IngestCommandOptions& options, std::ostream& err) {
  std::ifstream file;
  std::istream* in = &std::cin;
  uint64_t bytes_total = 0;
  if (options.input != "-") {
    file.open(options.input, std::ios::binary);
    if (!file) return absl::NotFoundError("cannot open " + options.input);
    file.seekg(0, std::ios::end);
    bytes_total = static_cast<uint64_t>(file.tellg());
    file.seekg(0);
    in = &file;
  }
  auto client = HttpClient::Create(options.url, options.token);
  if (!client.ok()) return client.status();
  std::ofstream rejects_out;
  if (!options.rejects_file.empty()) {
    rejects_out.open(options.rejects_file, std::ios::binary | std::ios::trunc);
    if (!rejects_out) return absl::NotFoundError("cannot write " + options.rejects_file);
  }
  std::ostream* rejects = options.rejects_file.empty() ? nullptr : &rejects_out;
  BatchLines lines;
  uint64_t line_number = 0;
  IngestSummary summary;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::string body, line;
  size_t in_batch = 0;
  uint64_t bytes_done = 0;
  auto flush = [&]() -> absl::Status {
    if (in_batch == 0) return absl::OkStatus();
    absl::Status s = PostBatch(**client, body, options, lines, rejects, &summary);
    summary.sent += in_batch;
    body.clear();
    lines.line_numbers.clear();
    lines.raw.clear();
    in_batch = 0;
    if (options.progress) PrintProgress(err, summary, bytes_done, bytes_total, elapsed());
    return s;
  };
  while (std::getline(*in, line)) {
    bytes_done += line.size() + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (rejects != nullptr) {
      lines.line_numbers.push_back(line_number);
      lines.raw.push_back(line);
    }
    body += EnsureEventId(std::move(line));
    body.push_back('\n');
    if (++in_batch == options.batch) {
      if (absl::Status s = flush(); !s.ok()) return s;
    }
  }
  if (absl::Status s = flush(); !s.ok()) return s;
  if (options.progress) err << "\n";
  summary.seconds = elapsed();
  return summary;
}

}  // namespace readside::ingest
