#include "event/json_equal.h"

#include <gtest/gtest.h>

namespace readside::event {
namespace {

TEST(JsonValueEqualTest, IgnoresKeyOrderAndWhitespace) {
  EXPECT_TRUE(
      JsonValueEqual(R"({"a":1,"b":[1,2,{"c":"x"}]})", R"({ "b" : [1, 2, {"c":"x"}], "a":1 })"));
  EXPECT_TRUE(JsonValueEqual(R"({"a":1.0})", R"({"a":1})"));
  EXPECT_TRUE(JsonValueEqual(R"({"a":"\u0041"})", R"({"a":"A"})"));
  EXPECT_FALSE(JsonValueEqual(R"({"a":1})", R"({"a":2})"));
  EXPECT_FALSE(JsonValueEqual(R"({"a":[1,2]})", R"({"a":[2,1]})"));
  EXPECT_FALSE(JsonValueEqual(R"({"a":"1"})", R"({"a":1})"));
}

}  // namespace
}  // namespace readside::event
