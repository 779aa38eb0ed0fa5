#pragma once
// Test-only: the real Authenticator over an HS256 test secret, and bearer tokens minted for it
// with the production signer (auth::SignHs256), for the tests of the Gate and the access
// policy. Tokens are issued at testkit::kNow - 10; a ManualClock at kNowMicros accepts them.
// Thread-safety: const members are safe from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "auth/test_keys.h"
#include "http/request.h"

namespace readside::http::testing {

inline constexpr int64_t kNow = auth::testkit::kNow;  // seconds since the epoch
inline constexpr int64_t kNowMicros = kNow * 1'000'000;

struct TokenSpec {
  std::vector<std::string> orgs;  // one → `org`, several (or "*") → `orgs`
  std::vector<std::string> roles;
  std::string subject = "user-1";
  int64_t expires_at = kNow + 600;
};

class TestTokens {
 public:
  TestTokens();  // writes the secret file and creates the Authenticator (CHECKs on failure)

  const auth::Authenticator* authenticator() const { return authenticator_.get(); }
  // A signed compact JWS for `spec`.
  std::string Token(const TokenSpec& spec) const;
  // "Bearer " + Token(spec): an Authorization header value.
  std::string Bearer(const TokenSpec& spec) const;
  // The Principal the Authenticator makes of Token(spec) at kNow.
  std::shared_ptr<const auth::Principal> Principal(const TokenSpec& spec) const;

 private:
  auth::testkit::TempDir dir_;
  std::unique_ptr<auth::Authenticator> authenticator_;
};

// A request for `path_and_query` ("/p?a=b&c=d", nothing escaped): path and query split.
Request RequestFor(std::string method, const std::string& path_and_query);
// Hands `req` to `handler` (a Gate or Router's Handle) and waits up to 20 s for its answer
// (a gtest failure and an empty 0-status Response when none comes).
Response AnswerOf(const std::function<void(Request&, Responder)>& handler, Request req);

}  // namespace readside::http::testing
