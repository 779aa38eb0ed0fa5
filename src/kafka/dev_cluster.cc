#include "kafka/dev_cluster.h"

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace readside::kafka {
namespace {

// Copies both directions between two sockets until either closes.
void Pump(int a, int b) {
  char buf[64 * 1024];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, 1000) < 0) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        done = true;
        break;
      }
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off));
        if (w <= 0) {
          done = true;
          break;
        }
        off += w;
      }
    }
    if (done) break;
  }
  ::close(a);
  ::close(b);
}

}  // namespace

absl::StatusOr<std::pair<std::string, int>> DevCluster::ParseTopic(const std::string& text) {
  size_t colon = text.rfind(':');
  std::string name = colon == std::string::npos ? text : text.substr(0, colon);
  int partitions = 4;
  if (colon != std::string::npos) {
    auto r = std::from_chars(text.data() + colon + 1, text.data() + text.size(), partitions);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || partitions < 1 ||
        partitions > 1000) {
      return absl::InvalidArgumentError("--topic must be NAME or NAME:PARTITIONS (1..1000), got '" +
                                        text + "'");
    }
  }
  if (name.empty()) return absl::InvalidArgumentError("--topic needs a name, got '" + text + "'");
  return std::make_pair(name, partitions);
}

absl::Status DevCluster::SetBrokersUp(bool up) {
  for (int id = 1; id <= brokers_; ++id) {  // the mock numbers its brokers from 1
    rd_kafka_resp_err_t e = up ? rd_kafka_mock_broker_set_up(cluster_, id)
                               : rd_kafka_mock_broker_set_down(cluster_, id);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError("kafka-dev: broker " + std::to_string(id) + ": " +
                                 rd_kafka_err2str(e));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DevCluster>> DevCluster::Start(
    int brokers, uint16_t port, const std::vector<std::pair<std::string, int>>& topics) {
  if (brokers < 1 || brokers > 9) return absl::InvalidArgumentError("--brokers must be 1..9");
  std::unique_ptr<DevCluster> d(new DevCluster());
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  d->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (d->rk_ == nullptr) return absl::InternalError(std::string("kafka-dev: ") + err);
  d->cluster_ = rd_kafka_mock_cluster_new(d->rk_, brokers);
  if (d->cluster_ == nullptr) return absl::InternalError("kafka-dev: the mock cluster did not start");
  d->brokers_ = brokers;
  for (const auto& [name, partitions] : topics) {
    rd_kafka_resp_err_t e =
        rd_kafka_mock_topic_create(d->cluster_, name.c_str(), partitions, std::min(brokers, 3));
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError("kafka-dev: creating topic " + name + ": " + rd_kafka_err2str(e));
    }
  }
  d->bootstrap_ = rd_kafka_mock_cluster_bootstraps(d->cluster_);
  if (port == 0) return d;
  // The first broker's address: "127.0.0.1:PORT,…".
  std::string first = d->bootstrap_.substr(0, d->bootstrap_.find(','));
  size_t colon = first.rfind(':');
  d->first_broker_host_ = first.substr(0, colon);
  d->first_broker_port_ = static_cast<uint16_t>(std::stoi(first.substr(colon + 1)));
  d->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(d->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(d->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(d->listen_fd_, 64) != 0) {
    return absl::UnavailableError("kafka-dev: cannot listen on 127.0.0.1:" + std::to_string(port) +
                                  ": " + std::strerror(errno));
  }
  d->bootstrap_ = "127.0.0.1:" + std::to_string(port);
  DevCluster* self = d.get();
  d->acceptor_ = std::thread([self] {
    while (!self->stop_.load()) {
      pollfd p{self->listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      int client = ::accept4(self->listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) self->Forward(client);
    }
  });
  return d;
}

void DevCluster::Forward(int client) {
  int broker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(first_broker_port_);
  ::inet_pton(AF_INET, first_broker_host_.c_str(), &addr.sin_addr);
  if (::connect(broker, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(broker);
    ::close(client);
    return;
  }
  std::thread(Pump, client, broker).detach();
}

DevCluster::~DevCluster() {
  stop_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

}  // namespace readside::kafka
