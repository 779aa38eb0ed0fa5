// `readside token`: mints a bearer token for development, the demo and tests. Production
// tokens come from the organization's identity provider; this signs with a key the server
// is configured to accept (the HS256 secret file, or an RSA/EC private key whose public half
// the server has).

#include <charconv>
#include <cstdio>

#include "app/commands.h"
#include "auth/jwt.h"
#include "common/clock.h"

namespace readside::app {

absl::StatusOr<int64_t> ParseTtl(std::string_view ttl) {
  int64_t n = 0;
  auto r = std::from_chars(ttl.data(), ttl.data() + ttl.size(), n);
  std::string_view unit(r.ptr, static_cast<size_t>(ttl.data() + ttl.size() - r.ptr));
  int64_t scale = unit.empty() || unit == "s" ? 1
                  : unit == "m"               ? 60
                  : unit == "h"               ? 3600
                  : unit == "d"               ? 86400
                                              : 0;
  if (r.ec != std::errc() || r.ptr == ttl.data() || scale == 0 || n <= 0 ||
      n > 10 * 365 * 86400 / scale) {
    return absl::InvalidArgumentError(
        "--ttl must be a positive duration such as 900, 15m, 1h "
        "or 7d, got '" +
        std::string(ttl) + "'");
  }
  return n * scale;
}

absl::StatusOr<std::string> MintToken(const TokenOptions& o) {
  if (o.organizations.empty()) return absl::InvalidArgumentError("--org is required");
  if (o.secret_file.empty() == o.private_key_file.empty()) {
    return absl::InvalidArgumentError(
        "give exactly one of --secret-file (HS256) and --private-key-file (RS256/ES256)");
  }
  absl::StatusOr<int64_t> ttl = ParseTtl(o.ttl);
  if (!ttl.ok()) return ttl.status();
  int64_t now = SystemClock::Get().NowMicros() / 1'000'000;
  auth::TokenClaims claims{.subject = o.subject,
                           .organizations = o.organizations,
                           .roles = o.roles,
                           .issued_at = now,
                           .expires_at = now + *ttl,
                           .issuer = o.issuer,
                           .audience = o.audience};
  if (!o.secret_file.empty()) {
    absl::StatusOr<std::string> secret = auth::ReadSecretFile(o.secret_file);
    if (!secret.ok()) return secret.status();
    return auth::SignHs256(claims, *secret, o.kid);
  }
  absl::StatusOr<std::string> pem = auth::ReadKeyFile(o.private_key_file);
  if (!pem.ok()) return pem.status();
  return auth::SignWithPrivateKey(claims, *pem, o.kid);
}

int RunToken(const TokenOptions& options) {
  absl::StatusOr<std::string> token = MintToken(options);
  if (!token.ok()) {
    std::fprintf(stderr, "readside token: %s\n", std::string(token.status().message()).c_str());
    return 2;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}

}  // namespace readside::app
