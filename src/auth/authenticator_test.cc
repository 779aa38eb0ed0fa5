#include "auth/authenticator.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auth/principal_cache.h"
#include "auth/test_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace readside::auth {
namespace {

using ::testing::HasSubstr;
using testkit::kNow;
using testkit::kSecret;

constexpr std::string_view kNewSecret = "the rotated secret, also thirty-two bytes or more";

TokenClaims Claims(int64_t expires_at = kNow + 600) {
  return {.subject = "user-1",
          .organizations = {"acme"},
          .roles = {"viewer"},
          .issued_at = kNow - 10,
          .expires_at = expires_at};
}

std::string Bearer(const std::string& token) { return absl::StrCat("Bearer ", token); }

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_file_ = dir_.Write("secret", absl::StrCat(kSecret, "\n"));
    auto auth = Authenticator::Create({.secret_file = secret_file_}, {}, cache_entries_);
    ASSERT_TRUE(auth.ok()) << auth.status();
    auth_ = std::move(*auth);
    token_ = *SignHs256(Claims(), kSecret);
  }
  absl::StatusOr<std::shared_ptr<const Principal>> Auth(std::string_view header,
                                                        int64_t now = kNow) {
    return auth_->Authenticate(header, now);
  }
  std::string Reason(std::string_view header, int64_t now = kNow) {
    auto result = Auth(header, now);
    if (result.ok()) return "(accepted)";
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
    return std::string(result.status().message());
  }

  testkit::TempDir dir_;
  std::string secret_file_;
  size_t cache_entries_ = 1000;
  std::unique_ptr<Authenticator> auth_;
  std::string token_;
};

TEST(AuthenticatorCreateTest, NoKeysConfiguredFails) {
  auto auth = Authenticator::Create({}, {});
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.status().message(),
            "no token keys configured: give --jwt-secret-file, --jwt-public-key-file or "
            "--jwks-file");
}

TEST(AuthenticatorCreateTest, BadKeyFileFails) {
  testkit::TempDir dir;
  auto auth = Authenticator::Create({.secret_file = dir.Write("s", "short")}, {});
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AuthenticatorTest, BearerTokenAccepted) {
  auto p = Auth(Bearer(token_));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->subject, "user-1");
  EXPECT_TRUE((*p)->HasOrganization("acme"));
}

TEST_F(AuthenticatorTest, SchemeIsCaseInsensitive) {
  for (const char* scheme : {"bearer ", "BEARER ", "BeArEr "}) {
    EXPECT_TRUE(Auth(absl::StrCat(scheme, token_)).ok()) << scheme;
  }
}

TEST_F(AuthenticatorTest, MissingHeaderOrTokenRefused) {
  EXPECT_EQ(Reason(""), "missing bearer token");
  EXPECT_EQ(Reason("   "), "missing bearer token");
  EXPECT_EQ(Reason("Bearer"), "missing bearer token");
  EXPECT_EQ(Reason("Bearer "), "missing bearer token");
}

TEST_F(AuthenticatorTest, OtherSchemeRefused) {
  EXPECT_EQ(Reason("Basic dXNlcjpwYXNz"), "authorization scheme is not Bearer");
  EXPECT_EQ(Reason(token_), "authorization scheme is not Bearer");
  EXPECT_EQ(Reason(absl::StrCat("Bearer:", token_)), "authorization scheme is not Bearer");
}

TEST_F(AuthenticatorTest, ExactlyOneTokenRequired) {
  EXPECT_EQ(Reason(absl::StrCat("Bearer  ", token_)), "authorization must be 'Bearer <token>'");
  EXPECT_EQ(Reason(absl::StrCat("Bearer ", token_, " ", token_)),
            "authorization must be 'Bearer <token>'");
  EXPECT_EQ(Reason(absl::StrCat("Bearer\t", token_)), "authorization scheme is not Bearer");
}

TEST_F(AuthenticatorTest, BadTokenRefusedWithItsReason) {
  EXPECT_EQ(Reason("Bearer abc"), "token is not header.payload.signature");
  std::string forged = *SignHs256(Claims(), "a different secret that is long enough!!");
  EXPECT_EQ(Reason(Bearer(forged)), "signature does not verify");
}

TEST_F(AuthenticatorTest, RepeatedTokenReturnsTheCachedPrincipal) {
  auto first = Auth(Bearer(token_));
  auto second = Auth(Bearer(token_), kNow + 100);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  auto other = Auth(Bearer(*SignHs256(Claims(kNow + 601), kSecret)));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->get(), first->get());
}

TEST_F(AuthenticatorTest, ExpiredCachedTokenRefused) {
  ASSERT_TRUE(Auth(Bearer(token_)).ok());
  EXPECT_TRUE(Auth(Bearer(token_), kNow + 630).ok());  // exp + leeway
  EXPECT_EQ(Reason(Bearer(token_), kNow + 631), "token expired");
}

// The clock stepping back and forth (an NTP correction, a VM resumed): a token is judged by
// the clock each time, with the leeway, whether it was verified before or not. A token
// verified while valid is refused once the clock is back before its nbf (or iat), and
// accepted again when the clock returns; past exp it is refused.
TEST_F(AuthenticatorTest, ClockJumpsAreJudgedAgainWithTheLeewayEvenForRememberedTokens) {
  std::string token = *SignHs256({.organizations = {"acme"},
                                  .issued_at = kNow - 10,
                                  .expires_at = kNow + 600,
                                  .not_before = kNow},
                                 kSecret);
  ASSERT_TRUE(Auth(Bearer(token), kNow).ok());
  ASSERT_TRUE(Auth(Bearer(token), kNow).ok());      // remembered (thread memo and cache)
  EXPECT_TRUE(Auth(Bearer(token), kNow - 30).ok());  // back within the leeway
  EXPECT_EQ(Reason(Bearer(token), kNow - 31), "token not yet valid");
  EXPECT_EQ(Reason(Bearer(token), kNow - 3600), "token not yet valid");
  EXPECT_TRUE(Auth(Bearer(token), kNow + 1).ok());      // the clock is right again
  EXPECT_TRUE(Auth(Bearer(token), kNow + 630).ok());    // forward: exp + leeway
  EXPECT_EQ(Reason(Bearer(token), kNow + 631), "token expired");
  EXPECT_EQ(Reason(Bearer(token), kNow + 86400), "token expired");
  EXPECT_TRUE(Auth(Bearer(token), kNow + 5).ok());  // and back inside its window
  // A token with a future iat (and no nbf) likewise.
  std::string issued = *SignHs256(
      {.organizations = {"acme"}, .issued_at = kNow, .expires_at = kNow + 600}, kSecret);
  ASSERT_TRUE(Auth(Bearer(issued), kNow).ok());
  EXPECT_EQ(Reason(Bearer(issued), kNow - 31), "token not yet valid");
}

TEST_F(AuthenticatorTest, FailuresAreNotCached) {
  // A token that is not yet valid fails, then succeeds once its time comes.
  std::string later = *SignHs256(
      {.organizations = {"acme"}, .issued_at = kNow + 100, .expires_at = kNow + 600}, kSecret);
  EXPECT_EQ(Reason(Bearer(later)), "token not yet valid");
  EXPECT_TRUE(Auth(Bearer(later), kNow + 100).ok());
}

TEST_F(AuthenticatorTest, ReloadWithChangedSecretSwitchesKeys) {
  auto cached = Auth(Bearer(token_));
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(auth_->generation(), 0u);
  dir_.Write("secret", kNewSecret);
  ASSERT_TRUE(auth_->Reload().ok());
  EXPECT_EQ(auth_->generation(), 1u);
  // The old token fails even though its principal was cached.
  EXPECT_EQ(Reason(Bearer(token_)), "signature does not verify");
  auto fresh = Auth(Bearer(*SignHs256(Claims(), kNewSecret)));
  EXPECT_TRUE(fresh.ok()) << fresh.status();
}

TEST_F(AuthenticatorTest, ReloadWithBrokenFileKeepsOldKeys) {
  ASSERT_TRUE(Auth(Bearer(token_)).ok());
  dir_.Write("secret", "short\n");
  absl::Status s = auth_->Reload();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(secret_file_));
  EXPECT_EQ(auth_->generation(), 0u);
  EXPECT_TRUE(Auth(Bearer(token_)).ok());
  EXPECT_TRUE(Auth(Bearer(*SignHs256(Claims(kNow + 1), kSecret))).ok());  // not cached: verified
}

TEST_F(AuthenticatorTest, ReloadWithUnchangedKeysStillAccepts) {
  auto before = Auth(Bearer(token_));
  ASSERT_TRUE(auth_->Reload().ok());
  auto after = Auth(Bearer(token_));
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(before->get(), after->get());  // the cache was emptied; verified again
}

TEST(AuthenticatorCacheTest, ZeroEntriesDisablesTheCache) {
  testkit::TempDir dir;
  auto auth = Authenticator::Create({.secret_file = dir.Write("s", kSecret)}, {}, 0);
  ASSERT_TRUE(auth.ok());
  std::string header = Bearer(*SignHs256(Claims(), kSecret));
  auto first = (*auth)->Authenticate(header, kNow);
  auto second = (*auth)->Authenticate(header, kNow);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->get(), second->get());
}

TEST(AuthenticatorConcurrencyTest, AuthenticateWhileReloading) {
  testkit::TempDir dir;
  auto auth = Authenticator::Create({.secret_file = dir.Write("s", kSecret)}, {}, 64);
  ASSERT_TRUE(auth.ok());
  std::vector<std::string> headers;
  headers.reserve(100);
  for (int i = 0; i < 100; ++i) headers.push_back(Bearer(*SignHs256(Claims(kNow + i), kSecret)));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = t; i < headers.size(); ++i) {
          if (!(*auth)->Authenticate(headers[i], kNow).ok()) failures.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*auth)->Reload().ok());
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*auth)->generation(), 20u);
}

// --- PrincipalCache ---

std::shared_ptr<const Principal> PrincipalExpiringAt(int64_t exp) {
  auto p = std::make_shared<Principal>();
  p->expires_at = exp;
  return p;
}

TEST(PrincipalCacheTest, ServesOnlyTheSameGenerationUntilExpiry) {
  PrincipalCache cache(100, 30);
  auto p = PrincipalExpiringAt(kNow);
  cache.Insert("t", 3, p, kNow);
  EXPECT_EQ(cache.Lookup("t", 3, kNow + 30), p);
  EXPECT_EQ(cache.Lookup("t", 4, kNow), nullptr);
  EXPECT_EQ(cache.size(), 0u);  // the stale entry was dropped
  cache.Insert("t", 3, p, kNow);
  EXPECT_EQ(cache.Lookup("t", 3, kNow + 31), nullptr);
  EXPECT_EQ(cache.Lookup("u", 3, kNow), nullptr);
}

TEST(PrincipalCacheTest, AnEntryIsNotServedBeforeItsValidFromLessTheLeeway) {
  PrincipalCache cache(100, 30);
  auto p = std::make_shared<Principal>();
  p->expires_at = kNow + 600;
  p->valid_from = kNow;
  cache.Insert("t", 1, p, kNow);
  EXPECT_EQ(cache.Lookup("t", 1, kNow - 30), p);
  EXPECT_EQ(cache.Lookup("t", 1, kNow - 31), nullptr);  // dropped: verified again, refused
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PrincipalCacheTest, StaysWithinItsBound) {
  PrincipalCache cache(160, 0);
  for (int i = 0; i < 10'000; ++i) {
    cache.Insert(absl::StrCat("token-", i), 1, PrincipalExpiringAt(kNow + 100), kNow);
    ASSERT_LE(cache.size(), 160u);
  }
  EXPECT_GT(cache.size(), 0u);
}

TEST(PrincipalCacheTest, KeepsEverythingBelowItsBoundAndClears) {
  PrincipalCache cache(100'000, 0);
  for (int i = 0; i < 1000; ++i) {
    cache.Insert(absl::StrCat("token-", i), 1, PrincipalExpiringAt(kNow + 100), kNow);
  }
  EXPECT_EQ(cache.size(), 1000u);
  EXPECT_NE(cache.Lookup("token-999", 1, kNow), nullptr);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PrincipalCacheTest, ZeroCapacityHoldsNothing) {
  PrincipalCache cache(0, 30);
  cache.Insert("t", 1, PrincipalExpiringAt(kNow), kNow);
  EXPECT_EQ(cache.Lookup("t", 1, kNow), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace readside::auth
