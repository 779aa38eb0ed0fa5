#include "event/minify.h"

#include <gtest/gtest.h>

#include <random>

namespace readside::event {
namespace {

std::string Minify(std::string_view s) {
  std::string out;
  MinifyValidated(s, &out);
  return out;
}

TEST(MinifyTest, KeepsCompactJsonAndStringsIntact) {
  EXPECT_EQ(Minify(R"({"a":"x y","b":[1,2]})"), R"({"a":"x y","b":[1,2]})");
  EXPECT_EQ(Minify("{ \"a\" : \"x y\" ,\n\t\"b\" : [ 1 , 2 ] }"), R"({"a":"x y","b":[1,2]})");
  EXPECT_EQ(Minify(R"({"a":"q\" still in string ","b" : 1})"),
            R"({"a":"q\" still in string ","b":1})");
  EXPECT_EQ(Minify(R"({"a":"\\", "b":"c"})"), R"({"a":"\\","b":"c"})");
}

// Long inputs exercise the 64-byte block path: quotes, escapes and spaces across block
// boundaries must give the same result as the byte-by-byte definition.
TEST(MinifyTest, BlockPathAgreesWithScalarDefinitionOnRandomJson) {
  std::mt19937 rng(7);
  const char* pieces[] = {"\"k\":",
                          "\"a b\"",
                          "\"x\\\"y \"",
                          "\"\\\\\"",
                          " ",
                          "\n",
                          "1",
                          ",",
                          "{",
                          "}",
                          "[",
                          "]",
                          "\"long string with spaces inside it\"",
                          "\t"};
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    int n = static_cast<int>(rng() % 80);
    for (int i = 0; i < n; ++i) s += pieces[rng() % std::size(pieces)];
    std::string expect;
    bool in_string = false;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (in_string) {
        expect.push_back(c);
        if (c == '\\')
          expect.push_back(s[++i]);
        else if (c == '"')
          in_string = false;
      } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
        expect.push_back(c);
        if (c == '"') in_string = true;
      }
    }
    ASSERT_EQ(Minify(s), expect) << s;
  }
}

}  // namespace
}  // namespace readside::event
