#include "sink/redis_url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace readside::sink {
namespace {

using ::testing::HasSubstr;

TEST(RedisUrlTest, HostPortAndDatabase) {
  auto e = ParseRedisUrl("redis://127.0.0.1:6380/2");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->db, 2);
  EXPECT_EQ(e->ToString(), "redis://127.0.0.1:6380/2");
}

TEST(RedisUrlTest, DefaultsArePort6379AndDatabase0) {
  auto e = ParseRedisUrl("redis://cache.internal");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "cache.internal");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->db, 0);
  e = ParseRedisUrl("redis://cache:7000/");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->port, 7000);
  EXPECT_EQ(e->db, 0);
}

TEST(RedisUrlTest, BracketedIpv6) {
  auto e = ParseRedisUrl("redis://[::1]:6379");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->ToString(), "redis://[::1]:6379/0");
}

TEST(RedisUrlTest, BadValuesNameTheFlagAndTheProblem) {
  struct Case {
    const char* url;
    const char* says;
  } cases[] = {
      {"", "scheme must be redis://"},
      {"localhost:6379", "scheme must be redis://"},
      {"http://localhost:6379", "scheme must be redis://"},
      {"rediss://localhost:6379", "TLS"},
      {"redis://", "host is missing"},
      {"redis://:6379", "host is missing"},
      {"redis://localhost:", "port is empty"},
      {"redis://localhost:0", "port must be 1..65535"},
      {"redis://localhost:65536", "port must be 1..65535"},
      {"redis://localhost:63x9", "port must be 1..65535"},
      {"redis://localhost:6379/x", "database must be a number"},
      {"redis://localhost:6379/0/1", "database must be a number"},
      {"redis://user:pw@localhost:6379", "credentials are not supported"},
      {"redis://localhost:6379?db=1", "query strings"},
      {"redis://[::1", "unclosed '['"},
  };
  for (const Case& c : cases) {
    auto e = ParseRedisUrl(c.url);
    ASSERT_FALSE(e.ok()) << c.url;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_THAT(e.status().message(), HasSubstr("--redis-url")) << c.url;
    EXPECT_THAT(e.status().message(), HasSubstr(c.says)) << c.url;
    EXPECT_THAT(e.status().message(), HasSubstr(std::string("'") + c.url + "'")) << c.url;
  }
}

}  // namespace
}  // namespace readside::sink
