#include "live/connection.h"

#include <algorithm>

#include "dashboard/dashboards.h"
#include "projection/projector.h"
#include "query/metric_table.h"
#include "query/widget_data.h"

namespace readside::live {
namespace {

using Clock = std::chrono::steady_clock;

Problem Forbidden(std::string detail) {
  return {.status = 403, .title = "Forbidden", .detail = std::move(detail)};
}
Problem NotFound(std::string detail) {
  return {.status = 404, .title = "Not found", .detail = std::move(detail)};
}

// The close code of a refused authorization: 4000 + the HTTP status (4401, 4403, 4404, 4429).
uint16_t CloseCodeOf(const Problem& p) {
  if (p.status == 401 || p.status == 403 || p.status == 404 || p.status == 429) {
    return static_cast<uint16_t>(4000 + p.status);
  }
  return kCloseForbidden;
}

}  // namespace

Connection::Connection(Endpoint endpoint, std::string org, Hub* hub,
                       std::shared_ptr<const Authorizer> authorizer, ConnectionOptions options,
                       std::optional<Identity> identity)
    : endpoint_(endpoint),
      org_(std::move(org)),
      hub_(hub),
      authorizer_(std::move(authorizer)),
      options_(options),
      identity_(std::move(identity)) {}

Connection::~Connection() = default;

void Connection::OnOpen(Socket* socket) {
  socket_ = socket;
  hub_->connections.fetch_add(1, std::memory_order_relaxed);
  std::optional<Identity> identity;
  {
    absl::MutexLock lock(&mu_);
    open_ = true;
    identity = identity_;
  }
  if (identity) {
    int64_t left = identity->expires_at * 1'000'000 - hub_->clock()->NowMicros();
    expires_ = Clock::now() + std::chrono::microseconds(std::max<int64_t>(left, 0));
    if (left <= 0) return Close(kCloseUnauthorized, "token expired");
    Reply(ReadyMessage(org_, identity->expires_at, hub_->projector()->AppliedPosition(),
                       options_.max_subscriptions));
  } else {
    auth_deadline_ = Clock::now() + options_.auth_timeout;
  }
  ArmTimer();
}

void Connection::OnText(std::string_view text) {
  if (closing_) return;
  auto parsed = ParseClientMessage(text, endpoint_);
  if (auto* refusal = std::get_if<Refusal>(&parsed)) return Close(refusal->code, refusal->reason);
  ClientMessage& m = std::get<ClientMessage>(parsed);
  bool authenticated;
  {
    absl::MutexLock lock(&mu_);
    authenticated = identity_.has_value();
  }
  if (!authenticated) {
    if (m.type != ClientMessage::kAuth) {
      return Close(kCloseUnauthorized,
                   "authenticate first: {\"type\":\"auth\",\"token\":…} or the token in "
                   "Sec-WebSocket-Protocol");
    }
    return Authenticate(m.token, /*first=*/true);
  }
  switch (m.type) {
    case ClientMessage::kAuth:
      return Authenticate(m.token, /*first=*/false);
    case ClientMessage::kPing:
      return Reply(PongMessage(hub_->projector()->AppliedPosition()));
    case ClientMessage::kSubscribe:
      return Subscribe(m);
    case ClientMessage::kUnsubscribe:
      return Unsubscribe(m);
  }
}

void Connection::Authenticate(const std::string& token, bool first) {
  absl::StatusOr<Identity> who = authorizer_->Authenticate(token);
  if (!who.ok()) return Close(kCloseUnauthorized, std::string(who.status().message()));
  if (std::optional<Problem> refused = authorizer_->Authorize(*who, org_)) {
    // A new token for other organizations is refused as such; a first one like the HTTP
    // routes refuse it (404: not one of the token's organizations).
    return Close(first ? CloseCodeOf(*refused)
                       : (refused->status == 429 ? kCloseTooManyRequests : kCloseForbidden),
                 refused->detail);
  }
  int64_t expires_at = who->expires_at;
  {
    absl::MutexLock lock(&mu_);
    identity_ = std::move(*who);
  }
  int64_t left = expires_at * 1'000'000 - hub_->clock()->NowMicros();
  if (left <= 0) return Close(kCloseUnauthorized, "token expired");
  expires_ = Clock::now() + std::chrono::microseconds(left);
  auth_deadline_ = SteadyTime::max();
  if (first) {
    Reply(ReadyMessage(org_, expires_at, hub_->projector()->AppliedPosition(),
                       options_.max_subscriptions));
  } else {
    Reauthorize();
  }
  ArmTimer();
}

void Connection::Reauthorize() {
  // Analytics subscriptions: the new roles must still see the domain, and a cross
  // subscription follows the cross metrics the new roles see. Widgets get their latest
  // publication again, which Choose checks against the new roles (data, or forbidden).
  query::DomainMask readable;
  std::vector<std::pair<uint64_t, Sub>> analytics, widgets;
  {
    absl::MutexLock lock(&mu_);
    readable = identity_->caller.readable;
    for (const auto& [id, sub] : subs_) {
      (sub.spec.kind == TopicSpec::kAnalytics ? analytics : widgets).emplace_back(id, sub);
    }
  }
  // checked_version 0: the sharing is checked again against what the next one renders.
  for (auto& [id, sub] : widgets) AddSub(sub.spec, sub.about, 0);
  for (auto& [id, sub] : analytics) {
    if (closing_) return;
    if (!query::SectionVisible(sub.spec.section, readable)) {
      RemoveSub(id);
      Reply(ErrorMessage(Forbidden("your roles no longer include the " +
                                   std::string(query::SectionName(sub.spec.section)) +
                                   " domain: unsubscribed"),
                         sub.about));
    } else if (sub.spec.section == query::Section::kCross && sub.spec.readable != readable) {
      RemoveSub(id);
      sub.spec.readable = readable;
      AddSub(sub.spec, sub.about);
    }
  }
}

void Connection::Subscribe(const ClientMessage& m) {
  std::optional<Problem> refused;
  {
    absl::MutexLock lock(&mu_);
    refused = authorizer_->Authorize(*identity_, org_);
  }
  if (refused) {
    std::string about = endpoint_ == Endpoint::kAnalytics
                            ? AboutSubscription(m.domain, m.period)
                            : AboutWidget(m.widgets.front(), m.dashboard_id);
    return Reply(ErrorMessage(*refused, about));
  }
  if (endpoint_ == Endpoint::kAnalytics) return SubscribeAnalytics(m);
  SubscribeWidgets(m);
}

std::optional<TopicSpec> Connection::AnalyticsSpec(const ClientMessage& m) {
  TopicSpec spec;
  spec.kind = TopicSpec::kAnalytics;
  spec.organization_id = org_;
  query::ParseSection(m.domain, &spec.section);  // the parser checked the name
  projection::LocalCalendar calendar = hub_->projector()->Read(org_).view->calendar;
  if (auto problem = query::ResolvePeriod("period", m.period, calendar, hub_->clock()->NowMicros(),
                                          &spec.period)) {
    Close(kCloseBadRequest, problem->field + ": " + problem->message);
    return std::nullopt;
  }
  absl::MutexLock lock(&mu_);
  spec.readable = identity_->caller.readable;
  return spec;
}

void Connection::SubscribeAnalytics(const ClientMessage& m) {
  std::optional<TopicSpec> spec = AnalyticsSpec(m);
  if (!spec) return;
  std::string about = AboutSubscription(m.domain, projection::FormatPeriod(spec->period));
  if (!query::SectionVisible(spec->section, spec->readable)) {
    return Reply(ErrorMessage(Forbidden("your roles do not include the " + m.domain + " domain"),
                              about));
  }
  if (!AddSub(*spec, about)) {
    Close(kCloseBadRequest, "more than " + std::to_string(options_.max_subscriptions) +
                                " subscriptions on one connection");
  }
}

void Connection::SubscribeWidgets(const ClientMessage& m) {
  projection::Projector::TenantRead read = hub_->projector()->Read(org_);
  const projection::DashboardBook& book = *read.view->dashboards;
  dashboard::Caller caller;
  {
    absl::MutexLock lock(&mu_);
    caller = identity_->caller;
  }
  own_state::Dashboard d;
  if (m.dashboard_id.empty()) {
    d = dashboard::CallersDashboard(book, org_, caller);
  } else if (m.dashboard_id == own_state::kDefaultDashboardId) {
    d = dashboard::DefaultDashboard(book, org_);
  } else if (const own_state::Dashboard* found = book.Find(m.dashboard_id)) {
    d = *found;
  } else {
    return Reply(ErrorMessage(NotFound("no dashboard '" + m.dashboard_id + "'"),
                              AboutWidget(m.widgets.front(), m.dashboard_id)));
  }
  if (!dashboard::MayRead(d, caller)) {
    return Reply(ErrorMessage(Forbidden("dashboard '" + d.id + "' is not shared with you"),
                              AboutWidget(m.widgets.front(), d.id)));
  }
  for (const std::string& id : m.widgets) {
    if (closing_) return;
    std::string about = AboutWidget(id, d.id);
    bool found = std::any_of(d.widgets.begin(), d.widgets.end(),
                             [&](const own_state::Widget& w) { return w.id == id; });
    if (!found) {
      Reply(ErrorMessage(NotFound("no widget '" + id + "' on dashboard '" + d.id + "'"), about));
      continue;
    }
    TopicSpec spec;
    spec.kind = TopicSpec::kWidget;
    spec.organization_id = org_;
    spec.dashboard_id = d.id;
    spec.widget_id = id;
    if (!AddSub(std::move(spec), std::move(about), d.version)) {
      return Close(kCloseBadRequest, "more than " + std::to_string(options_.max_subscriptions) +
                                         " subscriptions on one connection");
    }
  }
}

bool Connection::AddSub(TopicSpec spec, std::string about, int64_t checked_version) {
  if (closing_) return true;  // closed meanwhile (a reply overflowed): subscribe nothing
  std::string key = spec.Key();
  uint64_t id;
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    id = it->second;  // subscribed already: send the current state again
    absl::MutexLock lock(&mu_);
    Sub& sub = subs_[id];
    sub.last_seq = 0;
    sub.forbidden_sent = false;
    sub.checked_version = checked_version;
  } else {
    if (by_key_.size() >= options_.max_subscriptions) return false;
    id = next_sub_id_++;
    by_key_.emplace(key, id);
    absl::MutexLock lock(&mu_);
    Sub& sub = subs_[id];
    sub.spec = spec;
    sub.key = key;
    sub.about = std::move(about);
    sub.checked_version = checked_version;
  }
  // Outside mu_: Subscribe may Offer at once.
  Hub::TopicHandle topic = hub_->Subscribe(spec, shared_from_this(), id);
  absl::MutexLock lock(&mu_);
  if (auto it = subs_.find(id); it != subs_.end()) it->second.topic = std::move(topic);
  return true;
}

void Connection::RemoveSub(uint64_t id) {
  Hub::TopicHandle topic;
  {
    absl::MutexLock lock(&mu_);
    auto it = subs_.find(id);
    if (it == subs_.end()) return;
    topic = std::move(it->second.topic);
    by_key_.erase(it->second.key);
    subs_.erase(it);
  }
  if (topic) hub_->Unsubscribe(topic, this, id);
}

void Connection::RemoveAll() {
  std::vector<std::pair<uint64_t, Hub::TopicHandle>> topics;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, sub] : subs_) topics.emplace_back(id, std::move(sub.topic));
    subs_.clear();
    dirty_.clear();
  }
  by_key_.clear();
  replies_.clear();
  reply_bytes_ = 0;
  for (auto& [id, topic] : topics) {
    if (topic) hub_->Unsubscribe(topic, this, id);
  }
}

void Connection::Unsubscribe(const ClientMessage& m) {
  std::vector<uint64_t> ids;
  if (endpoint_ == Endpoint::kAnalytics) {
    std::optional<TopicSpec> spec = AnalyticsSpec(m);
    if (!spec) return;
    // Any cross variant: the readable domains are the connection's.
    if (auto it = by_key_.find(spec->Key()); it != by_key_.end()) ids.push_back(it->second);
  } else {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, sub] : subs_) {
      bool named = std::find(m.widgets.begin(), m.widgets.end(), sub.spec.widget_id) != m.widgets.end();
      if (named && (m.dashboard_id.empty() || m.dashboard_id == sub.spec.dashboard_id)) {
        ids.push_back(id);
      }
    }
  }
  for (uint64_t id : ids) RemoveSub(id);
}

void Connection::Offer(uint64_t sub_id, const std::shared_ptr<const Publication>& pub) {
  absl::MutexLock lock(&mu_);
  auto it = subs_.find(sub_id);
  if (it == subs_.end() || !open_) return;
  Sub& sub = it->second;
  // The same publication twice (from Subscribe and from its fan-out), or an older one.
  if ((sub.last_seq != 0 && pub->seq <= sub.last_seq) ||
      (sub.pending && sub.pending->seq >= pub->seq)) {
    return;
  }
  if (sub.pending) hub_->messages_coalesced.fetch_add(1, std::memory_order_relaxed);
  sub.pending = pub;
  if (!sub.queued) {
    sub.queued = true;
    dirty_.push_back(sub_id);
  }
  if (!wake_posted_) {
    wake_posted_ = true;
    socket_->Post([self = shared_from_this()] {
      {
        absl::MutexLock l(&self->mu_);
        self->wake_posted_ = false;
      }
      self->Pump();
      self->ArmTimer();
    });
  }
}

std::shared_ptr<const std::string> Connection::Choose(Sub& sub, const Publication& pub,
                                                      bool* end) {
  const dashboard::Caller& caller = identity_->caller;
  *end = pub.final;
  if (pub.dashboard && pub.dashboard->version >= sub.checked_version &&
      !dashboard::MayRead(*pub.dashboard, caller)) {
    *end = true;
    return std::make_shared<const std::string>(ErrorMessage(
        Forbidden("dashboard '" + sub.spec.dashboard_id + "' is no longer shared with you: "
                  "unsubscribed"),
        sub.about));
  }
  if ((pub.sources & ~caller.readable) != 0) {
    if (sub.forbidden_sent) return nullptr;
    sub.forbidden_sent = true;
    return pub.forbidden;
  }
  sub.forbidden_sent = false;
  if (pub.diff && sub.last_seq != 0 && pub.seq == sub.last_seq + 1) return pub.diff;
  return pub.full;
}

void Connection::Reply(std::string message) {
  if (closing_) return;
  reply_bytes_ += message.size();
  replies_.push_back(std::make_shared<const std::string>(std::move(message)));
  if (reply_bytes_ > options_.max_reply_bytes) {
    return DropSlowClient();  // it sends without reading its answers
  }
  Pump();
  ArmTimer();
}

void Connection::Pump() {
  if (socket_ == nullptr || writing_ || closing_) return;
  std::shared_ptr<const std::string> bytes;
  if (!replies_.empty()) {
    bytes = std::move(replies_.front());
    replies_.pop_front();
    reply_bytes_ -= bytes->size();
  } else {
    SteadyTime now = Clock::now();
    std::vector<uint64_t> ended;
    {
      absl::MutexLock lock(&mu_);
      throttled_until_ = SteadyTime::max();
      for (auto it = dirty_.begin(); it != dirty_.end();) {
        auto s = subs_.find(*it);
        if (s == subs_.end() || !s->second.pending) {
          it = dirty_.erase(it);
          continue;
        }
        Sub& sub = s->second;
        if (sub.next_allowed > now) {
          throttled_until_ = std::min(throttled_until_, sub.next_allowed);
          ++it;
          continue;
        }
        std::shared_ptr<const Publication> pub = std::move(sub.pending);
        sub.queued = false;
        it = dirty_.erase(it);
        bool end = false;
        bytes = Choose(sub, *pub, &end);
        if (end) ended.push_back(s->first);
        if (bytes) {
          sub.last_seq = pub->seq;
          sub.next_allowed = now + options_.min_interval;
          break;
        }
      }
    }
    for (uint64_t id : ended) RemoveSub(id);
  }
  if (!bytes) return;
  writing_ = true;
  write_started_ = Clock::now();
  hub_->messages_sent.fetch_add(1, std::memory_order_relaxed);
  socket_->Send(std::move(bytes));
}

void Connection::OnSent() {
  writing_ = false;
  Pump();
  ArmTimer();
}

void Connection::ArmTimer() {
  if (socket_ == nullptr || closing_) return;
  SteadyTime at = std::min(auth_deadline_, expires_);
  // While a message is being written, OnSent pumps again: only its stall deadline counts.
  at = std::min(at, writing_ ? write_started_ + options_.send_timeout : throttled_until_);
  // An earlier wake-up already set does: OnTimer looks at everything again and sets the
  // next. (Re-arming at every message, for a stall deadline that moves with each write,
  // cost a timer cancellation per message.)
  if (at == SteadyTime::max() || at >= armed_) return;
  armed_ = at;
  socket_->WakeAt(at);
}

void Connection::OnTimer() {
  if (closing_ || socket_ == nullptr) return;
  armed_ = SteadyTime::max();
  SteadyTime now = Clock::now();
  if (throttled_until_ <= now) throttled_until_ = SteadyTime::max();  // Pump recomputes it
  if (now >= auth_deadline_) {
    return Close(kCloseUnauthorized,
                 "no {\"type\":\"auth\"} message within " +
                     std::to_string(options_.auth_timeout.count()) + " ms");
  }
  if (now >= expires_) return Close(kCloseUnauthorized, "token expired");
  if (writing_ && now >= write_started_ + options_.send_timeout) {
    return DropSlowClient();  // it has not taken a message for send_timeout
  }
  Pump();
  ArmTimer();
}

void Connection::DropSlowClient() {
  // No close frame could pass a client that does not read: the socket goes.
  hub_->slow_closed.fetch_add(1, std::memory_order_relaxed);
  {
    // Its updates not yet sent are lost with it (the client reconnects and resubscribes).
    absl::MutexLock lock(&mu_);
    uint64_t pending = 0;
    for (const auto& [id, sub] : subs_) pending += sub.pending ? 1 : 0;
    hub_->messages_dropped_on_close.fetch_add(pending, std::memory_order_relaxed);
  }
  closing_ = true;
  RemoveAll();
  socket_->Abort();
}

void Connection::Close(uint16_t code, std::string_view reason) {
  if (closing_) return;
  closing_ = true;
  RemoveAll();
  socket_->Close(code, CloseReason(reason));
}

void Connection::OnClosed() {
  closing_ = true;
  {
    absl::MutexLock lock(&mu_);
    open_ = false;
  }
  RemoveAll();
  socket_ = nullptr;
  hub_->connections.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace readside::live
