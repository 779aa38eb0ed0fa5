// Live updates under load (issue 13): N WebSocket clients spread over the tenants while
// events are ingested at a steady rate (readside mode), or the same N clients on the peer
// (bench/live_peer/server.js, Node.js `ws`) receiving the same update bytes at the same
// times (peer mode). Prints one JSON line.
//
//   live_load readside URL EVENTS.ndjson [--clients 10000] [--domains crm,finance,...]
//             [--period 2024-03] [--rate 20000] [--batch 100] [--senders 64] [--seconds 30]
//             [--warmup 5] [--drain 2] [--threads 2] [--record FILE] [--server-pid PID]
//   live_load peer ws://HOST:PORT RECORD [--clients 10000] [--schedule due|recv] [--speed 1]
//             [--threads 2] [--server-pid PID]
//
// readside: client i opens ws://HOST:PORT/analytics/real-time/{org} for tenant i mod T with
// the token of $READSIDE_TOKEN in `Sec-WebSocket-Protocol: bearer, <token>` and subscribes to
// domain (i / T) mod D of --domains for --period. Once every subscription's snapshot (the
// `full` update) arrived, sender threads post EVENTS's lines to POST /events in batches of one
// tenant each, tenants in turn, on a fixed schedule (open loop: batch j is due at start +
// j × batch / rate), and keep for every batch its tenant, the store position of its last
// event (the answer's "position") and the instant its answer arrived (acknowledged = fsync'd).
// Latency of an `update` (full: false) received by a client of tenant t with position p =
// its receive instant − the acknowledgment instant of t's newest batch whose position ≤ p
// (every event up to p is applied, so that batch is the newest state the update shows). An
// update can arrive before the HTTP answer of its batch (both follow the fsync); such
// negative latencies count as 0 and are counted. Batches due during the warm-up are not
// measured. --record writes, for one client of every (tenant, domain) group, every message
// it received after the ingest started, with its receive instant and the instant the batch it
// shows was due in the ingest schedule: the input of peer mode.
//
// peer: the same clients (same tenants and domains) open ws://HOST:PORT/t/<tenant>/<domain>;
// a publisher connection sends every recorded message to /publish as "<group>\n<bytes>" and
// the server sends the bytes to the group. --schedule due (the default) sends each message
// when the batch it shows was due: the ingest's open-loop schedule, independent of how
// readside kept up; --schedule recv when readside's client received it (readside's bursts
// included). Instants are divided by --speed. Latency = receive instant − the publisher's
// send instant (the websocket-shootout method).
//
// Both: messages delivered per second during the measured window, connections that failed or
// were closed, and with --server-pid the server's CPU (utime + stime over the window) and
// VmRSS before the clients connected, once they are subscribed and at the end.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "blocking_http.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clk = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clk::now().time_since_epoch())
      .count();
}
Clk::time_point AtNs(int64_t ns) { return Clk::time_point(std::chrono::nanoseconds(ns)); }
double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

struct Options {
  std::string mode, url, file;
  size_t clients = 10000;
  std::vector<std::string> domains = {"crm", "finance", "inventory", "projects", "hrm"};
  std::string period = "2024-03";
  double rate = 20000, seconds = 30, warmup = 5, drain = 2, speed = 1;
  size_t batch = 100, senders = 64, threads = 2, connect_concurrency = 256;
  std::string record;
  std::string schedule = "due";  // peer: see ReadReplay
  int server_pid = 0;
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// The unsigned integer after `key` in a JSON message (0 when absent): the messages are the
// server's own compact JSON, so a search is enough and keeps the receive path cheap.
uint64_t U64After(std::string_view m, std::string_view key) {
  size_t k = m.find(key);
  if (k == std::string_view::npos) return 0;
  uint64_t v = 0;
  for (size_t i = k + key.size(); i < m.size() && m[i] >= '0' && m[i] <= '9'; ++i) {
    v = v * 10 + static_cast<uint64_t>(m[i] - '0');
  }
  return v;
}

// Which tenant and domain client i watches: tenants in turn, then domains, so every
// (tenant, domain) group gets N / (T × D) clients.
struct Layout {
  std::vector<std::string> tenants, domains;
  size_t Tenant(size_t client) const { return client % tenants.size(); }
  size_t Group(size_t client) const {
    return Tenant(client) * domains.size() + (client / tenants.size()) % domains.size();
  }
  size_t groups() const { return tenants.size() * domains.size(); }
  std::string GroupName(size_t g) const {
    return tenants[g / domains.size()] + "/" + domains[g % domains.size()];
  }
};

// /proc readings of the server under test and of this machine.
struct ProcSample {
  double cpu_s = 0;  // utime + stime
  double rss_mb = 0;
};
ProcSample ReadProc(int pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');  // the command name may hold spaces
  if (paren != std::string::npos) {
    std::istringstream in(line.substr(paren + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int field = 3; in >> f; ++field) {
      if (field == 14) utime = std::stoull(f);
      if (field == 15) {
        stime = std::stoull(f);
        break;
      }
    }
    s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) s.rss_mb = std::stod(line.substr(6)) / 1024.0;
  }
  return s;
}
struct MachineCpu {  // jiffies from the first line of /proc/stat
  double busy = 0, total = 0;
};
MachineCpu ReadMachineCpu() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;
  MachineCpu m;
  for (int i = 0; i < 8; ++i) {
    double v = 0;
    stat >> v;
    m.total += v;
    if (i != 3 && i != 4) m.busy += v;  // idle and iowait
  }
  return m;
}
double SelfCpuS() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Peer mode's input: the messages one client of each group received from readside.
struct Replay {
  Layout layout;
  double warmup = 0, seconds = 0;
  struct Message {
    size_t group;
    int64_t offset_ns;  // when to send it, from the start (see ReadReplay's schedule)
    std::string frame;  // "<group name>\n<bytes>", as the publisher sends it
  };
  std::vector<Message> messages;                                    // by offset
  std::vector<std::unordered_map<uint64_t, uint32_t>> by_position;  // group → position → index
};

struct Sample {
  uint32_t group;
  bool full;
  uint64_t key;  // readside: the update's position; peer: the replayed message's index
  int64_t recv_ns;
};
struct Recorded {
  uint32_t group;
  int64_t recv_ns;
  std::string bytes;
};

// State every client thread reads; the counters are the only shared writes.
struct Shared {
  Options opt;
  Layout layout;
  tcp::endpoint endpoint;
  std::string host_header, token;
  std::vector<std::string> targets, subscribes;  // by group
  const Replay* replay = nullptr;
  std::vector<bool> reference;  // by client: the one client per group that records
  std::atomic<size_t> connected{0}, connect_failed{0}, closed{0}, snapshots{0}, errors{0},
      unmatched{0};
  std::atomic<int64_t> load_start_ns{0}, window_begin_ns{0}, window_end_ns{0};
  std::mutex error_mu;
  std::string first_error;
  void NoteError(const std::string& e) {
    std::lock_guard lk(error_mu);
    if (first_error.empty()) first_error = e;
  }
};

class Worker;

// One WebSocket client: connect, handshake, subscribe (readside), then read until closed.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(Shared* shared, Worker* worker, net::io_context& ioc, size_t index)
      : shared_(shared),
        worker_(worker),
        ws_(ioc),
        index_(index),
        group_(static_cast<uint32_t>(shared->layout.Group(index))) {}

  void Start() {
    ws_.next_layer().expires_after(std::chrono::seconds(60));
    ws_.next_layer().async_connect(
        shared_->endpoint, beast::bind_front_handler(&Client::OnConnect, shared_from_this()));
  }
  uint32_t messages_in_window() const { return in_window_; }

 private:
  void OnConnect(beast::error_code ec);
  void OnHandshake(beast::error_code ec);
  void Read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&Client::OnRead, shared_from_this()));
  }
  void OnRead(beast::error_code ec, size_t);
  void Handle(int64_t now, std::string_view m);
  void ConnectFailed(const char* what, beast::error_code ec);

  Shared* shared_;
  Worker* worker_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  size_t index_;
  uint32_t group_;
  uint32_t in_window_ = 0;
};

// One io_context on one thread with its slice of the clients; it opens at most
// connect_concurrency / threads connections at a time so the servers' listen queues do not
// overflow during the ramp.
class Worker {
 public:
  explicit Worker(Shared* shared) : shared_(shared), ioc_(1) {}
  void Add(size_t index) {
    clients_.push_back(std::make_shared<Client>(shared_, this, ioc_, index));
  }
  void Run() {
    max_inflight_ = std::max<size_t>(1, shared_->opt.connect_concurrency / shared_->opt.threads);
    net::post(ioc_, [this] { Pump(); });
    guard_.emplace(ioc_.get_executor());
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void Stop() {
    guard_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  void ConnectDone() {
    --inflight_;
    Pump();
  }

  std::vector<Sample> samples;
  std::vector<Recorded> recorded;
  const std::vector<std::shared_ptr<Client>>& clients() const { return clients_; }

 private:
  void Pump() {
    while (inflight_ < max_inflight_ && next_ < clients_.size()) {
      ++inflight_;
      clients_[next_++]->Start();
    }
  }

  Shared* shared_;
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard_;
  std::vector<std::shared_ptr<Client>> clients_;
  size_t next_ = 0, inflight_ = 0, max_inflight_ = 1;
  std::thread thread_;
};

void Client::ConnectFailed(const char* what, beast::error_code ec) {
  ++shared_->connect_failed;
  shared_->NoteError(std::string(what) + ": " + ec.message());
  worker_->ConnectDone();
}

void Client::OnConnect(beast::error_code ec) {
  if (ec) return ConnectFailed("connect", ec);
  ws_.next_layer().expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  const std::string& token = shared_->token;
  ws_.set_option(websocket::stream_base::decorator([&token](websocket::request_type& req) {
    req.set(bhttp::field::user_agent, "readside-live-load");
    if (!token.empty()) req.set(bhttp::field::sec_websocket_protocol, "bearer, " + token);
  }));
  ws_.async_handshake(shared_->host_header, shared_->targets[group_],
                      beast::bind_front_handler(&Client::OnHandshake, shared_from_this()));
}

void Client::OnHandshake(beast::error_code ec) {
  if (ec) return ConnectFailed("handshake", ec);
  ++shared_->connected;
  worker_->ConnectDone();
  const std::string& subscribe = shared_->subscribes[group_];
  if (!subscribe.empty()) {
    ws_.async_write(net::buffer(subscribe),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      if (ec) self->shared_->NoteError("subscribe: " + ec.message());
                    });
  }
  Read();
}

void Client::OnRead(beast::error_code ec, size_t) {
  int64_t now = NowNs();
  if (ec) {
    if (ec != net::error::operation_aborted) {
      ++shared_->closed;
      std::string why = ec.message();
      if (ec == websocket::error::closed) {
        why = "closed " + std::to_string(ws_.reason().code) + " " +
              std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
      }
      shared_->NoteError("client " + std::to_string(index_) + ": " + why);
    }
    return;
  }
  auto data = buffer_.cdata();
  Handle(now, std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  Read();
}

void Client::Handle(int64_t now, std::string_view m) {
  int64_t load_start = shared_->load_start_ns.load(std::memory_order_relaxed);
  if (shared_->replay == nullptr) {
    if (m.find(R"("type":"update")") == std::string_view::npos) {
      if (m.find(R"("type":"error")") != std::string_view::npos) {
        ++shared_->errors;
        shared_->NoteError("error message: " + std::string(m.substr(0, 300)));
      }
      return;  // ready, pong
    }
    bool full = m.find(R"("full":true)") != std::string_view::npos;
    if (load_start == 0) {
      if (full) ++shared_->snapshots;  // the subscription's first state
      return;
    }
    worker_->samples.push_back({group_, full, U64After(m, R"("position":)"), now});
    if (!shared_->opt.record.empty() && shared_->reference[index_]) {
      worker_->recorded.push_back({group_, now, std::string(m)});
    }
  } else {
    const auto& index = shared_->replay->by_position[group_];
    auto it = index.find(U64After(m, R"("position":)"));
    if (it == index.end()) {
      ++shared_->unmatched;
      return;
    }
    worker_->samples.push_back({group_, false, it->second, now});
  }
  if (now >= shared_->window_begin_ns.load(std::memory_order_relaxed) &&
      now < shared_->window_end_ns.load(std::memory_order_relaxed)) {
    ++in_window_;
  }
}

// ---------------------------------------------------------------------------- ingest driver

struct Batch {
  uint32_t tenant;
  std::string body;
};
struct Ack {
  uint32_t tenant;
  uint64_t position;
  int64_t due_ns, sent_ns, acked_ns;
  bool measured;
};

// Batches of one tenant each, tenants in turn, enough for warm-up + measured window.
std::optional<std::vector<Batch>> MakeBatches(const Options& opt, Layout* layout) {
  std::map<std::string, std::vector<std::string>> lines;
  std::ifstream in(opt.file);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", opt.file.c_str());
    return std::nullopt;
  }
  constexpr std::string_view kOrg = R"("organization_id":")";
  for (std::string line; std::getline(in, line);) {
    size_t k = line.find(kOrg);
    if (k == std::string::npos) continue;
    k += kOrg.size();
    lines[line.substr(k, line.find('"', k) - k)].push_back(std::move(line));
  }
  layout->tenants.clear();
  for (auto& [org, v] : lines) layout->tenants.push_back(org);
  size_t tenants = layout->tenants.size();
  if (tenants == 0) {
    std::fprintf(stderr, "%s holds no events\n", opt.file.c_str());
    return std::nullopt;
  }
  size_t needed = static_cast<size_t>(
      (opt.warmup + opt.seconds) * opt.rate / static_cast<double>(opt.batch) + 0.5);
  std::vector<Batch> batches;
  std::vector<size_t> used(tenants, 0);
  for (size_t j = 0; j < needed; ++j) {
    size_t t = j % tenants;
    auto& v = lines[layout->tenants[t]];
    if (used[t] + opt.batch > v.size()) {
      std::fprintf(stderr, "%s: tenant %s has %zu events; %.0f s at %.0f events/s need %zu each\n",
                   opt.file.c_str(), layout->tenants[t].c_str(), v.size(), opt.warmup + opt.seconds,
                   opt.rate, (needed + tenants - 1) / tenants * opt.batch);
      return std::nullopt;
    }
    Batch b{static_cast<uint32_t>(t), {}};
    for (size_t i = 0; i < opt.batch; ++i) {
      b.body += v[used[t]++];
      b.body.push_back('\n');
    }
    batches.push_back(std::move(b));
  }
  return batches;
}

uint64_t PositionOf(const std::string& ack_body) {
  size_t k = ack_body.rfind(R"("position":)");
  return k == std::string::npos ? 0 : std::strtoull(ack_body.c_str() + k + 11, nullptr, 10);
}

struct IngestResult {
  std::vector<Ack> acks;
  std::vector<double> post_ms, lateness_ms;
  bool failed = false;
};

// Posts the batches on their schedule from opt.senders keep-alive connections.
IngestResult Ingest(const Options& opt, const std::string& host, const std::string& port,
                    const std::vector<Batch>& batches, int64_t start_ns) {
  int64_t interval_ns = static_cast<int64_t>(static_cast<double>(opt.batch) / opt.rate * 1e9);
  size_t warm = static_cast<size_t>(opt.warmup * opt.rate / static_cast<double>(opt.batch) + 0.5);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<IngestResult> per(opt.senders);
  std::vector<std::thread> threads;
  for (size_t s = 0; s < opt.senders; ++s) {
    threads.emplace_back([&, s] {
      readside::bench::HttpConnection conn(host, port, "readside-live-load");
      std::string error;
      for (size_t j; !failed && (j = next.fetch_add(1)) < batches.size();) {
        int64_t due = start_ns + interval_ns * static_cast<int64_t>(j);
        std::this_thread::sleep_until(AtNs(due));
        int64_t t0 = NowNs();
        auto r = conn.Request(bhttp::verb::post, "/events", &batches[j].body, &error);
        int64_t t1 = NowNs();
        if (!r || r->status != 200) {
          std::fprintf(stderr, "POST /events failed: %s\n", r ? r->body.c_str() : error.c_str());
          failed = true;
          break;
        }
        per[s].acks.push_back({batches[j].tenant, PositionOf(r->body), due, t0, t1, j >= warm});
        if (j >= warm) {
          per[s].post_ms.push_back(Ms(t1 - t0));
          per[s].lateness_ms.push_back(Ms(t0 - due));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  IngestResult all;
  all.failed = failed;
  for (auto& r : per) {
    all.acks.insert(all.acks.end(), r.acks.begin(), r.acks.end());
    all.post_ms.insert(all.post_ms.end(), r.post_ms.begin(), r.post_ms.end());
    all.lateness_ms.insert(all.lateness_ms.end(), r.lateness_ms.begin(), r.lateness_ms.end());
  }
  return all;
}

// ------------------------------------------------------------------------------- publisher

// schedule "due": each message at the instant the batch it shows was due in the readside
// run's ingest schedule; "recv": at the instant readside's client received it.
std::optional<Replay> ReadReplay(const std::string& file, const std::string& schedule) {
  std::ifstream in(file);
  std::string header;
  if (!in || !std::getline(in, header) || !header.starts_with("# live_load record")) {
    std::fprintf(stderr, "%s is not a live_load record\n", file.c_str());
    return std::nullopt;
  }
  Replay r;
  std::istringstream h(header);
  for (std::string kv; h >> kv;) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "tenants") r.layout.tenants = Split(v, ',');
    if (k == "domains") r.layout.domains = Split(v, ',');
    if (k == "warmup") r.warmup = std::stod(v);
    if (k == "seconds") r.seconds = std::stod(v);
  }
  std::unordered_map<std::string, size_t> group_of;
  for (size_t g = 0; g < r.layout.groups(); ++g) group_of[r.layout.GroupName(g)] = g;
  r.by_position.resize(r.layout.groups());
  for (std::string line; std::getline(in, line);) {
    size_t a = line.find('\t'), b = line.find('\t', a + 1), c = line.find('\t', b + 1);
    if (c == std::string::npos) continue;
    auto g = group_of.find(line.substr(0, a));
    if (g == group_of.end()) continue;
    std::string bytes = line.substr(c + 1);
    uint64_t position = U64After(bytes, R"("position":)");
    auto idx = static_cast<uint32_t>(r.messages.size());
    if (!r.by_position[g->second].emplace(position, idx).second) continue;  // a repeat
    long long recv_us = std::stoll(line.substr(a + 1, b - a - 1));
    long long due_us = std::stoll(line.substr(b + 1, c - b - 1));
    long long at_us = schedule == "recv" || due_us < 0 ? recv_us : due_us;
    r.messages.push_back({g->second, at_us * 1000, g->first + "\n" + bytes});
  }
  std::stable_sort(r.messages.begin(), r.messages.end(),
                   [](const auto& x, const auto& y) { return x.offset_ns < y.offset_ns; });
  for (auto& m : r.by_position) m.clear();
  for (uint32_t i = 0; i < r.messages.size(); ++i) {
    r.by_position[r.messages[i].group].emplace(U64After(r.messages[i].frame, R"("position":)"), i);
  }
  return r;
}

struct PublishResult {
  std::vector<int64_t> sent_ns;  // by message index
  std::vector<double> lateness_ms;
  bool failed = false;
};

PublishResult Publish(const Options& opt, const Replay& replay, const std::string& host,
                      const std::string& port, int64_t start_ns) {
  PublishResult out;
  out.sent_ns.assign(replay.messages.size(), 0);
  try {
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    tcp::resolver resolver(ioc);
    net::connect(ws.next_layer(), resolver.resolve(host, port));
    ws.next_layer().set_option(tcp::no_delay(true));
    ws.handshake(host + ":" + port, "/publish");
    ws.binary(true);
    for (size_t i = 0; i < replay.messages.size(); ++i) {
      const auto& m = replay.messages[i];
      int64_t due = start_ns + static_cast<int64_t>(static_cast<double>(m.offset_ns) / opt.speed);
      std::this_thread::sleep_until(AtNs(due));
      int64_t now = NowNs();
      out.sent_ns[i] = now;
      out.lateness_ms.push_back(Ms(now - due));
      ws.write(net::buffer(m.frame));
    }
    ws.close(websocket::close_code::normal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "publisher: %s\n", e.what());
    out.failed = true;
  }
  return out;
}

// --------------------------------------------------------------------------------- report

struct Quantiles {
  size_t n = 0;
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
};
Quantiles Q(std::vector<double> v) {
  Quantiles q;
  q.n = v.size();
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  auto at = [&](double p) { return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))]; };
  q.p50 = at(0.5), q.p90 = at(0.9), q.p95 = at(0.95), q.p99 = at(0.99), q.p999 = at(0.999);
  q.max = v.back();
  return q;
}
std::string JsonQ(const std::vector<double>& v) {
  Quantiles q = Q(v);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                R"({"n":%zu,"p50":%.3f,"p90":%.3f,"p95":%.3f,"p99":%.3f,"p999":%.3f,"max":%.3f})",
                q.n, q.p50, q.p90, q.p95, q.p99, q.p999, q.max);
  return buf;
}
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  return out + "\"";
}

// The acknowledged batches by tenant and position: which batch an update shows.
class BatchIndex {
 public:
  BatchIndex(const std::vector<Ack>& acks, size_t tenants) : by_tenant_(tenants) {
    for (const Ack& a : acks) {
      if (a.position > 0) by_tenant_[a.tenant].push_back(&a);
    }
    for (auto& v : by_tenant_) {
      std::sort(v.begin(), v.end(),
                [](const Ack* x, const Ack* y) { return x->position < y->position; });
    }
  }
  // The tenant's newest batch whose last event is at or before `position` (every event up to
  // it is applied, so that is the newest state an update at `position` shows); null if none.
  const Ack* Newest(size_t tenant, uint64_t position) const {
    const auto& v = by_tenant_[tenant];
    auto it = std::upper_bound(v.begin(), v.end(), position,
                               [](uint64_t p, const Ack* a) { return p < a->position; });
    return it == v.begin() ? nullptr : *(it - 1);
  }

 private:
  std::vector<std::vector<const Ack*>> by_tenant_;
};

// Readside latencies: each non-full update against its tenant's newest batch ≤ its position.
struct Latencies {
  std::vector<double> ms;
  std::vector<double> from_send_ms;  // readside: from the start of the batch's POST instead
  size_t negative = 0, unmatched = 0;
};
Latencies ReadsideLatencies(const std::vector<Sample>& samples, const BatchIndex& batches,
                            const Layout& layout) {
  Latencies out;
  for (const Sample& s : samples) {
    if (s.full) continue;
    const Ack* a = batches.Newest(s.group / layout.domains.size(), s.key);
    if (a == nullptr) {
      ++out.unmatched;
      continue;
    }
    if (!a->measured) continue;
    int64_t d = s.recv_ns - a->acked_ns;
    if (d < 0) {
      ++out.negative;
      d = 0;
    }
    out.ms.push_back(Ms(d));
    out.from_send_ms.push_back(Ms(s.recv_ns - a->sent_ns));
  }
  return out;
}

// The record peer mode replays: per message its group, the receive instant and the instant
// the batch it shows was due in the ingest schedule (-1: none), both in µs from the ingest
// start, and the bytes.
void WriteRecord(const Options& opt, const Layout& layout, std::vector<Recorded> rec,
                 const BatchIndex& batches, int64_t load_start) {
  std::sort(rec.begin(), rec.end(),
            [](const Recorded& x, const Recorded& y) { return x.recv_ns < y.recv_ns; });
  FILE* f = std::fopen(opt.record.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", opt.record.c_str());
    return;
  }
  std::string tenants, domains;
  for (auto& t : layout.tenants) tenants += (tenants.empty() ? "" : ",") + t;
  for (auto& d : layout.domains) domains += (domains.empty() ? "" : ",") + d;
  std::fprintf(f, "# live_load record tenants=%s domains=%s period=%s warmup=%g seconds=%g\n",
               tenants.c_str(), domains.c_str(), opt.period.c_str(), opt.warmup, opt.seconds);
  for (const auto& r : rec) {
    const Ack* a =
        batches.Newest(r.group / layout.domains.size(), U64After(r.bytes, R"("position":)"));
    std::fprintf(f, "%s\t%lld\t%lld\t%s\n", layout.GroupName(r.group).c_str(),
                 static_cast<long long>((r.recv_ns - load_start) / 1000),
                 a == nullptr ? -1LL : static_cast<long long>((a->due_ns - load_start) / 1000),
                 r.bytes.c_str());
  }
  std::fclose(f);
}

bool ParseArgs(int argc, char** argv, Options* opt) {
  if (argc < 4) return false;
  opt->mode = argv[1], opt->url = argv[2], opt->file = argv[3];
  if (opt->mode != "readside" && opt->mode != "peer") return false;
  using Set = void (*)(Options*, const std::string&);
  static const std::map<std::string, Set> kFlags = {
      {"--clients", [](Options* o, const std::string& v) { o->clients = std::stoul(v); }},
      {"--domains", [](Options* o, const std::string& v) { o->domains = Split(v, ','); }},
      {"--period", [](Options* o, const std::string& v) { o->period = v; }},
      {"--rate", [](Options* o, const std::string& v) { o->rate = std::stod(v); }},
      {"--batch", [](Options* o, const std::string& v) { o->batch = std::stoul(v); }},
      {"--senders", [](Options* o, const std::string& v) { o->senders = std::stoul(v); }},
      {"--seconds", [](Options* o, const std::string& v) { o->seconds = std::stod(v); }},
      {"--warmup", [](Options* o, const std::string& v) { o->warmup = std::stod(v); }},
      {"--drain", [](Options* o, const std::string& v) { o->drain = std::stod(v); }},
      {"--speed", [](Options* o, const std::string& v) { o->speed = std::stod(v); }},
      {"--schedule", [](Options* o, const std::string& v) { o->schedule = v; }},
      {"--threads",
       [](Options* o, const std::string& v) { o->threads = std::max<size_t>(1, std::stoul(v)); }},
      {"--connect-concurrency",
       [](Options* o, const std::string& v) { o->connect_concurrency = std::stoul(v); }},
      {"--record", [](Options* o, const std::string& v) { o->record = v; }},
      {"--server-pid", [](Options* o, const std::string& v) { o->server_pid = std::stoi(v); }},
  };
  for (int i = 4; i + 1 < argc; i += 2) {
    auto flag = kFlags.find(argv[i]);
    if (flag == kFlags.end()) {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return false;
    }
    flag->second(opt, argv[i + 1]);
  }
  return !opt->domains.empty() && (opt->schedule == "due" || opt->schedule == "recv");
}

}  // namespace

int main(int argc, char** argv) {
  Shared shared;
  Options& opt = shared.opt;
  if (!ParseArgs(argc, argv, &opt)) {
    std::fprintf(stderr,
                 "usage: live_load readside http://HOST:PORT EVENTS.ndjson [--clients N] "
                 "[--domains a,b] [--period P] [--rate R] [--batch B] [--senders S] [--seconds S] "
                 "[--warmup W] [--drain D] [--threads T] [--record FILE] [--server-pid PID]\n"
                 "       live_load peer ws://HOST:PORT RECORD [--clients N] [--schedule due|recv] "
                 "[--speed X] "
                 "[--threads T] [--server-pid PID]\n");
    return 2;
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  size_t scheme = opt.url.find("://");
  std::string hostport = scheme == std::string::npos ? opt.url : opt.url.substr(scheme + 3);
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  size_t colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  shared.host_header = hostport;
  {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    shared.endpoint = *resolver.resolve(host, port).begin();
  }

  bool peer = opt.mode == "peer";
  std::vector<Batch> batches;
  std::optional<Replay> replay;
  if (peer) {
    replay = ReadReplay(opt.file, opt.schedule);
    if (!replay || replay->messages.empty()) return 2;
    shared.layout = replay->layout;
    shared.replay = &*replay;
    opt.warmup = replay->warmup;
    opt.seconds = replay->seconds / opt.speed;
    opt.warmup /= opt.speed;
  } else {
    shared.layout.domains = opt.domains;
    auto b = MakeBatches(opt, &shared.layout);
    if (!b) return 2;
    batches = std::move(*b);
    if (const char* t = std::getenv("READSIDE_TOKEN")) shared.token = t;
  }
  const Layout& layout = shared.layout;
  for (size_t g = 0; g < layout.groups(); ++g) {
    const std::string& tenant = layout.tenants[g / layout.domains.size()];
    const std::string& domain = layout.domains[g % layout.domains.size()];
    if (peer) {
      shared.targets.push_back("/t/" + tenant + "/" + domain);
      shared.subscribes.emplace_back();
    } else {
      shared.targets.push_back("/analytics/real-time/" + tenant);
      shared.subscribes.push_back(R"({"type":"subscribe","domain":")" + domain + R"(","period":")" +
                                  opt.period + R"("})");
    }
  }
  shared.reference.assign(opt.clients, false);
  {
    std::vector<bool> seen(layout.groups(), false);
    for (size_t i = 0; i < opt.clients; ++i) {
      size_t g = layout.Group(i);
      if (!seen[g]) shared.reference[i] = seen[g] = true;
    }
  }

  ProcSample before = ReadProc(opt.server_pid);
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t t = 0; t < opt.threads; ++t) workers.push_back(std::make_unique<Worker>(&shared));
  for (size_t i = 0; i < opt.clients; ++i) workers[i % opt.threads]->Add(i);
  int64_t connect_start = NowNs();
  for (auto& w : workers) w->Run();
  // Every connection open (or failed), then every subscription's snapshot in (readside).
  auto deadline = Clk::now() + std::chrono::seconds(300);
  while (shared.connected + shared.connect_failed < opt.clients && Clk::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double connect_s = Ms(NowNs() - connect_start) / 1000;
  if (!peer) {
    deadline = Clk::now() + std::chrono::seconds(120);
    while (shared.snapshots + shared.closed < shared.connected && Clk::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  double subscribed_s = Ms(NowNs() - connect_start) / 1000;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ProcSample connected = ReadProc(opt.server_pid);

  // The load: ingest (readside) or the publisher (peer), on its own threads.
  int64_t load_start = NowNs() + 200'000'000;
  int64_t window_begin = load_start + static_cast<int64_t>(opt.warmup * 1e9);
  int64_t window_end = window_begin + static_cast<int64_t>(opt.seconds * 1e9);
  shared.window_begin_ns = window_begin;
  shared.window_end_ns = window_end;
  shared.load_start_ns = load_start;
  IngestResult ingest;
  PublishResult publish;
  std::thread load([&] {
    if (peer)
      publish = Publish(opt, *replay, host, port, load_start);
    else
      ingest = Ingest(opt, host, port, batches, load_start);
  });
  std::this_thread::sleep_until(AtNs(window_begin));
  ProcSample cpu0 = ReadProc(opt.server_pid);
  MachineCpu machine0 = ReadMachineCpu();
  double self0 = SelfCpuS();
  double rss_peak = cpu0.rss_mb;
  while (NowNs() < window_end) {
    std::this_thread::sleep_until(
        std::min(AtNs(window_end), Clk::now() + std::chrono::milliseconds(250)));
    rss_peak = std::max(rss_peak, ReadProc(opt.server_pid).rss_mb);
  }
  ProcSample cpu1 = ReadProc(opt.server_pid);
  MachineCpu machine1 = ReadMachineCpu();
  double self1 = SelfCpuS();
  load.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(opt.drain * 1000)));
  ProcSample end = ReadProc(opt.server_pid);
  for (auto& w : workers) w->Stop();

  std::vector<Sample> samples;
  std::vector<Recorded> recorded;
  std::vector<double> per_client;
  for (auto& w : workers) {
    samples.insert(samples.end(), w->samples.begin(), w->samples.end());
    for (auto& r : w->recorded) recorded.push_back(std::move(r));
    for (auto& c : w->clients()) per_client.push_back(c->messages_in_window());
  }
  size_t in_window = 0, full_updates = 0;
  for (const Sample& s : samples) {
    if (s.recv_ns >= window_begin && s.recv_ns < window_end) ++in_window;
    if (s.full) ++full_updates;
  }
  Latencies lat;
  std::vector<double> lateness;
  bool failed = false;
  if (peer) {
    lateness = publish.lateness_ms;
    failed = publish.failed;
    for (const Sample& s : samples) {
      int64_t sent = publish.sent_ns[s.key];
      if (sent == 0 || sent < window_begin) continue;
      int64_t d = s.recv_ns - sent;
      if (d < 0) ++lat.negative, d = 0;
      lat.ms.push_back(Ms(d));
    }
  } else {
    BatchIndex index(ingest.acks, layout.tenants.size());
    lat = ReadsideLatencies(samples, index, layout);
    lateness = ingest.lateness_ms;
    failed = ingest.failed;
    if (!opt.record.empty()) WriteRecord(opt, layout, std::move(recorded), index, load_start);
  }

  if (opt.clients > 0 && shared.connected == 0) failed = true;
  double measured_s = opt.seconds;
  double clients_k = static_cast<double>(shared.connected.load()) / 1000.0;
  double server_cores = (cpu1.cpu_s - cpu0.cpu_s) / measured_s;
  double machine_cores = (machine1.busy - machine0.busy) /
                         std::max(1.0, machine1.total - machine0.total) *
                         static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
  std::printf(
      "{\"mode\":\"%s\",\"clients\":%zu,\"tenants\":%zu,\"domains\":%zu,\"groups\":%zu,"
      "\"connected\":%zu,\"connect_failed\":%zu,\"closed\":%zu,\"errors\":%zu,"
      "\"connect_seconds\":%.2f,\"subscribed_seconds\":%.2f,\"measured_seconds\":%.2f,",
      opt.mode.c_str(), opt.clients, layout.tenants.size(), layout.domains.size(), layout.groups(),
      shared.connected.load(), shared.connect_failed.load(), shared.closed.load(),
      shared.errors.load(), connect_s, subscribed_s, measured_s);
  if (peer) {
    // What the schedule offered: the messages due in the window, times their group's clients.
    std::vector<size_t> group_clients(layout.groups(), 0);
    for (size_t i = 0; i < opt.clients; ++i) ++group_clients[layout.Group(i)];
    double offered = 0;
    for (const auto& m : replay->messages) {
      double at_s = static_cast<double>(m.offset_ns) / opt.speed / 1e9;
      if (at_s >= opt.warmup && at_s < opt.warmup + opt.seconds) {
        offered += static_cast<double>(group_clients[m.group]);
      }
    }
    std::printf(
        "\"speed\":%g,\"replayed_messages\":%zu,\"offered_messages_per_second\":%.0f,"
        "\"unmatched\":%zu,",
        opt.speed, replay->messages.size(), offered / measured_s, shared.unmatched.load());
  } else {
    // The rate the server took: the measured batches' events over the time from the window's
    // start to the last of their acknowledgments (below the target when POSTs fell behind).
    size_t measured_events = 0;
    int64_t last_ack = window_begin;
    for (const Ack& a : ingest.acks) {
      if (!a.measured) continue;
      measured_events += opt.batch;
      last_ack = std::max(last_ack, a.acked_ns);
    }
    std::printf(
        "\"target_events_per_second\":%.0f,\"achieved_events_per_second\":%.0f,"
        "\"batch\":%zu,\"senders\":%zu,\"batches\":%zu,\"period\":\"%s\",\"unmatched\":%zu,"
        "\"post_ms\":%s,\"latency_from_send_ms\":%s,",
        opt.rate,
        static_cast<double>(measured_events) / std::max(1e-9, Ms(last_ack - window_begin) / 1e3),
        opt.batch, opt.senders, ingest.acks.size(), opt.period.c_str(), lat.unmatched,
        JsonQ(ingest.post_ms).c_str(), JsonQ(lat.from_send_ms).c_str());
  }
  std::printf(
      "\"latency_ms\":%s,\"negative_clamped\":%zu,\"full_updates\":%zu,"
      "\"messages_per_second\":%.0f,\"messages_per_client_in_window\":%s,"
      "\"send_lateness_ms\":%s,",
      JsonQ(lat.ms).c_str(), lat.negative, full_updates,
      static_cast<double>(in_window) / measured_s, JsonQ(per_client).c_str(),
      JsonQ(lateness).c_str());
  std::printf(
      "\"server\":{\"pid\":%d,\"cpu_cores\":%.3f,\"cpu_cores_per_1000_clients\":%.4f,"
      "\"rss_mb_before\":%.1f,\"rss_mb_connected\":%.1f,\"rss_mb_peak\":%.1f,"
      "\"rss_mb_end\":%.1f,\"rss_mb_per_1000_clients\":%.2f},"
      "\"load_client_cpu_cores\":%.3f,\"machine_busy_cores\":%.3f,"
      "\"first_error\":%s,\"ok\":%s}\n",
      opt.server_pid, server_cores, clients_k > 0 ? server_cores / clients_k : 0, before.rss_mb,
      connected.rss_mb, rss_peak, end.rss_mb,
      clients_k > 0 ? (connected.rss_mb - before.rss_mb) / clients_k : 0,
      (self1 - self0) / measured_s, machine_cores, JsonString(shared.first_error).c_str(),
      failed ? "false" : "true");
  std::fflush(stdout);
  std::_Exit(failed ? 1 : 0);  // 10,000 sockets: let the kernel close them
}
