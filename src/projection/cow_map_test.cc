// CowMap: the same answers as std::map under random inserts and updates, in key order, and a
// copy that shares chunks is never changed by writes through the other copy.
#include "projection/cow_map.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace readside::projection {
namespace {

std::string Key(std::mt19937& rng, int range) {
  return "k" + std::to_string(std::uniform_int_distribution<int>(0, range - 1)(rng));
}

template <typename V>
void ExpectSame(const CowMap<V>& map, const std::map<std::string, V>& want) {
  ASSERT_EQ(map.size(), want.size());
  EXPECT_EQ(map.empty(), want.empty());
  auto w = want.begin();
  for (const auto& [key, value] : map) {  // in key order, each once
    ASSERT_NE(w, want.end());
    EXPECT_EQ(key, w->first);
    EXPECT_EQ(value, w->second) << key;
    ++w;
  }
  EXPECT_EQ(w, want.end());
}

TEST(CowMapTest, AnswersLikeStdMapUnderRandomWrites) {
  std::mt19937 rng(7);
  CowMap<int> map;
  std::map<std::string, int> want;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.find("k1"), map.end());
  EXPECT_EQ(map.FindMutable("k1"), nullptr);
  EXPECT_THROW(map.at("k1"), std::out_of_range);
  for (int i = 0; i < 20'000; ++i) {
    std::string key = Key(rng, 3'000);
    int delta = std::uniform_int_distribution<int>(1, 9)(rng);
    if (i % 3 == 0) {
      if (int* v = map.FindMutable(key)) *v += delta;
      if (auto it = want.find(key); it != want.end()) it->second += delta;
    } else {
      map[key] += delta;
      want[key] += delta;
    }
  }
  ExpectSame(map, want);
  EXPECT_GT(map.size(), 4 * CowMap<int>::kChunk);  // several chunks were split
  for (int i = 0; i < 4'000; ++i) {
    std::string key = Key(rng, 3'500);  // some never inserted
    auto it = map.find(key);
    auto w = want.find(key);
    ASSERT_EQ(it == map.end(), w == want.end()) << key;
    if (w != want.end()) {
      EXPECT_EQ(it->first, key);
      EXPECT_EQ(it->second, w->second);
      EXPECT_EQ(map.at(key), w->second);
      EXPECT_TRUE(map.contains(key));
    }
  }
  EXPECT_FALSE(map.contains(""));
  EXPECT_FALSE(map.contains("zzz"));
}

TEST(CowMapTest, SortedAppendsAndEdgeKeys) {
  CowMap<std::string> map;
  std::map<std::string, std::string> want;
  for (int i = 0; i < 1'000; ++i) {  // ascending, as a snapshot loads
    char key[16];
    std::snprintf(key, sizeof key, "id-%05d", i);
    map[key] = std::to_string(i);
    want[key] = std::to_string(i);
  }
  for (const std::string& key :
       std::vector<std::string>{"", "a", "id-", "id-00500x", "zz", std::string("id-\0", 4)}) {
    map[key] = "edge";
    want[key] = "edge";
  }
  ExpectSame(map, want);
}

TEST(CowMapTest, MovedFromMapIsEmpty) {
  CowMap<int> map;
  for (int i = 0; i < 300; ++i) map["k" + std::to_string(i)] = i;
  CowMap<int> moved = std::move(map);
  EXPECT_EQ(moved.size(), 300u);
  EXPECT_EQ(map.size(), 0u);  // NOLINT(bugprone-use-after-move): what moving leaves
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.begin(), map.end());
  EXPECT_EQ(map.find("k1"), map.end());
  map["again"] = 1;  // usable again
  EXPECT_EQ(map.size(), 1u);
  CowMap<int> assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 300u);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(assigned.at("k299"), 299);
}

TEST(CowMapTest, WritesThroughACopyLeaveTheOriginalUnchanged) {
  std::mt19937 rng(11);
  CowMap<int> published;
  std::map<std::string, int> published_want;
  for (int i = 0; i < 5'000; ++i) {
    std::string key = Key(rng, 2'000);
    published[key] = i;
    published_want[key] = i;
  }
  for (int round = 0; round < 5; ++round) {
    CowMap<int> next = published;  // what a publication shares
    std::map<std::string, int> next_want = published_want;
    for (int i = 0; i < 300; ++i) {
      std::string key = Key(rng, 2'500);
      next[key] = -i;
      next_want[key] = -i;
      std::string other = Key(rng, 2'500);
      int* v = next.FindMutable(other);
      ASSERT_EQ(v != nullptr, next_want.contains(other)) << other;
      if (v) {
        *v += 1'000'000;
        next_want[other] += 1'000'000;
      }
    }
    ExpectSame(published, published_want);  // untouched by every write through `next`
    ExpectSame(next, next_want);
    published = next;
    published_want = next_want;
  }
}

}  // namespace
}  // namespace readside::projection
