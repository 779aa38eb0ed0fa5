// VerifyToken's claim rules: times, issuer, audience, organizations, roles, subject and the
// JSON shape of the payload. Every token here is correctly signed, so only the claims decide.

#include <string>

#include "absl/strings/str_cat.h"
#include "auth/jwt.h"
#include "auth/test_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace readside::auth {
namespace {

using ::testing::ElementsAre;
using testkit::BaseClaims;
using testkit::Header;
using testkit::HsSigner;
using testkit::kNow;
using testkit::kSecret;
using testkit::MakeToken;
using testkit::Members;
using testkit::Refused;
using testkit::ToJson;

class ClaimsTest : public ::testing::Test {
 protected:
  std::string Token(const Members& claims) { return TokenFromJson(ToJson(claims)); }
  std::string TokenFromJson(std::string_view payload) {
    return MakeToken(Header("HS256"), payload, HsSigner(std::string(kSecret)));
  }
  absl::StatusOr<Principal> Verify(std::string_view token, const VerifyOptions& options = {},
                                   int64_t now = kNow) {
    return VerifyToken(token, *keys_, options, now);
  }
  // Whether the base claims with `name` set to `json` (or removed, when empty) are refused.
  ::testing::AssertionResult RefusedWith(std::string_view name, std::string_view json,
                                         std::string_view reason,
                                         const VerifyOptions& options = {}) {
    Members claims = BaseClaims();
    if (json.empty()) {
      claims.erase(std::string(name));
    } else {
      claims[std::string(name)] = std::string(json);
    }
    std::string token = Token(claims);
    return Refused(Verify(token, options), token, reason);
  }
  absl::StatusOr<Principal> VerifyWith(std::string_view name, std::string_view json,
                                       const VerifyOptions& options = {}) {
    Members claims = BaseClaims();
    claims[std::string(name)] = std::string(json);
    return Verify(Token(claims), options);
  }

  std::shared_ptr<const KeySet> keys_ = *KeySet::FromSecret(std::string(kSecret));
};

TEST_F(ClaimsTest, BaseClaimsGiveThePrincipal) {
  auto p = Verify(Token(BaseClaims()));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "user-1");
  EXPECT_THAT(p->organizations, ElementsAre("acme"));
  EXPECT_THAT(p->roles, ElementsAre("viewer"));
  EXPECT_EQ(p->expires_at, kNow + 600);
  EXPECT_TRUE(p->HasOrganization("acme"));
  EXPECT_FALSE(p->HasOrganization("globex"));
  EXPECT_TRUE(p->HasRole("viewer"));
  EXPECT_FALSE(p->HasRole("admin"));
}

// --- exp, nbf, iat ---

TEST_F(ClaimsTest, MissingExpRefused) { EXPECT_TRUE(RefusedWith("exp", "", "token has no exp")); }

TEST_F(ClaimsTest, ExpiredBeyondLeewayRefused) {
  EXPECT_TRUE(RefusedWith("exp", std::to_string(kNow - 31), "token expired"));
  EXPECT_TRUE(RefusedWith("exp", std::to_string(kNow - 1), "token expired", {.leeway_seconds = 0}));
}

TEST_F(ClaimsTest, ExpiredWithinLeewayAccepted) {
  EXPECT_TRUE(VerifyWith("exp", std::to_string(kNow - 30)).ok());
  EXPECT_TRUE(VerifyWith("exp", std::to_string(kNow)).ok());
  EXPECT_TRUE(VerifyWith("exp", std::to_string(kNow), {.leeway_seconds = 0}).ok());
}

TEST_F(ClaimsTest, FractionalNumericDatesAccepted) {
  auto p = VerifyWith("exp", absl::StrCat(kNow + 100, ".75"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->expires_at, kNow + 100);
  EXPECT_TRUE(VerifyWith("exp", absl::StrCat(kNow + 1, "e0")).ok());
  EXPECT_TRUE(RefusedWith("exp", absl::StrCat(kNow - 31, ".5"), "token expired"));
}

TEST_F(ClaimsTest, ExpOfWrongTypeRefused) {
  for (const char* json : {R"("1900000000")", "true", "null", "[1900000000]", "{}"}) {
    EXPECT_TRUE(RefusedWith("exp", json, "claim exp is not a number")) << json;
  }
}

TEST_F(ClaimsTest, HugeExpIsClampedNotOverflowed) {
  auto p = VerifyWith("exp", "1e300");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->expires_at, int64_t{1} << 53);
  EXPECT_TRUE(RefusedWith("exp", "-1e300", "token expired"));
  EXPECT_TRUE(VerifyWith("exp", "18446744073709551615").ok());
}

TEST_F(ClaimsTest, FutureNbfBeyondLeewayRefused) {
  EXPECT_TRUE(RefusedWith("nbf", std::to_string(kNow + 31), "token not yet valid"));
  EXPECT_TRUE(
      RefusedWith("nbf", std::to_string(kNow + 1), "token not yet valid", {.leeway_seconds = 0}));
}

TEST_F(ClaimsTest, NbfWithinLeewayAccepted) {
  EXPECT_TRUE(VerifyWith("nbf", std::to_string(kNow + 30)).ok());
  EXPECT_TRUE(VerifyWith("nbf", std::to_string(kNow)).ok());
}

TEST_F(ClaimsTest, FutureIatBeyondLeewayRefused) {
  EXPECT_TRUE(RefusedWith("iat", std::to_string(kNow + 31), "token not yet valid"));
  EXPECT_TRUE(VerifyWith("iat", std::to_string(kNow + 30)).ok());
  EXPECT_TRUE(RefusedWith("iat", R"("now")", "claim iat is not a number"));
  EXPECT_TRUE(RefusedWith("nbf", "false", "claim nbf is not a number"));
}

TEST_F(ClaimsTest, ExpiryIsJudgedAgainstTheGivenTime) {
  std::string token = Token(BaseClaims());
  EXPECT_TRUE(Verify(token, {}, kNow + 630).ok());
  EXPECT_TRUE(Refused(Verify(token, {}, kNow + 631), token, "token expired"));
}

// --- iss, aud ---

TEST_F(ClaimsTest, IssuerChecked) {
  VerifyOptions options = {.issuer = "https://id.example"};
  EXPECT_TRUE(VerifyWith("iss", R"("https://id.example")", options).ok());
  EXPECT_TRUE(
      RefusedWith("iss", R"("https://evil.example")", "token issuer is not accepted", options));
  EXPECT_TRUE(
      RefusedWith("iss", R"("https://ID.example")", "token issuer is not accepted", options));
}

TEST_F(ClaimsTest, MissingIssuerRefusedWhenConfigured) {
  EXPECT_TRUE(RefusedWith("iss", "", "token has no iss", {.issuer = "https://id.example"}));
  EXPECT_TRUE(Verify(Token(BaseClaims())).ok());  // not configured: not required
}

TEST_F(ClaimsTest, IssuerOfWrongTypeRefused) {
  EXPECT_TRUE(RefusedWith("iss", "42", "claim iss is not a string"));
}

TEST_F(ClaimsTest, WrongAudienceRefused) {
  VerifyOptions options = {.audience = "readside"};
  EXPECT_TRUE(RefusedWith("aud", R"("other")", "token audience is not accepted", options));
  EXPECT_TRUE(
      RefusedWith("aud", R"(["other","another"])", "token audience is not accepted", options));
  EXPECT_TRUE(RefusedWith("aud", "[]", "token audience is not accepted", options));
  EXPECT_TRUE(RefusedWith("aud", "", "token has no aud", options));
}

TEST_F(ClaimsTest, RightAudienceAccepted) {
  VerifyOptions options = {.audience = "readside"};
  EXPECT_TRUE(VerifyWith("aud", R"("readside")", options).ok());
  EXPECT_TRUE(VerifyWith("aud", R"(["other","readside"])", options).ok());
}

TEST_F(ClaimsTest, AudienceOfWrongTypeRefused) {
  for (const char* json : {"1", R"(["readside",1])", R"({"readside":true})", "null"}) {
    EXPECT_TRUE(RefusedWith("aud", json, "claim aud is not a string or an array of strings",
                            {.audience = "readside"}))
        << json;
  }
}

// --- org, orgs, roles, sub ---

TEST_F(ClaimsTest, OrgMissingRefused) {
  EXPECT_TRUE(RefusedWith("org", "", "token has no org or orgs"));
}

TEST_F(ClaimsTest, OrgOfWrongTypeRefused) {
  for (const char* json : {"7", R"("")", R"(["acme"])", "null"}) {
    EXPECT_TRUE(RefusedWith("org", json, "claim org is not a non-empty string")) << json;
  }
}

TEST_F(ClaimsTest, OrgsArrayAccepted) {
  Members claims = BaseClaims();
  claims.erase("org");
  claims["orgs"] = R"(["globex","acme","globex"])";
  auto p = Verify(Token(claims));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->organizations, ElementsAre("acme", "globex"));
  EXPECT_FALSE(p->all_organizations);
}

TEST_F(ClaimsTest, StarInOrgsGrantsAllOrganizations) {
  Members claims = BaseClaims();
  claims.erase("org");
  claims["orgs"] = R"(["*","acme"])";
  auto p = Verify(Token(claims));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->all_organizations);
  EXPECT_THAT(p->organizations, ElementsAre("acme"));
  EXPECT_TRUE(p->HasOrganization("anything"));
}

TEST_F(ClaimsTest, OrgsWithNonStringRefused) {
  Members claims = BaseClaims();
  claims.erase("org");
  for (const char* json : {R"(["acme",1])", R"(["acme",""])", "[]", R"("acme")", "[null]"}) {
    claims["orgs"] = json;
    std::string token = Token(claims);
    EXPECT_TRUE(
        Refused(Verify(token), token, "claim orgs is not a non-empty array of non-empty strings"))
        << json;
  }
}

TEST_F(ClaimsTest, OrgAndOrgsTogetherRefused) {
  EXPECT_TRUE(RefusedWith("orgs", R"(["*"])", "token has both org and orgs"));
}

TEST_F(ClaimsTest, RolesNotAnArrayRefused) {
  for (const char* json : {R"("admin")", R"(["admin",2])", R"([""])", "{}", "null"}) {
    EXPECT_TRUE(RefusedWith("roles", json, "claim roles is not an array of non-empty strings"))
        << json;
  }
}

TEST_F(ClaimsTest, RolesOptionalSortedAndUnique) {
  auto p = VerifyWith("roles", R"(["viewer","admin","viewer"])");
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->roles, ElementsAre("admin", "viewer"));
  Members claims = BaseClaims();
  claims.erase("roles");
  p = Verify(Token(claims));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->roles.empty());
}

TEST_F(ClaimsTest, SubjectOptionalButAString) {
  Members claims = BaseClaims();
  claims.erase("sub");
  auto p = Verify(Token(claims));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->subject, "");
  EXPECT_TRUE(RefusedWith("sub", "12", "claim sub is not a string"));
}

TEST_F(ClaimsTest, EscapedStringsAreDecoded) {
  auto p = VerifyWith("org", R"("ac\u006de")");
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->organizations, ElementsAre("acme"));
}

TEST_F(ClaimsTest, UnknownClaimsIgnored) {
  EXPECT_TRUE(VerifyWith("jti", R"({"nested":[1,2,3]})").ok());
}

// --- Payload shape ---

TEST_F(ClaimsTest, NonJsonPayloadRefused) {
  for (const char* payload : {"not json", "", "{\"exp\":", "{\"org\":\"\xff\"}"}) {
    std::string token = TokenFromJson(payload);
    EXPECT_TRUE(Refused(Verify(token), token, "token payload is not valid JSON")) << payload;
  }
}

TEST_F(ClaimsTest, PayloadArrayInsteadOfObjectRefused) {
  for (const char* payload : {"[]", R"([{"org":"acme"}])", "\"x\"", "42", "null"}) {
    std::string token = TokenFromJson(payload);
    EXPECT_TRUE(Refused(Verify(token), token, "token payload is not a JSON object")) << payload;
  }
}

TEST_F(ClaimsTest, DuplicateClaimRefused) {
  std::string token = TokenFromJson(
      absl::StrCat(R"({"org":"acme","exp":)", kNow + 60, R"(,"exp":)", kNow - 9999, "}"));
  EXPECT_TRUE(Refused(Verify(token), token, "token payload has a member twice"));
  std::string escaped = TokenFromJson(
      absl::StrCat(R"({"org":"acme","exp":)", kNow + 60, R"(,"e\u0078p":)", kNow - 9999, "}"));
  EXPECT_TRUE(Refused(Verify(escaped), escaped, "token payload has a member twice"));
}

}  // namespace
}  // namespace readside::auth
