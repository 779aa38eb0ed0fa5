#include "common/base64.h"
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

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string_view("\xff\x00", 2)), "/wA=");
}

}  // namespace
}  // namespace readside
