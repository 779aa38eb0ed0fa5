// The response cache answers only while an entry is exact, and stays bounded.

#include "gtest/gtest.h"
#include "http/response_cache.h"

namespace readside::http {
namespace {

ResponseCache::Entry Body(uint64_t position, std::string text, int64_t valid_until = 1000) {
  return {position, 7, valid_until, std::make_shared<const std::string>(std::move(text))};
}

TEST(ResponseCacheTest, HitsOnlyForTheSamePositionCountsVersionAndBeforeValidUntil) {
  ResponseCache cache;
  cache.Put("k", Body(5, "answer"));
  ASSERT_NE(cache.Find("k", 5, 7, 999), nullptr);
  EXPECT_EQ(*cache.Find("k", 5, 7, 0), "answer");
  EXPECT_EQ(cache.Find("k", 6, 7, 0), nullptr);     // new events applied
  EXPECT_EQ(cache.Find("k", 5, 8, 0), nullptr);     // duplicates/rejections counted
  EXPECT_EQ(cache.Find("k", 5, 7, 1000), nullptr);  // "as of now" moved on
  EXPECT_EQ(cache.Find("other", 5, 7, 0), nullptr);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 4u);
}

TEST(ResponseCacheTest, GetOrBuildKeepsOnlyWhatTheCallerMarksCacheable) {
  ResponseCache cache;
  int builds = 0, validity_asks = 0;
  auto build = [&] { return "answer " + std::to_string(++builds); };
  auto valid_until = [&] { return ++validity_asks, int64_t{1000}; };
  ResponseCache::Lookup fixed{.key = "k", .position = 5, .counts_version = 7, .now_micros = 0};
  EXPECT_EQ(cache.GetOrBuild(fixed, build, valid_until), "answer 1");
  EXPECT_EQ(cache.GetOrBuild(fixed, build, valid_until), "answer 1");  // kept
  EXPECT_EQ(validity_asks, 1);

  // The same key marked not cacheable (say, an explicit as_of): built every time, neither
  // served from nor stored in the cache, and not counted as a hit or a miss.
  ResponseCache::Lookup chosen = fixed;
  chosen.key = "other";
  chosen.cacheable = false;
  EXPECT_EQ(cache.GetOrBuild(chosen, build, valid_until), "answer 2");
  EXPECT_EQ(cache.GetOrBuild(chosen, build, valid_until), "answer 3");
  EXPECT_EQ(validity_asks, 1);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.Find("other", 5, 7, 0), nullptr);
  chosen.key = "k";  // a cached key is not served either
  EXPECT_EQ(cache.GetOrBuild(chosen, build, valid_until), "answer 4");
}

TEST(ResponseCacheTest, ReplacingAnEntryKeepsTheLatest) {
  ResponseCache cache;
  cache.Put("k", Body(5, "old"));
  cache.Put("k", Body(6, "new"));
  EXPECT_EQ(cache.Find("k", 5, 7, 0), nullptr);
  EXPECT_EQ(*cache.Find("k", 6, 7, 0), "new");
}

TEST(ResponseCacheTest, StaysBoundedWhateverTheKeys) {
  ResponseCache cache;
  std::string big(64 * 1024, 'x');
  for (int i = 0; i < 20'000; ++i) cache.Put("key-" + std::to_string(i), Body(1, big));
  size_t kept = 0;
  for (int i = 0; i < 20'000; ++i) kept += cache.Find("key-" + std::to_string(i), 1, 7, 0) != nullptr;
  // 16 shards × 4 MiB of 64 KiB bodies: at most 16 × 64 entries survive.
  EXPECT_GT(kept, 0u);
  EXPECT_LE(kept, 16u * 64u);
}

}  // namespace
}  // namespace readside::http
