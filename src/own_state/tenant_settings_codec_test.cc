#include "own_state/tenant_settings_codec.h"

#include <gtest/gtest.h>

namespace readside::own_state {
namespace {

constexpr int64_t k20240115T10 = 1705312800'000000;  // 2024-01-15T10:00:00Z

TEST(TenantSettingsCodecTest, EncodesTheEventContractEnvelopeWithTheCompleteSettings) {
  TenantSettings t{
      .organization_id = "acme", .name = "Acme", .timezone = "Europe/Berlin", .currency = "EUR"};
  EXPECT_EQ(EncodeTenantConfigured(t, "e-1", k20240115T10),
            R"({"event_id":"e-1","event_type":"readside.tenant.configured",)"
            R"("organization_id":"acme","timestamp":"2024-01-15T10:00:00Z","version":"1.0",)"
            R"("source_service":"readside","data":{"entity_id":"acme","entity_type":"tenant",)"
            R"("action":"configured","payload":{"name":"Acme","timezone":"Europe/Berlin",)"
            R"("currency":"EUR"}}})");
}

TEST(TenantSettingsCodecTest, DecodeInvertsEncode) {
  for (const TenantSettings& t :
       {TenantSettings{.organization_id = "acme"}, TenantSettings{.organization_id = "beta-inc",
                                                   .name = "Beta \"Ü\" \\ Inc.\n",
                                                   .timezone = "America/New_York",
                                                   .currency = "JPY"}}) {
    absl::StatusOr<TenantSettings> back =
        DecodeTenantConfigured(EncodeTenantConfigured(t, "id", k20240115T10));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, t);
  }
}

std::string Event(std::string_view payload, std::string_view type = kTenantConfiguredType) {
  return R"({"event_type":")" + std::string(type) +
         R"(","organization_id":"acme","data":{"payload":)" + std::string(payload) + "}}";
}

TEST(TenantSettingsCodecTest, MissingSettingsKeepTheirDefaultsAndOtherMembersAreIgnored) {
  absl::StatusOr<TenantSettings> t = DecodeTenantConfigured(Event(R"({"currency":"EUR","x":1})"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, (TenantSettings{.organization_id = "acme", .currency = "EUR"}));
}

TEST(TenantSettingsCodecTest, RejectsWhatIsNotATenantSettingsEvent) {
  for (const std::string& bad : {
           std::string("{\"event_type\":"),                                     // not JSON
           std::string("[1,2]"),                                                // not an object
           Event("{}", "crm.contact.created"),                                  // another type
           std::string(R"({"organization_id":"acme","data":{"payload":{}}})"),  // no type
           std::string(R"({"event_type":"readside.tenant.configured","data":{"payload":{}}})"),
           std::string(R"({"event_type":"readside.tenant.configured","organization_id":7,)"
                       R"("data":{"payload":{}}})"),
           std::string(R"({"event_type":"readside.tenant.configured","organization_id":"a"})"),
           Event("[]"),                 // payload not an object
           Event(R"({"timezone":3})"),  // a setting not a string
           Event(R"({"name":null})"),
       }) {
    absl::StatusOr<TenantSettings> t = DecodeTenantConfigured(bad);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace readside::own_state
