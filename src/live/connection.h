#pragma once
// One live-update connection (docs/live.md): authentication (in the handshake or the first
// message), subscriptions authorized like the routes they mirror, and the sending side —
// at most one pending message per subscription (a newer publication replaces an unsent one:
// the latest state wins), at most one message per subscription per min_interval, a full
// state after a skipped update, a stalled client torn down after send_timeout, and the
// connection closed when its token expires.
// Thread-safety: the SocketHandler calls come from the connection's thread; Offer from the
// hub's. Create with std::make_shared (Offer posts work to the connection's thread).

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "live/authorizer.h"
#include "live/hub.h"
#include "live/protocol.h"
#include "live/socket.h"

namespace readside::live {

struct ConnectionOptions {
  size_t max_subscriptions = 64;
  std::chrono::milliseconds send_timeout{10'000};  // a stalled client is torn down after
  std::chrono::milliseconds auth_timeout{5'000};   // first-message authentication
  std::chrono::milliseconds min_interval{100};     // per subscription
  size_t max_reply_bytes = 1 << 20;                // replies (pongs, errors) not yet sent
};

class Connection final : public SocketHandler,
                         public Listener,
                         public std::enable_shared_from_this<Connection> {
 public:
  // `identity`: authenticated in the handshake (and authorized for `org`); nullopt: the first
  // message must authenticate.
  Connection(Endpoint endpoint, std::string org, Hub* hub,
             std::shared_ptr<const Authorizer> authorizer, ConnectionOptions options,
             std::optional<Identity> identity);
  ~Connection() override;

  void OnOpen(Socket* socket) override;
  void OnText(std::string_view text) override;
  void OnSent() override;
  void OnTimer() override;
  void OnClosed() override;
  void Offer(uint64_t sub_id, const std::shared_ptr<const Publication>& pub) override;

 private:
  struct Sub {
    TopicSpec spec;
    std::string key;
    std::string about;  // the members naming it in an error message
    Hub::TopicHandle topic;
    // Guarded by mu_ (Offer writes them from the hub's thread).
    std::shared_ptr<const Publication> pending;
    uint64_t last_seq = 0;  // 0: nothing sent yet (the next message is full)
    SteadyTime next_allowed{};
    bool queued = false;  // in dirty_
    bool forbidden_sent = false;
    // Widgets: the version of the dashboard whose sharing was checked when subscribing; a
    // publication rendered from an older version (before a share the subscription relied
    // on) is not re-checked against that older state.
    int64_t checked_version = 0;
  };

  void Authenticate(const std::string& token, bool first);
  void Subscribe(const ClientMessage& m);
  void SubscribeAnalytics(const ClientMessage& m);
  void SubscribeWidgets(const ClientMessage& m);
  void Unsubscribe(const ClientMessage& m);
  // Adds (or renews) a subscription; false when the connection's limit is reached.
  bool AddSub(TopicSpec spec, std::string about, int64_t checked_version = 0);
  void RemoveSub(uint64_t id);
  void RemoveAll();
  void Reauthorize();
  // The analytics spec of a (un)subscribe message; nullopt after closing for a bad period.
  std::optional<TopicSpec> AnalyticsSpec(const ClientMessage& m);

  void Reply(std::string message);
  void Pump();
  // What a subscription's subscriber gets of `pub` (null: nothing); `end`: the subscription
  // ends after it.
  std::shared_ptr<const std::string> Choose(Sub& sub, const Publication& pub, bool* end)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ArmTimer();
  void Close(uint16_t code, std::string_view reason);
  // Tears down a client that does not read (counted in slow_closed).
  void DropSlowClient();

  const Endpoint endpoint_;
  const std::string org_;
  Hub* const hub_;
  const std::shared_ptr<const Authorizer> authorizer_;
  const ConnectionOptions options_;

  // The connection's thread.
  Socket* socket_ = nullptr;
  bool closing_ = false;
  bool writing_ = false;
  SteadyTime write_started_{};
  SteadyTime auth_deadline_ = SteadyTime::max();
  SteadyTime expires_ = SteadyTime::max();
  SteadyTime throttled_until_ = SteadyTime::max();  // the earliest waiting subscription
  SteadyTime armed_ = SteadyTime::max();
  std::deque<std::shared_ptr<const std::string>> replies_;
  size_t reply_bytes_ = 0;
  uint64_t next_sub_id_ = 1;
  absl::flat_hash_map<std::string, uint64_t> by_key_;

  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;  // socket_ may be posted to
  bool wake_posted_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<Identity> identity_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, Sub> subs_ ABSL_GUARDED_BY(mu_);
  std::deque<uint64_t> dirty_ ABSL_GUARDED_BY(mu_);  // subscriptions with a pending message
};

}  // namespace readside::live
