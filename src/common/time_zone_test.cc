#include "common/time_zone.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>

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

// absl opens any name as a path under the zone directory, or as given when absolute: a
// request naming "/usr/share/zoneinfo/UTC" or "../../…" read files outside the tz database,
// and one naming a FIFO or a pipe ("/proc/self/fd/1" of a server whose stdout is a pipe)
// blocked its thread forever (found by the hostile-client test, issue 17).
TEST(TimeZoneTest, RefusesPathsWithoutOpeningThem) {
  for (std::string_view name : std::initializer_list<std::string_view>{
           "/usr/share/zoneinfo/UTC", "../../../../../../usr/share/zoneinfo/UTC",
           "Europe/../Europe/Berlin", "file:/usr/share/zoneinfo/UTC", "./UTC", "Europe//Berlin",
           "Europe/Berlin/", "/dev/stdin", std::string_view("UTC\0x", 5)}) {
    absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone(name);
    EXPECT_FALSE(tz.ok()) << name;
    EXPECT_EQ(tz.status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
  for (std::string_view name : {"Etc/GMT+5", "America/Port-au-Prince", "EST5EDT", "GMT-0"}) {
    EXPECT_TRUE(LoadIanaTimeZone(name).ok()) << name;
  }
  // A FIFO nobody writes to: refused at once instead of blocking on open (a writer is opened
  // afterwards in any case, so a regression fails by the timeout instead of hanging).
  std::string fifo = ::testing::TempDir() + "/tz_fifo_" + std::to_string(::getpid());
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto loaded = std::async(std::launch::async, [&] { return LoadIanaTimeZone(fifo).ok(); });
  bool answered = loaded.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  if (!answered) {
    int fd = ::open(fifo.c_str(), O_WRONLY);  // unblocks the reader
    ::close(fd);
  }
  EXPECT_TRUE(answered) << "LoadIanaTimeZone blocked on a FIFO";
  EXPECT_FALSE(loaded.get());
  ::unlink(fifo.c_str());
}

}  // namespace
}  // namespace readside
