#include "http/test_tokens.h"

#include <cstdio>
#include <cstdlib>

#include "auth/jwt.h"

namespace readside::http::testing {
namespace {

void Require(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "test_tokens: %s\n", what.c_str());
  std::abort();
}

}  // namespace

TestTokens::TestTokens() {
  std::string secret_file = dir_.Write("secret", std::string(auth::testkit::kSecret) + "\n");
  auto authenticator = auth::Authenticator::Create({.secret_file = secret_file}, {});
  Require(authenticator.ok(), authenticator.status().ToString());
  authenticator_ = std::move(*authenticator);
}

std::string TestTokens::Token(const TokenSpec& spec) const {
  absl::StatusOr<std::string> token = auth::SignHs256({.subject = spec.subject,
                                                       .organizations = spec.orgs,
                                                       .roles = spec.roles,
                                                       .issued_at = kNow - 10,
                                                       .expires_at = spec.expires_at},
                                                      auth::testkit::kSecret);
  Require(token.ok(), token.status().ToString());
  return *token;
}

std::string TestTokens::Bearer(const TokenSpec& spec) const { return "Bearer " + Token(spec); }

std::shared_ptr<const auth::Principal> TestTokens::Principal(const TokenSpec& spec) const {
  auto principal = authenticator_->Authenticate(Bearer(spec), kNow);
  Require(principal.ok(), principal.status().ToString());
  return *principal;
}

}  // namespace readside::http::testing
