#include "common/time_zone.h"

#include <gtest/gtest.h>

namespace readside {
namespace {

TEST(TimeZoneTest, LoadsIanaNames) {
  for (std::string_view name : {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"}) {
    absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone(name);
    ASSERT_TRUE(tz.ok()) << name << ": " << tz.status();
    EXPECT_EQ(tz->name(), name);
  }
}

TEST(TimeZoneTest, RefusesEmptyLocaltimeAndUnknownNamesNamingThem) {
  for (std::string_view name : {"", "localtime", "Mars/Olympus_Mons", "europe/berlin"}) {
    absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone(name);
    ASSERT_FALSE(tz.ok()) << name;
    EXPECT_EQ(tz.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(tz.status().message().find("\"" + std::string(name) + "\""), std::string::npos);
  }
  absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone("bad\n\"zone");
  ASSERT_FALSE(tz.ok());
  EXPECT_NE(tz.status().message().find(R"(bad\n\"zone)"), std::string::npos);  // escaped
}

}  // namespace
}  // namespace readside
