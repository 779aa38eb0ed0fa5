#include "auth/base64url.h"

#include <string>

#include "gtest/gtest.h"

namespace readside::auth {
namespace {

TEST(Base64UrlTest, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");  // the two URL-safe characters
}

TEST(Base64UrlTest, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes) << "length " << i;
    bytes.push_back(static_cast<char>(i * 37 + 11));
  }
}

TEST(Base64UrlTest, DecodesUrlSafeAlphabet) {
  EXPECT_EQ(Base64UrlDecode("-_-_"), "\xfb\xff\xbf");
  EXPECT_EQ(Base64UrlDecode(""), "");
  EXPECT_EQ(Base64UrlDecode("Zm9vYg"), "foob");
}

TEST(Base64UrlTest, RefusesPadding) {
  EXPECT_EQ(Base64UrlDecode("Zg=="), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm8="), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm9v===="), std::nullopt);
}

TEST(Base64UrlTest, RefusesStandardAlphabetCharacters) {
  EXPECT_EQ(Base64UrlDecode("+/+/"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("ab+c"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("ab/c"), std::nullopt);
}

TEST(Base64UrlTest, RefusesWhitespaceAndOtherCharacters) {
  for (const char* text :
       {"Zm9v Yg", " Zm9v", "Zm9v\n", "Zm\t9v", "Zm9v\r\nYg", "Zm.v", "Zm9*", "Zm\xc3\xa9v"}) {
    EXPECT_EQ(Base64UrlDecode(text), std::nullopt) << text;
  }
  EXPECT_EQ(Base64UrlDecode(std::string_view("Zm9v\0", 5)), std::nullopt);
}

TEST(Base64UrlTest, RefusesImpossibleLength) {
  EXPECT_EQ(Base64UrlDecode("Z"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm9vY"), std::nullopt);
}

TEST(Base64UrlTest, RefusesNonCanonicalTrailingBits) {
  // "Zg" is "f"; "Zh".."Zv" carry the same byte with non-zero unused bits.
  EXPECT_EQ(Base64UrlDecode("Zh"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm9"), std::nullopt);  // "fo" is Zm8
  EXPECT_EQ(Base64UrlDecode("Zm8"), "fo");
}

}  // namespace
}  // namespace readside::auth
