#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace readside {
namespace {

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControls) {
  std::string out;
  AppendJsonString(&out, std::string_view("a\"b\\c\n\x01\xc3\xa9", 9));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
}

TEST(JsonWriterTest, BuilderPlacesCommas) {
  JsonBuilder b;
  b.BeginObject().Key("a").Int(1).Key("b").BeginArray().Double(1.5).Null().Bool(true).EndArray();
  b.Key("c").Raw("{\"x\":1}").EndObject();
  EXPECT_EQ(b.str(), R"({"a":1,"b":[1.5,null,true],"c":{"x":1}})");
}

}  // namespace
}  // namespace readside
