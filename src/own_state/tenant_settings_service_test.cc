#include "own_state/tenant_settings_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <map>

#include "common/fault_env.h"
#include "own_state/tenant_settings_codec.h"
#include "store/event_store.h"

namespace readside::own_state {
namespace {

class TenantSettingsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rs-own-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = store::EventStore::Open({.path = dir_.string()});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    // Stands in for the projector's published views.
    service_ = std::make_unique<TenantSettingsService>(
        store_.get(),
        [this](const std::string& org) {
          auto it = applied_.find(org);
          if (it != applied_.end()) return TenantSettingsAt{it->second, 41};
          return TenantSettingsAt{TenantSettings{.organization_id = org}, 41};
        },
        &clock_);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  TenantSettingsService::PutReply Put(const std::string& org, std::string_view patch) {
    std::promise<TenantSettingsService::PutReply> reply;
    service_->Put(org, patch,
                  [&](TenantSettingsService::PutReply r) { reply.set_value(std::move(r)); });
    return reply.get_future().get();
  }
  std::vector<store::StoredEvent> Stored() {
    std::vector<store::StoredEvent> out;
    absl::Status s = store_->ReadRange(0, store_->LastPosition(), [&](const store::StoredEvent& e) {
      out.push_back(e);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::EventStore> store_;
  ManualClock clock_{1705312800'000000};  // 2024-01-15T10:00:00Z
  std::map<std::string, TenantSettings> applied_;
  std::unique_ptr<TenantSettingsService> service_;
};

TEST_F(TenantSettingsServiceTest, GetAnswersTheSettingsInForce) {
  applied_["acme"] = {.organization_id = "acme", .name = "Acme", .timezone = "Asia/Tokyo"};
  TenantSettingsAt got = service_->Get("acme");
  EXPECT_EQ(got.settings, applied_["acme"]);
  EXPECT_EQ(got.position, 41u);
  EXPECT_EQ(service_->Get("beta").settings, TenantSettings{.organization_id = "beta"});
}

TEST_F(TenantSettingsServiceTest, PutMergesIntoTheSettingsInForceAndStoresThemWhole) {
  applied_["acme"] = {.organization_id = "acme", .name = "Acme", .currency = "EUR"};
  TenantSettingsService::PutReply reply = Put("acme", R"({"timezone":"Europe/Berlin"})");
  ASSERT_TRUE(std::holds_alternative<TenantSettingsAt>(reply));
  const TenantSettingsAt& put = std::get<TenantSettingsAt>(reply);
  TenantSettings want{
      .organization_id = "acme", .name = "Acme", .timezone = "Europe/Berlin", .currency = "EUR"};
  EXPECT_EQ(put.settings, want);
  EXPECT_EQ(put.position, 1u);

  std::vector<store::StoredEvent> stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  const store::StoredEvent& e = stored[0];
  EXPECT_EQ(e.position, 1u);
  EXPECT_EQ(e.organization_id, "acme");
  EXPECT_EQ(e.entity_id, "acme");
  EXPECT_EQ(e.event_type, kTenantConfiguredType);
  EXPECT_EQ(e.timestamp_micros, clock_.NowMicros());
  EXPECT_EQ(e.event_id.size(), 36u);  // a server-made UUID
  EXPECT_EQ(e.json, EncodeTenantConfigured(want, e.event_id, clock_.NowMicros()));
  absl::StatusOr<TenantSettings> decoded = DecodeTenantConfigured(e.json);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, want);
}

TEST_F(TenantSettingsServiceTest, PutOfAnUnconfiguredTenantStartsFromTheDefaults) {
  TenantSettingsService::PutReply reply = Put("beta", R"({"name":"Beta","currency":"JPY"})");
  ASSERT_TRUE(std::holds_alternative<TenantSettingsAt>(reply));
  EXPECT_EQ(std::get<TenantSettingsAt>(reply).settings,
            (TenantSettings{.organization_id = "beta", .name = "Beta", .currency = "JPY"}));
}

TEST_F(TenantSettingsServiceTest, AFullDiskIs503InsufficientStorageAndStoresNothing) {
  service_.reset();
  store_.reset();
  FaultInjectionEnv env;
  auto store = store::EventStore::Open({.path = dir_.string(), .env = &env,
                                        .min_free_bytes = 1 << 20, .reserve_bytes = 0});
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = std::move(*store);
  service_ = std::make_unique<TenantSettingsService>(
      store_.get(),
      [](const std::string& org) {
        return TenantSettingsAt{TenantSettings{.organization_id = org}, 0};
      },
      &clock_);
  env.SetFreeBytes(1000);
  TenantSettingsService::PutReply reply = Put("acme", R"({"timezone":"Europe/Berlin"})");
  ASSERT_TRUE(std::holds_alternative<Problem>(reply));
  const Problem& p = std::get<Problem>(reply);
  EXPECT_EQ(p.status, 503);
  EXPECT_EQ(p.title, "Insufficient storage");
  EXPECT_EQ(p.retry_after_seconds, 10);
  EXPECT_EQ(store_->LastPosition(), 0u);
  env.SetFreeBytes(std::nullopt);
  EXPECT_TRUE(std::holds_alternative<TenantSettingsAt>(Put("acme", R"({"name":"Acme"})")));
  service_.reset();
  store_.reset();  // before `env` goes
}

TEST_F(TenantSettingsServiceTest, InvalidPatchesAre400NamingTheFieldAndStoreNothing) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"timezone":"Mars/Olympus"})", "timezone"},
      {R"({"timezone":"localtime"})", "timezone"},
      {R"({"currency":"XYZ"})", "currency"},
      {R"({"currency":"eur"})", "currency"},
      {R"({"colour":"red"})", "colour"},
      {R"({"name":5})", "name"},
      {R"({"name":")" + std::string(201, 'n') + R"("})", "name"},
      {R"([1])", "body"},
      {R"({"timezone":)", "body"},
      // The first bad member in the patch's order is the one named.
      {R"({"currency":"XYZ","timezone":"Mars/Olympus"})", "currency"},
      {R"({"timezone":"UTC","name":[],"colour":"red"})", "name"},
  };
  for (const auto& [patch, field] : cases) {
    TenantSettingsService::PutReply reply = Put("acme", patch);
    ASSERT_TRUE(std::holds_alternative<Problem>(reply)) << patch;
    const Problem& p = std::get<Problem>(reply);
    EXPECT_EQ(p.status, 400) << patch;
    EXPECT_EQ(p.title, "Invalid tenant settings");
    ASSERT_EQ(p.errors.size(), 1u) << patch;
    EXPECT_EQ(p.errors[0].field, field) << patch;
    EXPECT_EQ(p.detail, field + " " + p.errors[0].message);
  }
  EXPECT_EQ(store_->LastPosition(), 0u);
}

TEST_F(TenantSettingsServiceTest, ANameOf200CharactersAndAnEmptyPatchAreValid) {
  std::string name(200, 'n');
  TenantSettingsService::PutReply reply = Put("acme", R"({"name":")" + name + R"("})");
  ASSERT_TRUE(std::holds_alternative<TenantSettingsAt>(reply));
  EXPECT_EQ(std::get<TenantSettingsAt>(reply).settings.name, name);
  reply = Put("acme", "{}");  // stores the settings in force again
  ASSERT_TRUE(std::holds_alternative<TenantSettingsAt>(reply));
  EXPECT_EQ(std::get<TenantSettingsAt>(reply).position, 2u);
}

}  // namespace
}  // namespace readside::own_state
