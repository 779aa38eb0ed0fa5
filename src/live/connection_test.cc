// The live hub and connections over a real store and projector, with a fake socket that
// records what would be written: updates carry the values and position the HTTP bodies have;
// coalescing holds the 10 messages/s per subscription under a burst; a stalled client does
// not slow the others, holds one pending message per subscription and is torn down; refusals
// (domain, organization, token expiry, bad input, limits) close or answer as docs/live.md
// says; and a topic shared by many connections is rendered once per change.

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include "event/parser.h"
#include "gtest/gtest.h"
#include "live/connection.h"
#include "projection/projector.h"
#include "query/analytics.h"
#include "query/widget_data.h"
#include "sim/generator.h"
#include "store/event_store.h"

namespace readside::live {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// A socket whose "connection thread" is a worker of its own: handler calls, posted functions
// and timers all run there, as on a server's io_context. Sent messages are recorded; a
// stalled socket never completes a send (a client that stopped reading).
class FakeSocket final : public Socket {
 public:
  struct Sent {
    std::string text;
    Steady::time_point at;
  };

  // `inline_close`: Close and Abort call OnClosed before they return, as the server's
  // socket does when it tears a connection down.
  // `stall_after`: a stalled socket completes that many sends first.
  explicit FakeSocket(std::shared_ptr<SocketHandler> handler, bool stalled = false,
                      bool inline_close = false, int stall_after = 0)
      : handler_(std::move(handler)),
        stalled_(stalled),
        inline_close_(inline_close),
        stall_after_(stall_after),
        worker_([this] { Work(); }) {
    Run([this] { handler_->OnOpen(this); });
  }
  ~FakeSocket() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    worker_.join();
    if (!closed_delivered_) handler_->OnClosed();  // the test ends: the connection goes
  }

  void Text(std::string text) {
    Run([this, text = std::move(text)] { handler_->OnText(text); });
  }

  // Socket (the worker thread, but Post).
  void Send(std::shared_ptr<const std::string> text) override {
    std::lock_guard lock(mu_);
    sent_.push_back({*text, Steady::now()});
    cv_.notify_all();
    if (!stalled_ || static_cast<int>(sent_.size()) <= stall_after_) {
      tasks_.push_back([this] { handler_->OnSent(); });
    }
  }
  void Close(uint16_t code, std::string reason) override {
    std::lock_guard lock(mu_);
    close_code_ = code;
    close_reason_ = std::move(reason);
    Finish();
  }
  void Abort() override {
    {
      std::lock_guard lock(mu_);
      aborted_ = true;
      if (!inline_close_) return Finish();
      closing_ = true;
      tasks_.clear();
    }
    handler_->OnClosed();
    std::lock_guard lock(mu_);
    closed_delivered_ = true;
    cv_.notify_all();
  }
  int timer_fires() {
    std::lock_guard lock(mu_);
    return timer_fires_;
  }
  void WakeAt(SteadyTime at) override {
    std::lock_guard lock(mu_);
    wake_ = at;
    cv_.notify_all();
  }
  void Post(std::function<void()> fn) override { Run(std::move(fn)); }

  // The test's view (any thread).
  std::vector<Sent> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  template <typename Pred>
  bool WaitFor(Pred pred, milliseconds timeout = milliseconds(10'000)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(); });
  }
  bool WaitClosed(milliseconds timeout = milliseconds(10'000)) {
    return WaitFor([this] { return closed_delivered_; }, timeout);
  }
  int close_code() {
    std::lock_guard lock(mu_);
    return close_code_;
  }
  std::string close_reason() {
    std::lock_guard lock(mu_);
    return close_reason_;
  }
  bool aborted() {
    std::lock_guard lock(mu_);
    return aborted_;
  }
  const std::vector<Sent>& sent_locked() const { return sent_; }  // inside WaitFor

 private:
  void Run(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (closing_) return;
    tasks_.push_back(std::move(fn));
    cv_.notify_all();
  }
  void Finish() {  // mu_ held
    if (closing_) return;
    closing_ = true;
    tasks_.clear();
    tasks_.push_back([this] {
      handler_->OnClosed();
      std::lock_guard lock(mu_);
      closed_delivered_ = true;
      cv_.notify_all();
    });
    cv_.notify_all();
  }
  void Work() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (!tasks_.empty()) {
        auto fn = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        fn();
        lock.lock();
        continue;
      }
      if (wake_ != SteadyTime::max() && Steady::now() >= wake_ && !closing_) {
        wake_ = SteadyTime::max();
        ++timer_fires_;
        lock.unlock();
        handler_->OnTimer();
        lock.lock();
        continue;
      }
      if (wake_ == SteadyTime::max() || closing_) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, wake_);
      }
    }
  }

  std::shared_ptr<SocketHandler> handler_;
  const bool stalled_;
  const bool inline_close_;
  const int stall_after_;
  int timer_fires_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<Sent> sent_;
  SteadyTime wake_ = SteadyTime::max();
  bool stop_ = false, closing_ = false, closed_delivered_ = false, aborted_ = false;
  int close_code_ = 0;
  std::string close_reason_;
  std::thread worker_;  // last: started after every member exists
};

// Tokens are names here: "admin", "hr", "other-org", "short" (expires in a second).
class TestAuthorizer final : public Authorizer {
 public:
  absl::StatusOr<Identity> Authenticate(std::string_view token) const override {
    auto principal = std::make_shared<auth::Principal>();
    principal->subject = std::string(token);
    principal->organizations = {token == "other-org" ? "other-org" : "acme-corp"};
    principal->expires_at = SystemClock::Get().NowMicros() / 1'000'000 + 3600;
    Identity who;
    who.caller.subject = principal->subject;
    who.caller.readable = query::kAllDomains;
    if (token == "admin" || token == "short" || token == "other-org") {
      principal->roles = {"admin"};
      who.caller.admin = true;
    } else if (token == "hr") {
      principal->roles = {"hr"};
      who.caller.readable = query::DomainBit(query::Section::kHrm);
    } else {
      return absl::UnauthenticatedError("signature does not verify");
    }
    if (token == "short") principal->expires_at = SystemClock::Get().NowMicros() / 1'000'000 + 1;
    who.caller.roles = principal->roles;
    who.expires_at = principal->expires_at;
    who.principal = principal;
    return who;
  }
  std::optional<Problem> Authorize(const Identity& who, std::string_view org) const override {
    if (who.principal->HasOrganization(org)) return std::nullopt;
    return Problem{.status = 404, .title = "Not found", .detail = "no organization '" + std::string(org) + "'"};
  }
};

json::object Parse(const std::string& text) { return json::parse(text).as_object(); }

class LiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rs-live-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = *store::EventStore::Open({.path = (dir_ / "events").string(), .sync = false});
    projector_ = std::make_unique<projection::Projector>(store_.get(), &SystemClock::Get());
    hub_ = std::make_unique<Hub>(projector_.get(), &SystemClock::Get());
    projector_->SetPublishListener([this](uint64_t p, std::span<const projection::Projector::TenantChange> orgs, bool all) {
      hub_->OnPublished(p, orgs, all);
    });
    hub_->Start();
    projector_->Start();
    authorizer_ = std::make_shared<TestAuthorizer>();
    // Simulated January 2024 for acme-corp (and beta-inc, which nobody here may read).
    sim::Generator gen({.seed = 7, .tenants = {"acme-corp", "beta-inc"}, .total_events = 6000});
    event::EventParser parser;
    std::string line;
    int64_t ts;
    std::vector<event::FieldError> errors;
    while (gen.Next(&line, &ts)) {
      event::Event e;
      if (parser.ParseOne(line, &e, &errors)) {
        events_.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                           e.event_type, e.timestamp_micros, e.json});
      }
    }
  }
  void TearDown() override {
    sockets_.clear();
    projector_->Stop();
    hub_->Stop();
    projector_.reset();
    hub_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Appends the next `n` events; returns the store position after them.
  uint64_t Append(size_t n) {
    store::AppendRequest request;
    for (size_t i = 0; i < n && next_ < events_.size(); ++i) request.events.push_back(events_[next_++]);
    auto outcomes = store_->Append(std::move(request));
    EXPECT_TRUE(outcomes.ok()) << outcomes.status();
    return store_->LastPosition();
  }

  // Appends events up to and including the next one `pred` accepts; returns the store
  // position after them.
  template <typename Pred>
  uint64_t AppendThrough(Pred pred) {
    store::AppendRequest request;
    while (next_ < events_.size()) {
      request.events.push_back(events_[next_++]);
      if (pred(request.events.back())) break;
    }
    if (request.events.empty() || !pred(request.events.back())) {
      ADD_FAILURE() << "no such event left";
      return store_->LastPosition();
    }
    auto outcomes = store_->Append(std::move(request));
    EXPECT_TRUE(outcomes.ok()) << outcomes.status();
    return store_->LastPosition();
  }

  FakeSocket* Connect(std::optional<std::string> token, ConnectionOptions options = {},
                      bool stalled = false, Endpoint endpoint = Endpoint::kAnalytics,
                      std::string org = "acme-corp", bool inline_close = false) {
    std::optional<Identity> identity;
    if (token) identity = *authorizer_->Authenticate(*token);
    auto connection = std::make_shared<Connection>(endpoint, org, hub_.get(), authorizer_,
                                                   options, std::move(identity));
    sockets_.push_back(std::make_unique<FakeSocket>(connection, stalled, inline_close));
    return sockets_.back().get();
  }

  // The metrics the updates sent on `socket` for domain/period add up to, and the position
  // of the last update.
  static std::pair<json::object, uint64_t> State(FakeSocket* socket, std::string_view domain,
                                                 std::string_view period) {
    json::object state;
    uint64_t position = 0;
    for (const auto& s : socket->sent()) {
      json::object m = Parse(s.text);
      if (m["type"] != "update" || m["domain"].as_string() != domain ||
          m["period"].as_string() != period) {
        continue;
      }
      if (m["full"].as_bool()) state.clear();
      for (const auto& [k, v] : m["metrics"].as_object()) state[k] = v;
      position = m["position"].to_number<uint64_t>();
    }
    return {state, position};
  }

  // The metrics of the HTTP body of `section` for January 2024 now (every metric member).
  json::object BodyMetrics(query::Section section, const std::string& org = "acme-corp") {
    projection::Projector::TenantRead read = projector_->Read(org);
    projection::Period period;
    EXPECT_FALSE(query::ResolvePeriod("period", "2024-01", read.view->calendar, 0, &period));
    json::object body = Parse(query::SectionBody(
        section, {*read.view, period, SystemClock::Get().NowMicros(), false, query::kAllDomains}));
    for (const char* k : {"organization_id", "period", "period_start", "period_end",
                          "last_updated", "data_sources", "stale"}) {
      body.erase(k);
    }
    return body;
  }

  bool WaitApplied(uint64_t p) { return projector_->WaitForPosition(p, milliseconds(10'000)); }

  std::filesystem::path dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<projection::Projector> projector_;
  std::unique_ptr<Hub> hub_;
  std::shared_ptr<TestAuthorizer> authorizer_;
  std::vector<store::EventToStore> events_;
  size_t next_ = 0;
  std::vector<std::unique_ptr<FakeSocket>> sockets_;
};

constexpr char kSubscribeCrm[] = R"({"type":"subscribe","domain":"crm","period":"2024-01"})";

TEST_F(LiveTest, UpdatesCarryTheValuesAndPositionOfTheHttpBody) {
  uint64_t p = Append(500);
  ASSERT_TRUE(WaitApplied(p));
  FakeSocket* s = Connect("admin");
  s->Text(kSubscribeCrm);
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 2; }));
  json::object ready = Parse(s->sent()[0].text);
  EXPECT_EQ(ready["type"], "ready");
  EXPECT_EQ(ready["organization_id"], "acme-corp");
  json::object first = Parse(s->sent()[1].text);
  EXPECT_EQ(first["type"], "update");
  EXPECT_TRUE(first["full"].as_bool());
  EXPECT_EQ(first["position"].to_number<uint64_t>(), p);
  EXPECT_EQ(State(s, "crm", "2024-01").first, BodyMetrics(query::Section::kCrm));

  // Events change the numbers: the next update comes after they are applied, with their
  // position, and only the metrics that changed.
  json::object before = State(s, "crm", "2024-01").first;
  uint64_t q = Append(500);
  ASSERT_TRUE(s->WaitFor([&] {
    for (const auto& m : s->sent_locked()) {
      if (m.text.find("\"position\":" + std::to_string(q) + ",") != std::string::npos) return true;
    }
    return false;
  })) << "no update at position " << q;
  json::object last = Parse(s->sent().back().text);
  EXPECT_FALSE(last["full"].as_bool());
  for (const auto& [k, v] : last["metrics"].as_object()) EXPECT_NE(before[k], v) << k;
  EXPECT_EQ(State(s, "crm", "2024-01").first, BodyMetrics(query::Section::kCrm));
}

TEST_F(LiveTest, CoalescesABurstToTenMessagesPerSecondAndTheLatestStateWins) {
  // Past the simulation's set-up (people, products): its first ~40 batches of 20 hold no CRM
  // event of acme-corp, so a burst made of them alone (a slow sanitizer build on a busy
  // machine manages about that many) would change nothing the subscription shows.
  ASSERT_TRUE(WaitApplied(Append(1000)));
  FakeSocket* s = Connect("admin");
  s->Text(kSubscribeCrm);
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 2; }));
  uint64_t last = 0;
  int appends = 0;
  auto start = Steady::now();
  // ~a hundred small appends, leaving events for the last one below.
  while (Steady::now() - start < milliseconds(1200) && next_ + 500 < events_.size()) {
    last = Append(20);
    ++appends;
    std::this_thread::sleep_for(milliseconds(5));
  }
  // Some batches change no CRM number of acme-corp (HRM, finance, beta-inc): end the burst
  // with one that does (a new lead), so that the final state has the last position.
  last = AppendThrough([](const store::EventToStore& e) {
    return e.organization_id == "acme-corp" && e.event_type == "crm.lead.created";
  });
  ASSERT_TRUE(WaitApplied(last));
  ASSERT_TRUE(s->WaitFor([&] {
    return Parse(s->sent_locked().back().text)["position"].to_number<uint64_t>() == last;
  }));
  std::vector<FakeSocket::Sent> sent = s->sent();
  std::vector<Steady::time_point> updates;
  for (const auto& m : sent) {
    if (Parse(m.text)["type"] == "update") updates.push_back(m.at);
  }
  EXPECT_LT(updates.size(), static_cast<size_t>(appends) / 2) << "not coalesced";
  EXPECT_GE(updates.size(), 5u);
  for (size_t i = 1; i < updates.size(); ++i) {
    // The connection reads its clock when it picks a message, the fake socket when it takes
    // it, after the message is composed: microseconds apart on a quiet machine, but a busy
    // one (a parallel ctest) can preempt the thread in between, which shortens one gap by that
    // much. 5 ms of slack keeps the check a property of the rate limit (a missing limit gives
    // gaps of ~5 ms here), not of the machine's load.
    EXPECT_GE(updates[i] - updates[i - 1], milliseconds(95)) << "update " << i;
  }
  EXPECT_EQ(State(s, "crm", "2024-01").first, BodyMetrics(query::Section::kCrm));
}

TEST_F(LiveTest, AStalledClientNeitherSlowsOthersNorHoldsMoreThanTheLatestAndIsClosed) {
  ASSERT_TRUE(WaitApplied(Append(1000)));  // past the simulation's set-up (people, products)
  ConnectionOptions o;
  o.send_timeout = milliseconds(400);
  FakeSocket* stalled = Connect("admin", o, /*stalled=*/true);
  FakeSocket* reader = Connect("admin", o);
  stalled->Text(kSubscribeCrm);
  stalled->Text(R"({"type":"subscribe","domain":"hrm","period":"2024-01"})");
  reader->Text(kSubscribeCrm);
  uint64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    last = Append(50);
    std::this_thread::sleep_for(milliseconds(30));
  }
  ASSERT_TRUE(WaitApplied(last));
  ASSERT_TRUE(reader->WaitFor([&] {
    return Parse(reader->sent_locked().back().text)["position"].to_number<uint64_t>() == last;
  }));
  EXPECT_EQ(State(reader, "crm", "2024-01").first, BodyMetrics(query::Section::kCrm));
  ASSERT_TRUE(stalled->WaitClosed());
  EXPECT_TRUE(stalled->aborted());
  // Its first message (ready) never completed: nothing else was written to it, and the
  // updates meanwhile replaced each other in its one pending slot.
  EXPECT_EQ(stalled->sent().size(), 1u);
  EXPECT_GE(hub_->messages_coalesced.load(), 1u);
  EXPECT_EQ(hub_->slow_closed.load(), 1u);
  EXPECT_FALSE(reader->WaitClosed(milliseconds(50)));
  EXPECT_EQ(hub_->Stats().subscriptions, 1u);  // the stalled one's are gone
  // Waiting for the stalled write took a timer or two, not a loop of them.
  EXPECT_LE(stalled->timer_fires(), 5);
}

TEST_F(LiveTest, AClientThatStallsWhileOtherSubscriptionsWaitDoesNotSpinItsThread) {
  ASSERT_TRUE(WaitApplied(Append(1000)));
  ConnectionOptions o;
  o.send_timeout = milliseconds(1500);
  auto connection = std::make_shared<Connection>(Endpoint::kAnalytics, "acme-corp", hub_.get(),
                                                 authorizer_, o, *authorizer_->Authenticate("admin"));
  // ready and the two initial states go through; then the client stops reading.
  sockets_.push_back(std::make_unique<FakeSocket>(connection, true, false, /*stall_after=*/3));
  FakeSocket* s = sockets_.back().get();
  s->Text(kSubscribeCrm);  // subscription 1, its first message before 2's
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 2; }));
  s->Text(R"({"type":"subscribe","domain":"hrm","period":"2024-01"})");  // subscription 2
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 3; }));
  // Within 100 ms of their first messages, a publication for each (2 first): both wait;
  // when 1 may go it is written and never completes, while 2 still waits for its turn.
  auto pub = [](uint64_t seq) {
    auto p = std::make_shared<Publication>();
    p->seq = seq;
    p->full = std::make_shared<const std::string>(R"({"type":"update"})");
    return p;
  };
  connection->Offer(2, pub(1000));
  connection->Offer(1, pub(1000));
  ASSERT_TRUE(s->WaitClosed());
  EXPECT_TRUE(s->aborted());
  EXPECT_EQ(s->sent().size(), 4u);
  EXPECT_LE(s->timer_fires(), 10);
}

TEST_F(LiveTest, AConnectionTornDownByAnOverflowingReplySubscribesNothingAfter) {
  ASSERT_TRUE(WaitApplied(Append(300)));
  ConnectionOptions o;
  o.max_reply_bytes = 120;  // the ready message (~110 bytes) fits; the 404 error (~140) not
  FakeSocket* s = Connect("admin", o, /*stalled=*/true, Endpoint::kDashboards, "acme-corp",
                          /*inline_close=*/true);
  s->Text(R"({"type":"subscribe","widgets":["nope","executive-1","executive-2"]})");
  ASSERT_TRUE(s->WaitClosed());
  EXPECT_TRUE(s->aborted());
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(hub_->Stats().subscriptions, 0u);
  EXPECT_EQ(hub_->Stats().topics, 0u);
}

TEST_F(LiveTest, ForbiddenDomainsAreRefusedWithAnErrorAndNoData) {
  uint64_t p = Append(300);
  ASSERT_TRUE(WaitApplied(p));
  FakeSocket* s = Connect("hr");
  s->Text(kSubscribeCrm);
  s->Text(R"({"type":"subscribe","domain":"hrm","period":"2024-01"})");
  s->Text(R"({"type":"subscribe","domain":"cross","period":"2024-01"})");
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 4; }));
  std::vector<FakeSocket::Sent> sent = s->sent();
  json::object error = Parse(sent[1].text);
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["status"], 403);
  EXPECT_EQ(error["domain"], "crm");
  EXPECT_EQ(error["detail"], "your roles do not include the crm domain");
  std::set<std::string> domains, refused;
  for (const auto& m : sent) {
    json::object o = Parse(m.text);
    if (o["type"] == "update") domains.insert(std::string(o["domain"].as_string()));
    if (o["type"] == "error") refused.insert(std::string(o["domain"].as_string()));
  }
  // No cross metric reads hrm alone: cross is refused too, as GET /analytics/cross is.
  EXPECT_EQ(domains, (std::set<std::string>{"hrm"}));
  EXPECT_EQ(refused, (std::set<std::string>{"crm", "cross"}));
  for (const auto& m : sent) EXPECT_EQ(m.text.find("leads_new"), std::string::npos);
  EXPECT_FALSE(s->WaitClosed(milliseconds(50)));
}

TEST_F(LiveTest, FirstMessageAuthenticationAndItsRefusals) {
  ConnectionOptions o;
  o.auth_timeout = milliseconds(200);
  FakeSocket* ok = Connect(std::nullopt, o);
  ok->Text(R"({"type":"auth","token":"admin"})");
  ok->Text(kSubscribeCrm);
  ASSERT_TRUE(ok->WaitFor([&] { return ok->sent_locked().size() >= 2; }));
  EXPECT_EQ(Parse(ok->sent()[0].text)["type"], "ready");
  EXPECT_EQ(Parse(ok->sent()[1].text)["type"], "update");

  FakeSocket* silent = Connect(std::nullopt, o);
  ASSERT_TRUE(silent->WaitClosed());
  EXPECT_EQ(silent->close_code(), kCloseUnauthorized);
  EXPECT_EQ(silent->close_reason(), R"(no {"type":"auth"} message within 200 ms)");

  FakeSocket* early = Connect(std::nullopt, o);
  early->Text(kSubscribeCrm);
  ASSERT_TRUE(early->WaitClosed());
  EXPECT_EQ(early->close_code(), kCloseUnauthorized);

  FakeSocket* bad = Connect(std::nullopt, o);
  bad->Text(R"({"type":"auth","token":"forged"})");
  ASSERT_TRUE(bad->WaitClosed());
  EXPECT_EQ(bad->close_code(), kCloseUnauthorized);
  EXPECT_EQ(bad->close_reason(), "signature does not verify");

  // Another tenant's token: refused like the HTTP routes (404), as 4404.
  FakeSocket* other = Connect(std::nullopt, o);
  other->Text(R"({"type":"auth","token":"other-org"})");
  ASSERT_TRUE(other->WaitClosed());
  EXPECT_EQ(other->close_code(), kCloseNotFound);
  EXPECT_EQ(other->close_reason(), "no organization 'acme-corp'");

  // A new token for another organization on an open connection: 4403.
  ok->Text(R"({"type":"auth","token":"other-org"})");
  ASSERT_TRUE(ok->WaitClosed());
  EXPECT_EQ(ok->close_code(), kCloseForbidden);
}

TEST_F(LiveTest, ANewTokenReauthorizesEverySubscription) {
  FakeSocket* s = Connect("admin");
  s->Text(kSubscribeCrm);
  s->Text(R"({"type":"subscribe","domain":"hrm","period":"2024-01"})");
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 3; }));
  s->Text(R"({"type":"auth","token":"hr"})");
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 4; }));
  json::object error = Parse(s->sent()[3].text);
  EXPECT_EQ(error["status"], 403);
  EXPECT_EQ(error["domain"], "crm");
  EXPECT_EQ(hub_->Stats().subscriptions, 1u);  // hrm stays
  uint64_t p = Append(300);
  ASSERT_TRUE(WaitApplied(p));
  std::this_thread::sleep_for(milliseconds(300));
  for (size_t i = 4; i < s->sent().size(); ++i) {
    EXPECT_EQ(Parse(s->sent()[i].text)["domain"], "hrm");
  }
}

TEST_F(LiveTest, TheConnectionClosesWhenItsTokenExpires) {
  FakeSocket* s = Connect("short");
  s->Text(kSubscribeCrm);
  ASSERT_TRUE(s->WaitClosed(milliseconds(5000)));
  EXPECT_EQ(s->close_code(), kCloseUnauthorized);
  EXPECT_EQ(s->close_reason(), "token expired");
  EXPECT_EQ(hub_->Stats().subscriptions, 0u);
}

TEST_F(LiveTest, BadInputClosesWithAReasonAndLimitsHold) {
  struct Case {
    std::string text;
    std::string reason;
  };
  const Case cases[] = {
      {"{not json", "malformed JSON"},
      {R"({"type":"publish"})", "type: unknown message type 'publish'"},
      {R"({"type":"subscribe","domain":"crm","period":"2024-13"})", "period: invalid period"},
      {R"({"type":"subscribe","domain":"crm","period":"yesterday"})", "period: "},
  };
  for (const Case& c : cases) {
    FakeSocket* s = Connect("admin");
    s->Text(c.text);
    ASSERT_TRUE(s->WaitClosed()) << c.text;
    EXPECT_EQ(s->close_code(), kCloseBadRequest) << c.text;
    EXPECT_TRUE(s->close_reason().starts_with(c.reason)) << c.text << " → " << s->close_reason();
  }
  ConnectionOptions o;
  o.max_subscriptions = 2;
  FakeSocket* s = Connect("admin", o);
  s->Text(R"({"type":"subscribe","domain":"crm","period":"2024-01"})");
  s->Text(R"({"type":"subscribe","domain":"crm","period":"2024-01"})");  // the same: one
  s->Text(R"({"type":"subscribe","domain":"crm","period":"2024-02"})");
  s->Text(R"({"type":"subscribe","domain":"crm","period":"2024-03"})");
  ASSERT_TRUE(s->WaitClosed());
  EXPECT_EQ(s->close_code(), kCloseBadRequest);
  EXPECT_EQ(s->close_reason(), "more than 2 subscriptions on one connection");
  EXPECT_EQ(hub_->Stats().subscriptions, 0u);
  // The hub still serves: a new connection gets its state.
  FakeSocket* after = Connect("admin");
  after->Text(kSubscribeCrm);
  EXPECT_TRUE(after->WaitFor([&] { return after->sent_locked().size() >= 2; }));
}

TEST_F(LiveTest, ATopicSharedByManyConnectionsIsRenderedOncePerChange) {
  std::vector<FakeSocket*> sockets;
  for (int i = 0; i < 50; ++i) {
    sockets.push_back(Connect("admin"));
    sockets.back()->Text(kSubscribeCrm);
  }
  for (FakeSocket* s : sockets) ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 2; }));
  HubStats before = hub_->Stats();
  EXPECT_EQ(before.topics, 1u);
  EXPECT_EQ(before.subscriptions, 50u);
  uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    last = Append(200);
    std::this_thread::sleep_for(milliseconds(150));
  }
  ASSERT_TRUE(WaitApplied(last));
  for (FakeSocket* s : sockets) {
    ASSERT_TRUE(s->WaitFor([&] {
      return Parse(s->sent_locked().back().text)["position"].to_number<uint64_t>() == last;
    }));
  }
  HubStats after = hub_->Stats();
  // At most one rendering per publication of the projector, whatever the subscribers.
  EXPECT_LE(after.renders - before.renders, 5u * 2);
  std::string final_bytes = sockets[0]->sent().back().text;
  for (FakeSocket* s : sockets) EXPECT_EQ(s->sent().back().text, final_bytes);
}

TEST_F(LiveTest, OnlyTheTopicsADomainFeedsAreRenderedAgain) {
  ASSERT_TRUE(WaitApplied(Append(1000)));
  FakeSocket* s = Connect("admin");
  s->Text(kSubscribeCrm);
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 2; }));
  std::this_thread::sleep_for(milliseconds(200));
  uint64_t renders = hub_->Stats().renders;
  // HRM events only: the crm topic is not rendered again.
  store::AppendRequest hrm;
  for (size_t i = next_; i < events_.size() && hrm.events.size() < 200; ++i) {
    if (events_[i].event_type.starts_with("hrm.")) hrm.events.push_back(events_[i]);
  }
  ASSERT_FALSE(hrm.events.empty());
  ASSERT_TRUE(store_->Append(std::move(hrm)).ok());
  ASSERT_TRUE(WaitApplied(store_->LastPosition()));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(hub_->Stats().renders, renders);
  // CRM events: it is.
  store::AppendRequest crm;
  for (size_t i = next_; i < events_.size() && crm.events.size() < 200; ++i) {
    if (events_[i].event_type.starts_with("crm.")) crm.events.push_back(events_[i]);
  }
  ASSERT_TRUE(store_->Append(std::move(crm)).ok());
  uint64_t p = store_->LastPosition();
  ASSERT_TRUE(s->WaitFor([&] {
    return Parse(s->sent_locked().back().text)["position"].to_number<uint64_t>() == p;
  }));
  EXPECT_GT(hub_->Stats().renders, renders);
}

TEST_F(LiveTest, WidgetsPushTheirCachedData) {
  uint64_t p = Append(1000);
  ASSERT_TRUE(WaitApplied(p));
  FakeSocket* admin = Connect("admin", {}, false, Endpoint::kDashboards);
  FakeSocket* hr = Connect("hr", {}, false, Endpoint::kDashboards);
  admin->Text(R"({"type":"subscribe","widgets":["executive-1","nope"]})");
  hr->Text(R"({"type":"subscribe","widgets":["executive-1"]})");
  ASSERT_TRUE(admin->WaitFor([&] { return admin->sent_locked().size() >= 3; }));
  ASSERT_TRUE(hr->WaitFor([&] { return hr->sent_locked().size() >= 2; }));
  json::object error = Parse(admin->sent()[1].text);
  EXPECT_EQ(error["status"], 404);
  EXPECT_EQ(error["widget_id"], "nope");
  json::object widget = Parse(admin->sent()[2].text);
  EXPECT_EQ(widget["type"], "widget");
  EXPECT_EQ(widget["widget_id"], "executive-1");
  EXPECT_EQ(widget["dashboard_id"], "default");
  EXPECT_EQ(widget["position"].to_number<uint64_t>(), p);
  // The same cached_data GET /dashboards/{org} shows.
  projection::Projector::TenantRead read = projector_->Read("acme-corp");
  own_state::Dashboard d = dashboard::DefaultDashboard(*read.view->dashboards, "acme-corp");
  JsonBuilder j;
  ASSERT_FALSE(dashboard::WriteCachedData(d.widgets[0], *read.view, SystemClock::Get().NowMicros(), j));
  EXPECT_EQ(widget["cached_data"], json::parse(j.Take()));
  // A viewer without the widget's domain: forbidden, no data.
  json::object forbidden = Parse(hr->sent()[1].text);
  EXPECT_TRUE(forbidden["forbidden"].as_bool());
  EXPECT_FALSE(forbidden.contains("cached_data"));
}

TEST_F(LiveTest, ANewTokenResendsEveryWidgetAsItsRolesSeeIt) {
  ASSERT_TRUE(WaitApplied(Append(1000)));
  FakeSocket* s = Connect("admin", {}, false, Endpoint::kDashboards);
  s->Text(R"({"type":"subscribe","widgets":["executive-1"]})");
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 2; }));
  EXPECT_TRUE(Parse(s->sent()[1].text).contains("cached_data"));
  s->Text(R"({"type":"auth","token":"hr"})");  // no finance: forbidden at once
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 3; }));
  json::object forbidden = Parse(s->sent()[2].text);
  EXPECT_EQ(forbidden["widget_id"], "executive-1");
  EXPECT_TRUE(forbidden["forbidden"].as_bool());
  s->Text(R"({"type":"auth","token":"admin"})");  // and back: the data again
  ASSERT_TRUE(s->WaitFor([&] { return s->sent_locked().size() >= 4; }));
  EXPECT_EQ(Parse(s->sent()[3].text)["cached_data"], Parse(s->sent()[1].text)["cached_data"]);
}

}  // namespace
}  // namespace readside::live
