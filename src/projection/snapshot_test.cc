// Snapshots: a tenant saved and loaded again is the same read model, and keeps being the
// same as one that never stopped when the stream goes on; damaged files are refused.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <tuple>

#include "common/fault_env.h"
#include "event/parser.h"
#include "gtest/gtest.h"
#include "projection/snapshot_file.h"
#include "projection/tenant_projection.h"
#include "sim/generator.h"

namespace readside::projection {
namespace {

using DayValues = std::map<DayNumber, int64_t>;

DayValues Days(const DaySeries& s) {
  DayValues out;
  s.ForEachDay(std::numeric_limits<DayNumber>::min(), std::numeric_limits<DayNumber>::max(),
               [&](DayNumber d, int64_t v) { out[d] = v; });
  return out;
}

// Everything a reader can observe of a view, except wall-clock last_updated.
void ExpectSameView(const TenantView& a, const TenantView& b) {
  for (size_t i = 0; i < kSeriesCount; ++i) {
    EXPECT_EQ(Days(*a.series[i]), Days(*b.series[i])) << "series " << i;
    // The exact instants of invoices_overdue: probe every hour of its days.
    if (static_cast<S>(i) != S::kInvoicesOverdue) continue;
    for (const auto& [day, _] : Days(*a.series[i])) {
      for (int64_t h = 0; h < 24; ++h) {
        int64_t t = (static_cast<int64_t>(day) * 24 + h) * 3'600'000'000;
        EXPECT_EQ(a.series[i]->PrefixBeforeInstant(day, t), b.series[i]->PrefixBeforeInstant(day, t));
      }
    }
  }
  for (size_t k = 0; k < kKeyedCount; ++k) {
    ASSERT_EQ(a.keyed[k]->size(), b.keyed[k]->size()) << "family " << k;
    for (const auto& [key, series] : *a.keyed[k]) {
      ASSERT_TRUE(b.keyed[k]->contains(key)) << key;
      EXPECT_EQ(Days(*series), Days(*b.keyed[k]->at(key))) << key;
    }
  }
  for (size_t f = 0; f < kFactCount; ++f) {
    std::vector<std::tuple<std::string, DayNumber, int64_t>> fa, fb;
    a.facts[f].ForEachKeyDay(
        [&](std::string_view k, DayNumber d, int64_t v) { fa.emplace_back(k, d, v); });
    b.facts[f].ForEachKeyDay(
        [&](std::string_view k, DayNumber d, int64_t v) { fb.emplace_back(k, d, v); });
    EXPECT_EQ(fa, fb) << "fact table " << f;
  }
  EXPECT_EQ(a.quality.events_total, b.quality.events_total);
  EXPECT_EQ(a.quality.orphans, b.quality.orphans);
  EXPECT_EQ(a.quality.unknown_type, b.quality.unknown_type);
  EXPECT_EQ(a.quality.currency_mismatch, b.quality.currency_mismatch);
  EXPECT_EQ(a.quality.unclassified_ledger_lines, b.quality.unclassified_ledger_lines);
  EXPECT_EQ(a.settings.timezone, b.settings.timezone);
  EXPECT_EQ(a.live.counts, b.live.counts);
  ASSERT_EQ(a.employees->size(), b.employees->size());
  for (const auto& [id, e] : *a.employees) {
    const EmployeeInfo& f = b.employees->at(id);
    EXPECT_EQ(std::tie(e.name, e.department, e.role, e.active),
              std::tie(f.name, f.department, f.role, f.active))
        << id;
  }
  ASSERT_EQ(a.products->size(), b.products->size());
  for (const auto& [id, p] : *a.products) {
    const ProductInfo& q = b.products->at(id);
    EXPECT_EQ(std::tie(p.sku, p.name, p.category, p.unit_cost, p.unit_price, p.reorder_point),
              std::tie(q.sku, q.name, q.category, q.unit_cost, q.unit_price, q.reorder_point))
        << id;
  }
  ASSERT_EQ(a.projects->size(), b.projects->size());
  for (const auto& [id, p] : *a.projects) {
    EXPECT_EQ(std::tie(p.name, p.status),
              std::tie(b.projects->at(id).name, b.projects->at(id).status))
        << id;
  }
}

std::vector<event::Event> Stream(size_t count,
                                 std::vector<std::string> tenants = {"acme-corp"}) {
  sim::Generator gen({.seed = 11, .tenants = std::move(tenants), .total_events = count,
                      .events_per_second = 0.2, .out_of_order_fraction = 0.05});
  event::EventParser parser;
  std::vector<event::Event> events;
  std::string line;
  int64_t ts;
  std::vector<event::FieldError> errors;
  while (gen.Next(&line, &ts)) {
    event::Event e;
    if (parser.ParseOne(line, &e, &errors)) events.push_back(std::move(e));
  }
  return events;
}

TenantProjection Fresh(const std::string& org = "acme-corp") {
  TenantSettings settings{.organization_id = org, .timezone = "Europe/Berlin"};
  return TenantProjection(settings, *LocalCalendar::Create("Europe/Berlin"));
}

TEST(SnapshotTest, SavedAndLoadedTenantIsTheSameAndStaysTheSame) {
  std::vector<event::Event> events = Stream(30'000);
  ASSERT_GT(events.size(), 25'000u);
  TenantProjection original = Fresh();
  size_t half = events.size() / 2;
  for (size_t i = 0; i < half; ++i) original.Apply(events[i], i + 1, 0);

  SnapshotWriter w;
  original.Save(w);
  SnapshotReader r(w.buffer());
  std::unique_ptr<TenantProjection> loaded = TenantProjection::Load(r);
  ASSERT_NE(loaded, nullptr);
  EXPECT_TRUE(r.done());
  std::shared_ptr<const TenantView> saved = original.Publish(half);
  EXPECT_FALSE(saved->employees->empty());
  EXPECT_FALSE(saved->products->empty());
  EXPECT_FALSE(saved->projects->empty());
  size_t filled = 0;  // terminations and over-budget projects are rare in 15,000 events
  for (size_t f = 0; f < kFactCount; ++f) filled += !saved->facts[f].empty();
  EXPECT_GE(filled, kFactCount - 3);
  ExpectSameView(*saved, *loaded->Publish(half));

  for (size_t i = half; i < events.size(); ++i) {
    original.Apply(events[i], i + 1, 0);
    loaded->Apply(events[i], i + 1, 0);
  }
  ExpectSameView(*original.Publish(events.size()), *loaded->Publish(events.size()));
}

TEST(SnapshotTest, EveryTruncationIsRefused) {
  std::vector<event::Event> events = Stream(3'000);
  TenantProjection tenant = Fresh();
  for (size_t i = 0; i < events.size(); ++i) tenant.Apply(events[i], i + 1, 0);
  SnapshotWriter w;
  tenant.Save(w);
  const std::string& bytes = w.buffer();
  for (size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 997) {
    SnapshotReader r(std::string_view(bytes).substr(0, cut));
    std::unique_ptr<TenantProjection> loaded = TenantProjection::Load(r);
    EXPECT_TRUE(loaded == nullptr || !r.done() || !r.ok()) << "cut at " << cut;
  }
}

TEST(SnapshotTest, FileRoundTripAndDamageDetection) {
  std::string dir = ::testing::TempDir() + "/snapshot_test_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(absl::IsNotFound(ReadModelSnapshot(dir).status()));

  // Three tenants: the file holds each after its length and a restart decodes them in
  // parallel; each must come back as itself.
  const std::vector<std::string> orgs = {"acme-corp", "beta-inc", "gamma-llc"};
  std::vector<event::Event> events = Stream(6'000, orgs);
  TenantMap tenants;
  for (const std::string& org : orgs) tenants[org] = std::make_unique<TenantProjection>(Fresh(org));
  for (size_t i = 0; i < events.size(); ++i) {
    tenants.at(events[i].organization_id)->Apply(events[i], i + 1, 0);
  }
  absl::StatusOr<size_t> written = WriteModelSnapshot(dir, events.size(), tenants);
  ASSERT_TRUE(written.ok()) << written.status();
  absl::StatusOr<LoadedModel> loaded = ReadModelSnapshot(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->position, events.size());
  ASSERT_EQ(loaded->tenants.size(), orgs.size());
  for (const std::string& org : orgs) {
    ASSERT_TRUE(loaded->tenants.contains(org)) << org;
    EXPECT_EQ(loaded->tenants[org]->settings().organization_id, org);
    EXPECT_FALSE(tenants[org]->Publish(1)->employees->empty()) << org;
    ExpectSameView(*tenants[org]->Publish(1), *loaded->tenants[org]->Publish(1));
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.snap.tmp"));

  std::string good;
  {
    std::ifstream f(dir + "/model.snap", std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(f), {});
  }
  ASSERT_EQ(good.size(), *written);
  // One changed byte anywhere (header, a tenant's length, its body, the checksum), or the file
  // cut short: refused as damaged, never loaded.
  for (size_t at : {size_t{20}, size_t{40}, good.size() / 3, good.size() / 2, good.size() - 30,
                    good.size() - 3}) {
    for (char delta : {'\x01', '\x80'}) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ delta);
      std::ofstream(dir + "/model.snap", std::ios::binary | std::ios::trunc) << bad;
      absl::StatusOr<LoadedModel> damaged = ReadModelSnapshot(dir);
      EXPECT_TRUE(absl::IsDataLoss(damaged.status())) << "byte " << at << ": " << damaged.status();
    }
  }
  for (size_t cut : {size_t{10}, good.size() / 2, good.size() - 1}) {
    std::ofstream(dir + "/model.snap", std::ios::binary | std::ios::trunc) << good.substr(0, cut);
    EXPECT_TRUE(absl::IsDataLoss(ReadModelSnapshot(dir).status())) << "cut at " << cut;
  }
  std::filesystem::remove_all(dir);
}

TEST(SnapshotTest, FailedWriteKeepsThePreviousSnapshotWhole) {
  std::string dir = ::testing::TempDir() + "/snapshot_fault_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::vector<event::Event> events = Stream(500);
  TenantMap tenants;
  tenants["acme-corp"] = std::make_unique<TenantProjection>(Fresh());
  for (size_t i = 0; i < 200; ++i) tenants["acme-corp"]->Apply(events[i], i + 1, 0);
  FaultInjectionEnv env;
  ASSERT_TRUE(WriteModelSnapshot(dir, 200, tenants, &env).ok());
  for (size_t i = 200; i < events.size(); ++i) tenants["acme-corp"]->Apply(events[i], i + 1, 0);
  // A torn write, a failed fsync and a full disk: each fails the write and leaves the
  // snapshot of position 200 as it was, with no temporary file behind.
  for (int fault = 0; fault < 3; ++fault) {
    env.SetTearWrites(fault == 0);
    env.SetSyncFails(fault == 1);
    env.SetFreeBytes(fault == 2 ? std::optional<uint64_t>(1000) : std::nullopt);
    absl::StatusOr<size_t> failed = WriteModelSnapshot(dir, events.size(), tenants, &env);
    EXPECT_FALSE(failed.ok()) << "fault " << fault;
    if (fault == 2) {
      EXPECT_TRUE(absl::IsResourceExhausted(failed.status())) << failed.status();
    }
    absl::StatusOr<LoadedModel> loaded = ReadModelSnapshot(dir, &env);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(loaded->position, 200u);
    EXPECT_FALSE(std::filesystem::exists(dir + "/model.snap.tmp"));
  }
  EXPECT_EQ(env.injected_failures(), 3u);
  env.SetFreeBytes(std::nullopt);
  env.SetTearWrites(false);
  env.SetSyncFails(false);
  ASSERT_TRUE(WriteModelSnapshot(dir, events.size(), tenants, &env).ok());
  EXPECT_EQ(ReadModelSnapshot(dir, &env)->position, events.size());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace readside::projection
