#pragma once
// Inside the auth library: the JSON halves of a JWS. Reads the JOSE header and the claims of
// a token into checked values, and writes them for a new token. No cryptography here; the
// reasons returned are the 401 details VerifyToken gives and never contain token text
// (except a registered JWS algorithm name).
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/jwt.h"

namespace readside::auth {

struct JoseHeader {
  Algorithm algorithm = Algorithm::kHS256;
  std::optional<std::string> kid;
};

// Unauthenticated with the reason unless `json` is an object with a supported `alg`, string
// `kid`/`typ` (typ "JWT" or "at+jwt"), no `crit` and no member twice.
absl::StatusOr<JoseHeader> ParseJoseHeader(std::string_view json);

// The principal named by the claims of a token whose signature verified, after the time,
// issuer and audience checks against `now_seconds`. Unauthenticated with the reason otherwise.
absl::StatusOr<Principal> ParseClaims(std::string_view json, const VerifyOptions& options,
                                      int64_t now_seconds);

// {"alg":…,"typ":"JWT"[,"kid":…]}
std::string HeaderJson(Algorithm alg, std::string_view kid);
// The claims object; InvalidArgument when the claims could not make a token VerifyToken
// accepts (no organization, an empty organization or role, invalid UTF-8).
absl::StatusOr<std::string> ClaimsJson(const TokenClaims& claims);

}  // namespace readside::auth
