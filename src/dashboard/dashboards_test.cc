// The DashboardService over a real store and projector: a change is stored as an event and
// answered once applied; concurrent changes of one dashboard are arbitrated by the log (each
// either takes effect or is retried on the new state, never silently lost); dashboards
// survive a restart (snapshot and replay) and a rebuild; the access rules.

#include "dashboard/dashboards.h"

#include <filesystem>
#include <future>
#include <thread>
#include <unistd.h>

#include "dashboard/widget_rules.h"
#include "gtest/gtest.h"
#include "projection/projector.h"
#include "store/event_store.h"

namespace readside::dashboard {
namespace {

using own_state::Dashboard;
using own_state::Widget;

constexpr int64_t kNow = 1711929600000000;  // 2024-04-01T00:00:00Z

Caller User(std::string subject, std::vector<std::string> roles = {"analyst"}) {
  Caller c;
  c.subject = std::move(subject);
  c.roles = std::move(roles);
  c.admin = std::find(c.roles.begin(), c.roles.end(), "admin") != c.roles.end();
  c.readable = query::kAllDomains;
  return c;
}

Widget NewWidget(std::string id) {
  Widget w;
  w.id = std::move(id);
  w.type = "metric";
  w.title = "Leads";
  w.data_source = "crm";
  w.query.metric = "leads_new";
  return w;
}

class DashboardServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rs-dashboards-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    OpenStore();
    StartProjector();
  }
  void TearDown() override {
    service_.reset();
    if (projector_) projector_->Stop();
    projector_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void OpenStore() {
    auto store = store::EventStore::Open({.path = (dir_ / "events").string(), .sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void StartProjector() {
    projection::ProjectorOptions o;
    o.snapshot_dir = (dir_ / "snapshots").string();
    projector_ = std::make_unique<projection::Projector>(store_.get(), &clock_, o);
    projector_->Start();
    ASSERT_TRUE(projector_->WaitForPosition(store_->LastPosition(), std::chrono::seconds(10)));
    service_ = std::make_unique<DashboardService>(store_.get(), projector_.get(), &clock_);
  }
  void Restart() {
    service_.reset();
    projector_->Stop();
    projector_.reset();
    store_.reset();
    OpenStore();
    StartProjector();
  }

  DashboardService::Reply Change(const Caller& caller, std::string id,
                                 DashboardService::ChangeFn fn) {
    std::promise<DashboardService::Reply> reply;
    service_->Change("alpha", caller, std::move(id), std::move(fn),
                     [&](DashboardService::Reply r) { reply.set_value(std::move(r)); });
    return reply.get_future().get();
  }
  static DashboardService::ChangeFn Add(std::string widget_id) {
    return [widget_id](Dashboard d, const projection::TenantView&)
               -> std::variant<Dashboard, Problem> {
      Widget w = NewWidget(widget_id);
      w.grid = AutoPlace(d.widgets, 3, 2);
      d.widgets.push_back(w);
      return d;
    };
  }
  std::shared_ptr<const projection::DashboardBook> Book() {
    return projector_->Read("alpha").view->dashboards;
  }
  static std::string Status(const DashboardService::Reply& r) {
    if (const Problem* p = std::get_if<Problem>(&r)) return std::to_string(p->status) + " " + p->detail;
    return "ok";
  }

  std::filesystem::path dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<projection::Projector> projector_;
  std::unique_ptr<DashboardService> service_;
};

TEST_F(DashboardServiceTest, TheFirstChangeCopiesTheDefaultIntoTheCallersOwnDashboard) {
  Caller ann = User("ann");
  Dashboard before = CallersDashboard(*Book(), "alpha", ann);
  EXPECT_EQ(before.id, "default");
  EXPECT_EQ(before.version, 0);
  size_t template_widgets = before.widgets.size();
  ASSERT_GT(template_widgets, 0u);

  DashboardService::Reply r = Change(ann, "", Add("w-1"));
  ASSERT_EQ(Status(r), "ok");
  const auto& done = std::get<DashboardService::Done>(r);
  EXPECT_EQ(done.dashboard->id, OwnDashboardId("ann"));
  EXPECT_EQ(done.dashboard->id, "u-616e6e");
  EXPECT_EQ(done.dashboard->owner, "ann");
  EXPECT_EQ(done.dashboard->version, 1);
  EXPECT_EQ(done.dashboard->widgets.size(), template_widgets + 1);
  EXPECT_EQ(done.dashboard->widgets.front().id, before.widgets.front().id);  // same ids
  EXPECT_GE(done.position, 1u);
  // Ann sees hers; Bob still sees the default.
  EXPECT_EQ(CallersDashboard(*Book(), "alpha", ann).id, "u-616e6e");
  EXPECT_EQ(CallersDashboard(*Book(), "alpha", User("bob")).id, "default");
  // One event, of readside's own kind.
  int stored = 0;
  ASSERT_TRUE(store_->ReadRange(0, store_->LastPosition(), [&](const store::StoredEvent& e) {
    EXPECT_EQ(e.event_type, "readside.dashboard.saved");
    ++stored;
    return true;
  }).ok());
  EXPECT_EQ(stored, 1);
}

TEST_F(DashboardServiceTest, AccessRules) {
  Caller ann = User("ann"), bob = User("bob"), admin = User("root", {"admin"});
  ASSERT_EQ(Status(Change(ann, "", Add("w-1"))), "ok");
  std::string own = OwnDashboardId("ann");
  // Only the owner or an admin changes it; the default only an admin.
  EXPECT_EQ(Status(Change(bob, own, Add("w-2"))).substr(0, 3), "403");
  EXPECT_EQ(Status(Change(ann, "default", Add("w-2"))).substr(0, 3), "403");
  EXPECT_EQ(Status(Change(admin, own, Add("w-2"))), "ok");
  EXPECT_EQ(Status(Change(admin, "default", Add("w-3"))), "ok");
  EXPECT_EQ(Status(Change(ann, "no-such", Add("w-4"))).substr(0, 3), "404");
  EXPECT_EQ(Status(Change(User(""), "", Add("w-4"))).substr(0, 3), "403");  // no subject
  // Sharing: read-only for users and roles it is shared with.
  Dashboard d = *Book()->Find(own);
  EXPECT_FALSE(MayRead(d, bob));
  d.shared_users = {"bob"};
  EXPECT_TRUE(MayRead(d, bob));
  EXPECT_FALSE(MayChange(d, bob));
  d.shared_users.clear();
  d.shared_roles = {"finance"};
  EXPECT_FALSE(MayRead(d, bob));
  EXPECT_TRUE(MayRead(d, User("carl", {"finance", "hr"})));
  EXPECT_TRUE(MayRead(d, admin));
  EXPECT_TRUE(MayChange(d, admin));
}

TEST_F(DashboardServiceTest, ConcurrentChangesAllTakeEffectInLogOrder) {
  Caller ann = User("ann");
  constexpr int kWriters = 8;
  std::vector<std::promise<DashboardService::Reply>> replies(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      service_->Change("alpha", ann, "", Add("c-" + std::to_string(i)),
                       [&, i](DashboardService::Reply r) { replies[i].set_value(std::move(r)); });
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0, conflicts = 0;
  for (auto& r : replies) {
    std::string s = Status(r.get_future().get());
    ok += s == "ok";
    conflicts += s.starts_with("409");
  }
  EXPECT_EQ(ok + conflicts, kWriters);
  const Dashboard* d = Book()->Find(OwnDashboardId("ann"));
  ASSERT_NE(d, nullptr);
  int present = 0;
  for (int i = 0; i < kWriters; ++i) present += d->FindWidget("c-" + std::to_string(i)) != nullptr;
  // Every writer told "ok" is on the dashboard, every one told 409 is not: nothing is lost
  // silently.
  EXPECT_EQ(present, ok);
  EXPECT_GE(ok, 1);
  int applied = 0;  // the log applied exactly the changes told "ok" (retries included)
  uint64_t last_applied = 0;
  for (const auto& [position, took_effect] : Book()->outcomes) {
    applied += took_effect;
    if (took_effect) last_applied = position;
  }
  EXPECT_EQ(applied, ok);
  EXPECT_EQ(static_cast<int>(d->widgets.size()) - 10, ok);  // the template's 10, no duplicates
  EXPECT_EQ(d->version, static_cast<int64_t>(last_applied));
  EXPECT_FALSE(CheckLayout(d->widgets).has_value());
}

TEST_F(DashboardServiceTest, AStaleChangeLosesToTheOneAppliedFirst) {
  Caller ann = User("ann");
  ASSERT_EQ(Status(Change(ann, "", Add("w-1"))), "ok");
  // Two writers both read version v1 and require it (an If-Match): the log applies one; the
  // other is retried on the next version and refused by its own check.
  int64_t v1 = Book()->Find(OwnDashboardId("ann"))->version;
  ASSERT_GT(v1, 0);
  auto require_v1 = [v1](std::string title) {
    return [title, v1](Dashboard d, const projection::TenantView&) -> std::variant<Dashboard, Problem> {
      if (d.version != v1) return Problem{.status = 412, .title = "Precondition failed"};
      d.name = title;
      return d;
    };
  };
  std::promise<DashboardService::Reply> a, b;
  service_->Change("alpha", ann, "", require_v1("A"), [&](auto r) { a.set_value(std::move(r)); });
  service_->Change("alpha", ann, "", require_v1("B"), [&](auto r) { b.set_value(std::move(r)); });
  std::string sa = Status(a.get_future().get()), sb = Status(b.get_future().get());
  EXPECT_TRUE((sa == "ok") != (sb == "ok")) << sa << " / " << sb;
  EXPECT_TRUE(sa.starts_with("412") || sb.starts_with("412")) << sa << " / " << sb;
  const Dashboard* d = Book()->Find(OwnDashboardId("ann"));
  EXPECT_GT(d->version, v1);
  EXPECT_EQ(d->name, sa == "ok" ? "A" : "B");
}

TEST_F(DashboardServiceTest, DashboardsSurviveRestartAndRebuild) {
  Caller ann = User("ann"), admin = User("root", {"admin"});
  ASSERT_EQ(Status(Change(ann, "", Add("w-1"))), "ok");
  ASSERT_EQ(Status(Change(ann, "", Add("w-2"))), "ok");
  std::promise<DashboardService::Reply> created;
  service_->Create("alpha", ann, "d-team",
                   [](Dashboard d, const projection::TenantView&) -> std::variant<Dashboard, Problem> {
                     d.name = "Team";
                     d.shared_roles = {"sales"};
                     d.widgets = FindTemplate("sales")->widgets;
                     return d;
                   },
                   [&](auto r) { created.set_value(std::move(r)); });
  ASSERT_EQ(Status(created.get_future().get()), "ok");
  ASSERT_EQ(Status(Change(admin, "default", Add("w-3"))), "ok");
  std::promise<DashboardService::Reply> deleted;
  service_->Delete("alpha", admin, "default", -1, [&](auto r) { deleted.set_value(std::move(r)); });
  ASSERT_EQ(Status(deleted.get_future().get()), "ok");

  auto json_of = [](const projection::DashboardBook& b) {
    std::string all;
    for (const auto& [id, d] : b.dashboards) {
      JsonBuilder j;
      own_state::WriteDashboard(*d, j);
      all += j.str() + "\n";
    }
    return all;
  };
  std::string before = json_of(*Book());
  ASSERT_NE(before.find("\"Team\""), std::string::npos);
  EXPECT_EQ(Book()->Find("default"), nullptr);  // deleted: back to the template
  EXPECT_EQ(Book()->dashboards.size(), 2u);

  Restart();  // from the snapshot written at Stop()
  EXPECT_EQ(json_of(*Book()), before);
  std::filesystem::remove_all(dir_ / "snapshots");
  Restart();  // replaying the store
  EXPECT_EQ(json_of(*Book()), before);
  ASSERT_TRUE(projector_->StartRebuild("").ok());
  for (int i = 0; i < 500 && projector_->GetRebuildStatus().state != "done"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(projector_->GetRebuildStatus().state, "done");
  EXPECT_EQ(json_of(*Book()), before);
  // And a change after all that still arbitrates on the restored versions.
  ASSERT_EQ(Status(Change(ann, "", Add("w-4"))), "ok");
  EXPECT_EQ(Book()->Find(OwnDashboardId("ann"))->version,
            static_cast<int64_t>(store_->LastPosition()));
}

// Right after a start the read models may not hold the dashboards yet: a change of an existing
// widget then waits for them, instead of finding no widget (404) in the empty models.
TEST_F(DashboardServiceTest, AChangeRightAfterAStartWaitsForTheStoredDashboards) {
  Caller ann = User("ann");
  ASSERT_EQ(Status(Change(ann, "", Add("w-1"))), "ok");
  service_.reset();
  projector_->Stop();
  projector_.reset();
  std::filesystem::remove_all(dir_ / "snapshots");  // the start must replay the store
  projection::ProjectorOptions o;
  o.snapshot_dir = (dir_ / "snapshots").string();
  projector_ = std::make_unique<projection::Projector>(store_.get(), &clock_, o);
  service_ = std::make_unique<DashboardService>(store_.get(), projector_.get(), &clock_);

  std::promise<DashboardService::Reply> reply;
  auto answered = reply.get_future();
  service_->Change("alpha", ann, "",
                   [](Dashboard d, const projection::TenantView&) -> std::variant<Dashboard, Problem> {
                     for (Widget& w : d.widgets) {
                       if (w.id == "w-1") {
                         w.title = "Renamed";
                         return d;
                       }
                     }
                     return Problem{.status = 404, .title = "Not found", .detail = "no widget w-1"};
                   },
                   [&](DashboardService::Reply r) { reply.set_value(std::move(r)); });
  // The projector has not started: nothing can be answered from its empty models.
  EXPECT_EQ(answered.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  projector_->Start();
  ASSERT_EQ(Status(answered.get()), "ok");
  const Dashboard* own = Book()->Find(OwnDashboardId("ann"));
  ASSERT_NE(own, nullptr);
  ASSERT_NE(own->FindWidget("w-1"), nullptr);
  EXPECT_EQ(own->FindWidget("w-1")->title, "Renamed");
}

TEST_F(DashboardServiceTest, VersionsNeverRepeatAcrossADeleteAndAStaleOneNeverMatches) {
  Caller bob = User("bob");
  auto rename = [](std::string name, int64_t if_match) {
    return [name, if_match](Dashboard d, const projection::TenantView&)
               -> std::variant<Dashboard, Problem> {
      if (if_match >= 0 && d.version != if_match) {
        return Problem{.status = 412, .title = "Precondition failed"};
      }
      d.name = name;
      return d;
    };
  };
  ASSERT_EQ(Status(Change(bob, "", rename("first", -1))), "ok");
  int64_t first = Book()->Find(OwnDashboardId("bob"))->version;
  std::string first_widget_version =
      std::to_string(Book()->Find(OwnDashboardId("bob"))->widgets.front().version);
  std::promise<DashboardService::Reply> gone;
  service_->Delete("alpha", bob, OwnDashboardId("bob"), first, [&](auto r) { gone.set_value(std::move(r)); });
  ASSERT_EQ(Status(gone.get_future().get()), "ok");
  ASSERT_EQ(Book()->Find(OwnDashboardId("bob")), nullptr);
  ASSERT_EQ(Status(Change(bob, "", rename("second", -1))), "ok");
  const Dashboard* again = Book()->Find(OwnDashboardId("bob"));
  EXPECT_GT(again->version, first);
  // A writer still holding the first version's ETag is refused, never applied.
  EXPECT_EQ(Status(Change(bob, "", rename("stale", first))).substr(0, 3), "412");
  EXPECT_EQ(Book()->Find(OwnDashboardId("bob"))->name, "second");
  // Widget versions: the positions of their latest change, within this tenant never reused.
  Dashboard d = *Book()->Find(OwnDashboardId("bob"));
  for (const Widget& w : d.widgets) EXPECT_GT(w.version, 0) << w.id;
  // The copies of the default keep their (virtual template) lineage: first stored with the
  // first copy, then again with the second, at different positions.
  EXPECT_NE(std::to_string(d.widgets.front().version), first_widget_version);
}

}  // namespace
}  // namespace readside::dashboard
