// VerifyToken's token-level rules (shape, encoding, header, algorithm and key choice,
// signature) and the signing functions. Claim rules are in claims_test.cc, key loading in
// keys_test.cc.

#include "auth/jwt.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "auth/base64url.h"
#include "auth/test_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace readside::auth {
namespace {

using ::testing::ElementsAre;
using testkit::BaseClaims;
using testkit::Ec;
using testkit::EsSigner;
using testkit::Header;
using testkit::HsSigner;
using testkit::kNow;
using testkit::kSecret;
using testkit::MakeToken;
using testkit::Refused;
using testkit::Rsa;
using testkit::RsSigner;
using testkit::TempDir;
using testkit::ToJson;

std::string Claims() { return ToJson(BaseClaims()); }

class JwtTest : public ::testing::Test {
 protected:
  std::shared_ptr<const KeySet> Load(const KeySources& sources) {
    auto keys = KeySet::Load(sources);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *keys : nullptr;
  }
  std::shared_ptr<const KeySet> SecretKeys() { return *KeySet::FromSecret(std::string(kSecret)); }
  std::shared_ptr<const KeySet> PemKeys(const testkit::TestKey& key) {
    return Load({.public_key_files = {dir_.Write("key.pem", key.public_pem)}});
  }
  std::shared_ptr<const KeySet> JwksKeys(const std::string& jwks_members) {
    return Load({.jwks_files = {
                     dir_.Write("jwks.json", absl::StrCat(R"({"keys":[)", jwks_members, "]}"))}});
  }
  absl::StatusOr<Principal> Verify(std::string_view token, const KeySet& keys,
                                   const VerifyOptions& options = {}) {
    return VerifyToken(token, keys, options, kNow);
  }

  TempDir dir_;
};

TokenClaims SampleClaims() {
  return {.subject = "user-1",
          .organizations = {"globex", "acme"},
          .roles = {"viewer", "admin"},
          .issued_at = kNow - 10,
          .expires_at = kNow + 600,
          .not_before = kNow - 10,
          .issuer = "https://issuer.example",
          .audience = "readside"};
}

void ExpectSamplePrincipal(const absl::StatusOr<Principal>& p) {
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "user-1");
  EXPECT_THAT(p->organizations, ElementsAre("acme", "globex"));
  EXPECT_THAT(p->roles, ElementsAre("admin", "viewer"));
  EXPECT_FALSE(p->all_organizations);
  EXPECT_EQ(p->expires_at, kNow + 600);
}

const VerifyOptions kSampleOptions = {.issuer = "https://issuer.example", .audience = "readside"};

// --- Round trips ---

TEST_F(JwtTest, Hs256RoundTrip) {
  auto token = SignHs256(SampleClaims(), kSecret);
  ASSERT_TRUE(token.ok()) << token.status();
  ExpectSamplePrincipal(Verify(*token, *SecretKeys(), kSampleOptions));
}

TEST_F(JwtTest, Rs256RoundTrip) {
  auto token = SignWithPrivateKey(SampleClaims(), Rsa().private_pem);
  ASSERT_TRUE(token.ok()) << token.status();
  ExpectSamplePrincipal(Verify(*token, *PemKeys(Rsa()), kSampleOptions));
}

TEST_F(JwtTest, Es256RoundTrip) {
  auto token = SignWithPrivateKey(SampleClaims(), Ec().private_pem);
  ASSERT_TRUE(token.ok()) << token.status();
  ExpectSamplePrincipal(Verify(*token, *PemKeys(Ec()), kSampleOptions));
}

TEST_F(JwtTest, RoundTripWithKidSelectsThatKey) {
  auto keys = JwksKeys(
      absl::StrCat(testkit::RsaJwk(Rsa(), "r1"), ",", testkit::RsaJwk(testkit::OtherRsa(), "r2")));
  auto token = SignWithPrivateKey(SampleClaims(), Rsa().private_pem, "r1");
  ASSERT_TRUE(token.ok());
  ExpectSamplePrincipal(Verify(*token, *keys, kSampleOptions));
  auto other = SignWithPrivateKey(SampleClaims(), Rsa().private_pem, "r2");
  EXPECT_TRUE(Refused(Verify(*other, *keys), *other, "signature does not verify"));
}

// What other JWT libraries expect: a compact JWS whose parts decode to exactly these objects
// and whose signature verifies with plain OpenSSL.
TEST_F(JwtTest, SignedTokensAreStandardCompactJws) {
  TokenClaims claims = {.subject = "u",
                        .organizations = {"acme"},
                        .roles = {"viewer"},
                        .issued_at = 1000,
                        .expires_at = 2000};
  const std::string payload =
      R"({"sub":"u","org":"acme","roles":["viewer"],"iat":1000,"exp":2000})";
  struct Case {
    absl::StatusOr<std::string> token;
    std::string header;
  };
  std::vector<Case> cases;
  cases.push_back({SignHs256(claims, kSecret, "h1"), R"({"alg":"HS256","typ":"JWT","kid":"h1"})"});
  cases.push_back(
      {SignWithPrivateKey(claims, Rsa().private_pem), R"({"alg":"RS256","typ":"JWT"})"});
  cases.push_back({SignWithPrivateKey(claims, Ec().private_pem), R"({"alg":"ES256","typ":"JWT"})"});
  for (const Case& c : cases) {
    ASSERT_TRUE(c.token.ok()) << c.token.status();
    std::vector<std::string> parts = absl::StrSplit(*c.token, '.');
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(Base64UrlDecode(parts[0]), c.header);
    EXPECT_EQ(Base64UrlDecode(parts[1]), payload);
    std::string input = absl::StrCat(parts[0], ".", parts[1]);
    std::string signature = *Base64UrlDecode(parts[2]);
    if (absl::StrContains(c.header, "HS256")) {
      EXPECT_EQ(signature, testkit::HmacSha256(kSecret, input));
    } else if (absl::StrContains(c.header, "RS256")) {
      EXPECT_TRUE(testkit::RsaVerify(Rsa(), input, signature));
    } else {
      EXPECT_EQ(signature.size(), 64u);
      EXPECT_TRUE(testkit::EcVerifyRaw(Ec(), input, signature));
    }
  }
}

TEST_F(JwtTest, SeveralOrganizationsAreWrittenAsOrgs) {
  auto token = SignHs256({.organizations = {"*"}, .expires_at = kNow + 5}, kSecret);
  ASSERT_TRUE(token.ok());
  auto p = Verify(*token, *SecretKeys());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->all_organizations);
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  EXPECT_THAT(*Base64UrlDecode(parts[1]), ::testing::HasSubstr(R"("orgs":["*"])"));
  token = SignHs256({.organizations = {"a", "b"}, .expires_at = kNow + 5}, kSecret);
  parts = absl::StrSplit(*token, '.');
  EXPECT_THAT(*Base64UrlDecode(parts[1]), ::testing::HasSubstr(R"("orgs":["a","b"])"));
}

TEST(JwtSignTest, RefusesClaimsThatCouldNotVerify) {
  EXPECT_EQ(SignHs256({.expires_at = kNow}, kSecret).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(SignHs256({.organizations = {""}, .expires_at = kNow}, kSecret).ok());
  EXPECT_FALSE(
      SignHs256({.organizations = {"a"}, .roles = {""}, .expires_at = kNow}, kSecret).ok());
  EXPECT_FALSE(SignHs256({.subject = "\xff", .organizations = {"a"}}, kSecret).ok());
}

TEST(JwtSignTest, RefusesShortSecret) {
  EXPECT_EQ(SignHs256({.organizations = {"a"}}, "short").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JwtSignTest, SignWithPrivateKeyRefusesOtherKeys) {
  TokenClaims claims = {.organizations = {"a"}, .expires_at = kNow};
  EXPECT_FALSE(SignWithPrivateKey(claims, testkit::GenerateEc("P-384").private_pem).ok());
  EXPECT_FALSE(SignWithPrivateKey(claims, testkit::GenerateRsa(1024).private_pem).ok());
  EXPECT_FALSE(SignWithPrivateKey(claims, Rsa().public_pem).ok());
  EXPECT_FALSE(SignWithPrivateKey(claims, "not a key").ok());
}

// --- Algorithm ---

TEST_F(JwtTest, AlgNoneRefusedInEverySpelling) {
  auto keys = SecretKeys();
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    std::string unsigned_token =
        absl::StrCat(Base64UrlEncode(Header(alg)), ".", Base64UrlEncode(Claims()), ".");
    EXPECT_TRUE(
        Refused(Verify(unsigned_token, *keys), unsigned_token, "algorithm none is not accepted"))
        << alg;
    std::string token = MakeToken(Header(alg), Claims(), HsSigner(std::string(kSecret)));
    EXPECT_TRUE(Refused(Verify(token, *keys), token, "algorithm none is not accepted")) << alg;
  }
}

TEST_F(JwtTest, UnconfiguredAlgorithmRefused) {
  auto keys = SecretKeys();
  std::string hs384 = MakeToken(Header("HS384"), Claims(), HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(hs384, *keys), hs384, "algorithm HS384 is not configured"));
  std::string rs256 = MakeToken(Header("RS256"), Claims(), RsSigner(Rsa()));
  EXPECT_TRUE(Refused(Verify(rs256, *keys), rs256, "algorithm RS256 is not configured"));
  std::string es256 = MakeToken(Header("ES256"), Claims(), EsSigner(Ec()));
  EXPECT_TRUE(Refused(Verify(es256, *keys), es256, "algorithm ES256 is not configured"));
  std::string lower = MakeToken(Header("hs256"), Claims(), HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(lower, *keys), lower, "token algorithm is not supported"));
}

TEST_F(JwtTest, UnregisteredAlgorithmIsNotEchoed) {
  std::string token = MakeToken(Header("<script>x</script>"), Claims(), HsSigner("k"));
  auto result = Verify(token, *SecretKeys());
  EXPECT_TRUE(Refused(result, token, "token algorithm is not supported"));
  EXPECT_FALSE(absl::StrContains(result.status().message(), "script"));
}

TEST_F(JwtTest, MissingOrNonStringAlgRefused) {
  auto sign = HsSigner(std::string(kSecret));
  std::string no_alg = MakeToken(R"({"typ":"JWT"})", Claims(), sign);
  EXPECT_TRUE(Refused(Verify(no_alg, *SecretKeys()), no_alg, "token header has no alg"));
  std::string number = MakeToken(R"({"alg":256})", Claims(), sign);
  EXPECT_TRUE(Refused(Verify(number, *SecretKeys()), number, "alg is not a string"));
}

// The classic confusion: the RSA public key (public, so the attacker has it) used as an HMAC
// secret. The key is pinned to RS256, so an HS256 token cannot reach it.
TEST_F(JwtTest, HsRsConfusionRefused) {
  auto keys = PemKeys(Rsa());
  auto with_pem = HsSigner(Rsa().public_pem);
  std::string token = MakeToken(Header("HS256"), Claims(), with_pem);
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "algorithm HS256 is not configured"));
  // Naming the RSA key by kid does not help either.
  auto jwks = JwksKeys(testkit::RsaJwk(Rsa(), "rsa-1"));
  std::string with_kid = MakeToken(Header("HS256", "rsa-1"), Claims(), with_pem);
  EXPECT_TRUE(Refused(Verify(with_kid, *jwks), with_kid, "token algorithm does not match its key"));
  // The same key set accepts the genuine RS256 token.
  std::string genuine = MakeToken(Header("RS256"), Claims(), RsSigner(Rsa()));
  EXPECT_TRUE(Verify(genuine, *keys).ok());
}

TEST_F(JwtTest, EsHsConfusionRefused) {
  auto keys = PemKeys(Ec());
  std::string token = MakeToken(Header("HS256"), Claims(), HsSigner(Ec().public_pem));
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "algorithm HS256 is not configured"));
  auto jwks = JwksKeys(testkit::EcJwk(Ec(), "ec-1"));
  std::string with_kid = MakeToken(Header("HS256", "ec-1"), Claims(), HsSigner(Ec().public_pem));
  EXPECT_TRUE(Refused(Verify(with_kid, *jwks), with_kid, "token algorithm does not match its key"));
  std::string genuine = MakeToken(Header("ES256"), Claims(), EsSigner(Ec()));
  EXPECT_TRUE(Verify(genuine, *keys).ok());
}

TEST_F(JwtTest, PublicKeyAsHmacSecretFailsWhenASecretIsAlsoConfigured) {
  std::string secret_file = dir_.Write("secret", kSecret);
  auto keys = Load(
      {.secret_file = secret_file, .public_key_files = {dir_.Write("k.pem", Rsa().public_pem)}});
  std::string token = MakeToken(Header("HS256"), Claims(), HsSigner(Rsa().public_pem));
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "signature does not verify"));
}

// --- Key choice ---

TEST_F(JwtTest, UnknownKidRefused) {
  auto keys = *KeySet::FromSecret(std::string(kSecret), "k1");
  std::string token = MakeToken(Header("HS256", "k2"), Claims(), HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "unknown key id"));
  std::string empty_kid = MakeToken(Header("HS256", ""), Claims(), HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Verify(empty_kid, *keys).ok());  // Header() leaves out an empty kid
  std::string explicit_empty =
      MakeToken(R"({"alg":"HS256","kid":""})", Claims(), HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(explicit_empty, *keys), explicit_empty, "unknown key id"));
}

TEST_F(JwtTest, KidOfKeyWithAnotherAlgorithmRefused) {
  auto keys =
      JwksKeys(absl::StrCat(testkit::RsaJwk(Rsa(), "rsa"), ",", testkit::EcJwk(Ec(), "ec")));
  std::string token = MakeToken(Header("ES256", "rsa"), Claims(), EsSigner(Ec()));
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "token algorithm does not match its key"));
  std::string rs = MakeToken(Header("RS256", "ec"), Claims(), RsSigner(Rsa()));
  EXPECT_TRUE(Refused(Verify(rs, *keys), rs, "token algorithm does not match its key"));
}

TEST_F(JwtTest, SeveralKeysOfOneAlgorithmNeedKid) {
  auto keys = JwksKeys(
      absl::StrCat(testkit::RsaJwk(Rsa(), "a"), ",", testkit::RsaJwk(testkit::OtherRsa(), "b")));
  std::string token = MakeToken(Header("RS256"), Claims(), RsSigner(Rsa()));
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "token needs a kid"));
}

TEST_F(JwtTest, EmbeddedJwkHeaderIsIgnored) {
  // The attacker signs with their own key and ships it in the header; only configured keys count.
  auto keys = JwksKeys(testkit::RsaJwk(Rsa(), "trusted"));
  std::string header =
      absl::StrCat(R"({"alg":"RS256","jwk":)", testkit::RsaJwk(testkit::OtherRsa(), "evil"), "}");
  std::string token = MakeToken(header, Claims(), RsSigner(testkit::OtherRsa()));
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "signature does not verify"));
}

// --- Signature ---

TEST_F(JwtTest, BadSignatureRefused) {
  struct Case {
    std::string token;
    std::shared_ptr<const KeySet> keys;
  };
  std::vector<Case> cases = {
      {MakeToken(Header("HS256"), Claims(), HsSigner(std::string(kSecret))), SecretKeys()},
      {MakeToken(Header("RS256"), Claims(), RsSigner(Rsa())), PemKeys(Rsa())},
      {MakeToken(Header("ES256"), Claims(), EsSigner(Ec())), PemKeys(Ec())}};
  for (Case& c : cases) {
    ASSERT_TRUE(Verify(c.token, *c.keys).ok());
    size_t dot = c.token.rfind('.');
    std::string signature = *Base64UrlDecode(c.token.substr(dot + 1));
    signature[signature.size() / 2] ^= 0x01;
    std::string bad = c.token.substr(0, dot + 1) + Base64UrlEncode(signature);
    EXPECT_TRUE(Refused(Verify(bad, *c.keys), bad, "signature does not verify"));
    std::string truncated = c.token.substr(0, dot + 1) + Base64UrlEncode(signature.substr(1));
    EXPECT_TRUE(Refused(Verify(truncated, *c.keys), truncated, "signature does not verify"));
  }
}

TEST_F(JwtTest, TamperedPayloadWithOriginalSignatureRefused) {
  auto keys = PemKeys(Rsa());
  std::string token = MakeToken(Header("RS256"), Claims(), RsSigner(Rsa()));
  testkit::Members claims = BaseClaims();
  claims["org"] = R"("*")";
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string tampered =
      absl::StrCat(parts[0], ".", Base64UrlEncode(ToJson(claims)), ".", parts[2]);
  EXPECT_TRUE(Refused(Verify(tampered, *keys), tampered, "signature does not verify"));
}

TEST_F(JwtTest, StarAsASingleOrgIsRefused) {
  testkit::Members claims = BaseClaims();
  claims.erase("orgs");
  claims["org"] = R"("*")";
  std::string token = MakeToken(Header("HS256"), ToJson(claims), HsSigner(kSecret));
  EXPECT_TRUE(Refused(Verify(token, *SecretKeys()), token, "claim org cannot be"));
}

TEST_F(JwtTest, WrongKeyRefused) {
  std::string hs = MakeToken(Header("HS256"), Claims(), HsSigner(std::string(kSecret) + "!"));
  EXPECT_TRUE(Refused(Verify(hs, *SecretKeys()), hs, "signature does not verify"));
  std::string rs = MakeToken(Header("RS256"), Claims(), RsSigner(testkit::OtherRsa()));
  EXPECT_TRUE(Refused(Verify(rs, *PemKeys(Rsa())), rs, "signature does not verify"));
  std::string es = MakeToken(Header("ES256"), Claims(), EsSigner(testkit::OtherEc()));
  EXPECT_TRUE(Refused(Verify(es, *PemKeys(Ec())), es, "signature does not verify"));
}

TEST_F(JwtTest, Es256SignatureInDerFormRefused) {
  auto keys = PemKeys(Ec());
  auto der = [](std::string_view input) { return testkit::EcSignDer(Ec(), input); };
  std::string token = MakeToken(Header("ES256"), Claims(), der);
  EXPECT_TRUE(Refused(Verify(token, *keys), token, "signature does not verify"));
  std::string raw = MakeToken(Header("ES256"), Claims(), EsSigner(Ec()));
  EXPECT_TRUE(Verify(raw, *keys).ok());
}

TEST_F(JwtTest, EmptySignatureRefused) {
  std::string token = MakeToken(Header("HS256"), Claims(), HsSigner(std::string(kSecret)));
  std::string empty = token.substr(0, token.rfind('.') + 1);
  EXPECT_TRUE(Refused(Verify(empty, *SecretKeys()), empty, "token has no signature"));
}

// --- Shape and encoding ---

TEST_F(JwtTest, WrongSegmentCountRefused) {
  std::string token = MakeToken(Header("HS256"), Claims(), HsSigner(std::string(kSecret)));
  std::string two = token.substr(0, token.rfind('.'));
  std::string four = token + ".AAAA";
  for (const std::string& t :
       {two, four, std::string(""), std::string("abc"), std::string("."), std::string("...")}) {
    EXPECT_TRUE(Refused(Verify(t, *SecretKeys()), t, "token is not header.payload.signature")) << t;
  }
}

TEST_F(JwtTest, MalformedBase64urlRefused) {
  auto keys = SecretKeys();
  std::string token = MakeToken(Header("HS256"), Claims(), HsSigner(std::string(kSecret)));
  ASSERT_TRUE(Verify(token, *keys).ok());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  auto join = [](const std::vector<std::string>& p) { return absl::StrJoin(p, "."); };
  for (int segment = 0; segment < 3; ++segment) {
    for (std::string_view damage : {"=", "==", "+", "/", " ", "\n", "\t", "*", "%3D"}) {
      std::vector<std::string> bad = parts;
      bad[segment].insert(bad[segment].size() / 2, damage);
      std::string t = join(bad);
      EXPECT_TRUE(Refused(Verify(t, *keys), t, "token is not valid base64url"))
          << "segment " << segment << " with '" << damage << "'";
    }
    std::vector<std::string> padded = parts;
    while (padded[segment].size() % 4 != 0) padded[segment] += '=';
    if (padded[segment] != parts[segment]) {
      EXPECT_TRUE(Refused(Verify(join(padded), *keys), join(padded), "not valid base64url"));
    }
  }
}

TEST_F(JwtTest, StandardBase64AlphabetRefused) {
  // A payload whose base64url has '-' or '_' must not be accepted spelled with '+' or '/'.
  testkit::Members claims = BaseClaims();
  claims["sub"] = R"("~~~???>>>")";
  std::string token = MakeToken(Header("HS256"), ToJson(claims), HsSigner(std::string(kSecret)));
  ASSERT_TRUE(Verify(token, *SecretKeys()).ok());
  std::string standard = token;
  for (char& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
  ASSERT_NE(standard, token);
  EXPECT_TRUE(Refused(Verify(standard, *SecretKeys()), standard, "not valid base64url"));
}

TEST_F(JwtTest, EmptySegmentsRefused) {
  std::string t = "..";
  EXPECT_TRUE(Refused(Verify(t, *SecretKeys()), t, "token header is not valid JSON"));
}

TEST_F(JwtTest, NonJsonHeaderRefused) {
  auto sign = HsSigner(std::string(kSecret));
  std::string token = MakeToken("not json", Claims(), sign);
  EXPECT_TRUE(Refused(Verify(token, *SecretKeys()), token, "token header is not valid JSON"));
  std::string array = MakeToken(R"(["HS256"])", Claims(), sign);
  EXPECT_TRUE(Refused(Verify(array, *SecretKeys()), array, "token header is not a JSON object"));
  std::string trailing = MakeToken(R"({"alg":"HS256"} x)", Claims(), sign);
  EXPECT_TRUE(Refused(Verify(trailing, *SecretKeys()), trailing, "not valid JSON"));
}

TEST_F(JwtTest, DuplicateHeaderMemberRefused) {
  std::string token =
      MakeToken(R"({"alg":"HS256","alg":"none"})", Claims(), HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(token, *SecretKeys()), token, "token header has a member twice"));
}

TEST_F(JwtTest, CritHeaderRefused) {
  std::string token = MakeToken(R"({"alg":"HS256","crit":["exp"],"exp":1})", Claims(),
                                HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(token, *SecretKeys()), token, "crit"));
  std::string b64 = MakeToken(R"({"alg":"HS256","b64":false,"crit":["b64"]})", Claims(),
                              HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(b64, *SecretKeys()), b64, "crit"));
}

TEST_F(JwtTest, TypMustBeJwt) {
  auto keys = SecretKeys();
  auto sign = HsSigner(std::string(kSecret));
  for (const char* typ : {"JWT", "jwt", "at+jwt", "AT+JWT"}) {
    std::string t =
        MakeToken(absl::StrCat(R"({"alg":"HS256","typ":")", typ, "\"}"), Claims(), sign);
    EXPECT_TRUE(Verify(t, *keys).ok()) << typ;
  }
  for (const char* typ : {R"("JWE")", R"("")", R"("dpop+jwt")", "1", "null"}) {
    std::string t = MakeToken(absl::StrCat(R"({"alg":"HS256","typ":)", typ, "}"), Claims(), sign);
    EXPECT_TRUE(Refused(Verify(t, *keys), t, "token typ is not JWT")) << typ;
  }
}

TEST_F(JwtTest, NonStringKidRefused) {
  std::string t = MakeToken(R"({"alg":"HS256","kid":7})", Claims(), HsSigner(std::string(kSecret)));
  EXPECT_TRUE(Refused(Verify(t, *SecretKeys()), t, "token header kid is not a string"));
}

TEST_F(JwtTest, OversizedTokenRefused) {
  testkit::Members claims = BaseClaims();
  claims["pad"] = absl::StrCat("\"", std::string(12'000, 'x'), "\"");
  std::string big = MakeToken(Header("HS256"), ToJson(claims), HsSigner(std::string(kSecret)));
  ASSERT_LE(big.size(), 16u * 1024);
  EXPECT_TRUE(Verify(big, *SecretKeys()).ok());
  claims["pad"] = absl::StrCat("\"", std::string(12'400, 'x'), "\"");
  std::string too_big = MakeToken(Header("HS256"), ToJson(claims), HsSigner(std::string(kSecret)));
  ASSERT_GT(too_big.size(), 16u * 1024);
  EXPECT_TRUE(Refused(Verify(too_big, *SecretKeys()), too_big, "token is too large"));
}

TEST(AlgorithmTest, Names) {
  EXPECT_EQ(AlgorithmName(Algorithm::kHS256), "HS256");
  EXPECT_EQ(AlgorithmName(Algorithm::kRS256), "RS256");
  EXPECT_EQ(AlgorithmName(Algorithm::kES256), "ES256");
}

}  // namespace
}  // namespace readside::auth
