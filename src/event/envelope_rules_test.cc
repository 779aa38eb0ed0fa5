#include "event/envelope_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "event/parser_test_util.h"

namespace readside::event {
namespace {

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// One character of each UTF-8 length: 1, 2 (é), 3 (€) and 4 (😀) bytes.
constexpr std::string_view kChars[] = {"a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};

TEST(EnvelopeRulesTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  for (std::string_view c : kChars) {
    // Lengths around the eight-byte steps of the count.
    for (size_t n : {1u, 7u, 8u, 9u, 127u, 128u, 129u}) {
      EXPECT_EQ(CountCodePoints(Repeat(c, n)), n) << c.size() << " x " << n;
    }
  }
  EXPECT_EQ(CountCodePoints("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"), 5u);
}

TEST(EnvelopeRulesTest, IdsAreOneTo128Characters) {
  for (std::string_view c : kChars) {
    EXPECT_TRUE(IsValidId(Repeat(c, 1))) << c.size();
    EXPECT_TRUE(IsValidId(Repeat(c, 128))) << c.size();
    EXPECT_FALSE(IsValidId(Repeat(c, 129))) << c.size();
  }
  EXPECT_FALSE(IsValidId(""));
  EXPECT_TRUE(IsValidId(std::string(127, 'a') + "\xF0\x9F\x98\x80"));  // 131 bytes
  EXPECT_FALSE(IsValidId(std::string(128, 'a') + "\xC3\xA9"));
  EXPECT_FALSE(IsValidId(Repeat("\xC3\xA9", 100) + "\n"));  // control characters
  EXPECT_FALSE(IsValidId(std::string("a\0b", 3)));
}

class IdRulesTest : public ParserTest {
 protected:
  // An event whose event_id and entity_id are `event_id` and `entity_id` (JSON string bodies).
  static std::string WithIds(const std::string& event_id, const std::string& entity_id) {
    std::string j = Envelope("crm.contact.deleted", "{}");
    j.replace(j.find("\"x-1\""), 5, "\"" + entity_id + "\"");
    j.replace(j.find("\"e-1\""), 5, "\"" + event_id + "\"");
    return j;
  }
};

// The limit counts characters: 128 multi-byte characters (up to 512 bytes) are accepted on
// both paths, 129 are not.
TEST_F(IdRulesTest, LimitCountsCharactersOnBothPaths) {
  for (std::string_view c : kChars) {
    const std::string id128 = Repeat(c, 128), id129 = Repeat(c, 129);
    const uint64_t before = parser_.tape_accepted();
    ASSERT_TRUE(Parse(WithIds(id128, id128))) << c.size() << ": " << errors_[0].message;
    EXPECT_EQ(parser_.tape_accepted() - before, 1u);  // the fast path accepted it too
    EXPECT_EQ(ev_.event_id, id128);
    EXPECT_EQ(ev_.entity_id, id128);
    ExpectRejected(WithIds(id129, "x"), "event_id", "1 to 128 characters");
    ExpectRejected(WithIds("e", id129), "data.entity_id", "1 to 128 characters");
  }
}

// Escaped characters count once unescaped (only the reference reads escapes).
TEST_F(IdRulesTest, EscapedCharactersCountOnce) {
  ASSERT_TRUE(Parse(WithIds(Repeat("\\u00e9", 128), Repeat("\\ud83d\\ude00", 128))))
      << errors_[0].message;
  EXPECT_EQ(ev_.event_id, Repeat("\xC3\xA9", 128));
  EXPECT_EQ(ev_.entity_id, Repeat("\xF0\x9F\x98\x80", 128));
  ExpectRejected(WithIds(Repeat("\\u00e9", 129), "x"), "event_id", "1 to 128 characters");
  ExpectRejected(WithIds("e", "a\\u0001"), "data.entity_id", "control characters");
}

}  // namespace
}  // namespace readside::event
