// KeySet::Load: which files and keys are accepted, the algorithm each key is pinned to, and
// errors that name the file and the problem.

#include <string>

#include "absl/strings/str_cat.h"
#include "auth/jwt.h"
#include "auth/test_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace readside::auth {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testkit::BaseClaims;
using testkit::Ec;
using testkit::EcJwk;
using testkit::EsSigner;
using testkit::Header;
using testkit::HsSigner;
using testkit::kNow;
using testkit::kSecret;
using testkit::MakeToken;
using testkit::OctJwk;
using testkit::Rsa;
using testkit::RsaJwk;
using testkit::RsSigner;
using testkit::ToJson;

std::string Jwks(const std::string& members) { return absl::StrCat(R"({"keys":[)", members, "]}"); }

class KeysTest : public ::testing::Test {
 protected:
  // The error message of a load that must fail with InvalidArgument.
  std::string LoadError(const KeySources& sources) {
    auto keys = KeySet::Load(sources);
    if (keys.ok()) return "(loaded)";
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument) << keys.status();
    return std::string(keys.status().message());
  }
  std::string JwksError(const std::string& members) {
    return LoadError({.jwks_files = {dir_.Write("jwks.json", Jwks(members))}});
  }
  bool Accepts(const KeySet& keys, std::string_view token) {
    auto p = VerifyToken(token, keys, {}, kNow);
    return p.ok();
  }
  std::string Claims() { return ToJson(BaseClaims()); }

  testkit::TempDir dir_;
};

TEST_F(KeysTest, NoSourcesRefusedNamingTheFlags) {
  EXPECT_EQ(LoadError({}),
            "no token keys configured: give --jwt-secret-file, --jwt-public-key-file or "
            "--jwks-file");
}

TEST_F(KeysTest, SecretFileTrailingNewlineIgnored) {
  for (const char* ending : {"", "\n", "\r\n"}) {
    std::string path = dir_.Write("secret", absl::StrCat(kSecret, ending));
    auto keys = KeySet::Load({.secret_file = path, .secret_kid = "s1"});
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ((*keys)->size(), 1u);
    std::string token = MakeToken(Header("HS256", "s1"), Claims(), HsSigner(std::string(kSecret)));
    EXPECT_TRUE(Accepts(**keys, token));
  }
}

TEST_F(KeysTest, ShortSecretRefused) {
  std::string path = dir_.Write("secret", "too short\n");
  EXPECT_THAT(LoadError({.secret_file = path}),
              AllOf(HasSubstr(path), HasSubstr("the secret is 9 bytes; HS256 needs at least 32")));
  EXPECT_EQ(KeySet::FromSecret("short").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(KeysTest, PemKeyGivenAsSecretRefused) {
  // Its public bytes would become an HMAC key: the HS/RS confusion by configuration.
  std::string path = dir_.Write("secret", Rsa().public_pem);
  EXPECT_THAT(LoadError({.secret_file = path}),
              AllOf(HasSubstr(path), HasSubstr("holds a PEM block, not a secret")));
}

TEST_F(KeysTest, UnreadableFileNamed) {
  std::string path = dir_.path() + "/missing.pem";
  EXPECT_THAT(LoadError({.public_key_files = {path}}),
              AllOf(HasSubstr("public key file '" + path + "'"), HasSubstr("cannot read it")));
  EXPECT_THAT(LoadError({.secret_file = dir_.path()}), HasSubstr("JWT secret file"));
}

TEST_F(KeysTest, PemPublicKeysPinnedToTheirAlgorithm) {
  auto keys = KeySet::Load({.public_key_files = {dir_.Write("rsa.pem", Rsa().public_pem),
                                                 dir_.Write("ec.pem", Ec().public_pem)}});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->size(), 2u);
  EXPECT_TRUE(Accepts(**keys, MakeToken(Header("RS256"), Claims(), RsSigner(Rsa()))));
  EXPECT_TRUE(Accepts(**keys, MakeToken(Header("ES256"), Claims(), EsSigner(Ec()))));
}

TEST_F(KeysTest, RsaKeyOf1024BitsRefusedAtLoad) {
  testkit::TestKey small = testkit::GenerateRsa(1024);
  std::string path = dir_.Write("small.pem", small.public_pem);
  EXPECT_THAT(LoadError({.public_key_files = {path}}),
              AllOf(HasSubstr(path), HasSubstr("1024 bits; RS256 needs at least 2048")));
  EXPECT_THAT(JwksError(RsaJwk(small, "small")),
              AllOf(HasSubstr("key 'small'"), HasSubstr("1024 bits")));
}

TEST_F(KeysTest, OtherCurvesAndKeyTypesRefused) {
  std::string p384 = dir_.Write("p384.pem", testkit::GenerateEc("P-384").public_pem);
  EXPECT_THAT(LoadError({.public_key_files = {p384}}),
              HasSubstr("not supported (ES256 needs P-256)"));
  EXPECT_THAT(JwksError(R"({"kty":"EC","crv":"P-384","x":"AA","y":"AA"})"),
              HasSubstr("curve P-384 is not supported"));
  EXPECT_THAT(JwksError(R"({"kty":"OKP","crv":"Ed25519","x":"AA"})"),
              HasSubstr("kty OKP is not supported"));
}

TEST_F(KeysTest, PrivateKeyOrGarbageInPublicKeyFileRefused) {
  EXPECT_THAT(LoadError({.public_key_files = {dir_.Write("p.pem", Rsa().private_pem)}}),
              HasSubstr("holds a private key; give its public key"));
  EXPECT_THAT(LoadError({.public_key_files = {dir_.Write("g.pem", "hello")}}),
              HasSubstr("not a PEM public key"));
}

TEST_F(KeysTest, JwksWithRsaEcAndOctKeysSelectsByKid) {
  std::string other_secret = "another secret of at least thirty-two bytes";
  std::string path = dir_.Write(
      "jwks.json",
      Jwks(absl::StrCat(
          RsaJwk(Rsa(), "rsa-1", R"(,"alg":"RS256","use":"sig")"), ",",
          RsaJwk(testkit::OtherRsa(), "rsa-2"), ",", EcJwk(Ec(), "ec-1", R"(,"alg":"ES256")"), ",",
          OctJwk(kSecret, "oct-1", R"(,"alg":"HS256")"), ",", OctJwk(other_secret, "oct-2"))));
  auto keys = KeySet::Load({.jwks_files = {path}});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->size(), 5u);
  EXPECT_TRUE(Accepts(**keys, MakeToken(Header("RS256", "rsa-1"), Claims(), RsSigner(Rsa()))));
  EXPECT_TRUE(Accepts(
      **keys, MakeToken(Header("RS256", "rsa-2"), Claims(), RsSigner(testkit::OtherRsa()))));
  EXPECT_TRUE(Accepts(**keys, MakeToken(Header("ES256", "ec-1"), Claims(), EsSigner(Ec()))));
  EXPECT_TRUE(Accepts(
      **keys, MakeToken(Header("HS256", "oct-1"), Claims(), HsSigner(std::string(kSecret)))));
  EXPECT_TRUE(
      Accepts(**keys, MakeToken(Header("HS256", "oct-2"), Claims(), HsSigner(other_secret))));
  // The kid decides: the right key material under another kid fails.
  EXPECT_FALSE(Accepts(**keys, MakeToken(Header("RS256", "rsa-2"), Claims(), RsSigner(Rsa()))));
  EXPECT_FALSE(Accepts(
      **keys, MakeToken(Header("HS256", "oct-2"), Claims(), HsSigner(std::string(kSecret)))));
  // Only one ES256 key: no kid needed. Two RS256 keys: a kid is.
  EXPECT_TRUE(Accepts(**keys, MakeToken(Header("ES256"), Claims(), EsSigner(Ec()))));
  EXPECT_FALSE(Accepts(**keys, MakeToken(Header("RS256"), Claims(), RsSigner(Rsa()))));
}

TEST_F(KeysTest, JwksKeysNotForSignaturesSkipped) {
  std::string members = absl::StrCat(RsaJwk(Rsa(), "enc-key", R"(,"use":"enc")"), ",",
                                     EcJwk(Ec(), "sig-key", R"(,"use":"sig")"));
  auto keys = KeySet::Load({.jwks_files = {dir_.Write("jwks.json", Jwks(members))}});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->size(), 1u);
  std::string token = MakeToken(Header("RS256", "enc-key"), Claims(), RsSigner(Rsa()));
  EXPECT_TRUE(testkit::Refused(VerifyToken(token, **keys, {}, kNow), token, "unknown key id"));
  EXPECT_THAT(JwksError(RsaJwk(Rsa(), "only-enc", R"(,"use":"enc")")),
              HasSubstr("has no signature keys"));
}

TEST_F(KeysTest, JwksAlgMustMatchKeyTypeNamingTheKid) {
  EXPECT_THAT(JwksError(RsaJwk(Rsa(), "rsa-hs", R"(,"alg":"HS256")")),
              AllOf(HasSubstr("key 'rsa-hs'"), HasSubstr("alg does not match kty RSA")));
  EXPECT_THAT(JwksError(EcJwk(Ec(), "ec-rs", R"(,"alg":"RS256")")), HasSubstr("key 'ec-rs'"));
  EXPECT_THAT(JwksError(OctJwk(kSecret, "oct-rs", R"(,"alg":"RS256")")), HasSubstr("key 'oct-rs'"));
  EXPECT_THAT(JwksError(RsaJwk(Rsa(), "rsa-ps", R"(,"alg":"PS256")")), HasSubstr("key 'rsa-ps'"));
}

TEST_F(KeysTest, MalformedJwksRefused) {
  EXPECT_THAT(LoadError({.jwks_files = {dir_.Write("a.json", "[]")}}),
              HasSubstr("not a JSON object"));
  EXPECT_THAT(LoadError({.jwks_files = {dir_.Write("b.json", R"({"keys":{}})")}}),
              HasSubstr("no \"keys\" array"));
  EXPECT_THAT(JwksError(R"("x")"), HasSubstr("key #0 is not an object"));
  EXPECT_THAT(JwksError(R"({"kid":"k"})"),
              AllOf(HasSubstr("key 'k'"), HasSubstr("no string member kty")));
  EXPECT_THAT(JwksError(R"({"kty":"RSA","kid":3})"), HasSubstr("kid is not a string"));
  EXPECT_THAT(JwksError(R"({"kty":"RSA","n":"AQAB"})"), HasSubstr("no string member e"));
  EXPECT_THAT(JwksError(R"({"kty":"RSA","n":"AQ==","e":"AQAB"})"), HasSubstr("n is not base64url"));
  EXPECT_THAT(JwksError(R"({"kty":"oct","k":"c2hvcnQ"})"), HasSubstr("HS256 needs at least 32"));
}

TEST_F(KeysTest, EcPointOffTheCurveRefused) {
  std::string jwk = EcJwk(Ec(), "bent");
  // Change the last character of y: the point leaves the curve.
  size_t y_end = jwk.rfind('"');
  jwk[y_end - 2] = jwk[y_end - 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(JwksError(jwk), HasSubstr("key 'bent'"));
  EXPECT_THAT(JwksError(R"({"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"})"),
              HasSubstr("x and y must be 32 bytes each"));
}

TEST_F(KeysTest, DuplicateKidRefused) {
  EXPECT_THAT(JwksError(absl::StrCat(RsaJwk(Rsa(), "same"), ",", EcJwk(Ec(), "same"))),
              HasSubstr("two keys have kid 'same'"));
  std::string a = dir_.Write("a.json", Jwks(RsaJwk(Rsa(), "k")));
  std::string b = dir_.Write("b.json", Jwks(EcJwk(Ec(), "k")));
  EXPECT_THAT(LoadError({.jwks_files = {a, b}}),
              AllOf(HasSubstr("two keys have kid 'k'"), HasSubstr(a), HasSubstr(b)));
  std::string secret = dir_.Write("secret", kSecret);
  EXPECT_THAT(LoadError({.secret_file = secret, .secret_kid = "k", .jwks_files = {a}}),
              HasSubstr("two keys have kid 'k'"));
}

TEST_F(KeysTest, KeysWithoutKidMayRepeat) {
  auto keys =
      KeySet::Load({.public_key_files = {dir_.Write("a.pem", Rsa().public_pem),
                                         dir_.Write("b.pem", testkit::OtherRsa().public_pem)}});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->size(), 2u);
}

}  // namespace
}  // namespace readside::auth
