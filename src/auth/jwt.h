#pragma once
// JSON Web Tokens (RFC 7519) verified on OpenSSL's EVP primitives: HS256, RS256, ES256.
// libjwt is deliberately not used (Debian's 1.10 accepts an HS256 token MAC'ed with an RSA
// public key). Every key carries the one algorithm it may verify; the token's `alg` only
// selects among configured keys, never how a key is used.
// Only jwt.cc and keys.cc include OpenSSL.
// Thread-safety: KeySet is immutable after Load and safe to share; the free functions are
// reentrant.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace readside::auth {

enum class Algorithm { kHS256, kRS256, kES256 };
std::string_view AlgorithmName(Algorithm alg);  // "HS256", …

// Where keys come from (flags --jwt-secret-file, --jwt-public-key-file, --jwks-file).
struct KeySources {
  std::string secret_file;                    // HS256 secret (trailing newline ignored, ≥ 32 bytes)
  std::string secret_kid;                     // kid of that secret ("" = none)
  std::vector<std::string> public_key_files;  // PEM public keys: RSA (≥ 2048 bits) → RS256,
                                              // EC P-256 → ES256; kid = none
  std::vector<std::string> jwks_files;        // JWK Sets (RFC 7517) of RSA / EC P-256 / oct keys
  bool empty() const {
    return secret_file.empty() && public_key_files.empty() && jwks_files.empty();
  }
};

class KeySet {
 public:
  struct Key;  // defined in key.h (holds an EVP_PKEY or the secret bytes)
  // Reads every source. Errors name the file and the problem (unreadable, not a key, RSA key
  // below 2048 bits, unsupported curve, JWK without kty, two keys with the same kid, …).
  static absl::StatusOr<std::shared_ptr<const KeySet>> Load(const KeySources& sources);
  // For tests: an HS256-only set.
  static absl::StatusOr<std::shared_ptr<const KeySet>> FromSecret(std::string secret,
                                                                  std::string kid = "");
  ~KeySet();
  size_t size() const;
  const std::vector<std::unique_ptr<Key>>& keys() const { return keys_; }

 private:
  KeySet() = default;
  std::vector<std::unique_ptr<Key>> keys_;
};

// The authenticated caller, from the claims of a verified token.
struct Principal {
  std::string subject;                     // `sub` ("" when absent)
  bool all_organizations = false;          // `orgs` contains "*"
  std::vector<std::string> organizations;  // `org` or `orgs`, sorted, unique
  std::vector<std::string> roles;          // `roles`, sorted, unique
  int64_t expires_at = 0;                  // `exp`, seconds since the epoch
  // The later of `nbf` and `iat` rounded up (INT64_MIN without either): before it, less the
  // leeway, the token is not yet valid — a remembered principal too, when the clock steps back.
  int64_t valid_from = INT64_MIN;

  bool HasOrganization(std::string_view org) const;
  bool HasRole(std::string_view role) const;
};

struct VerifyOptions {
  std::string issuer;    // when set, `iss` must equal it (and be present)
  std::string audience;  // when set, `aud` (string or array) must contain it (and be present)
  int64_t leeway_seconds = 30;
};

// Verifies a compact JWS (header.payload.signature) and returns its principal, or
// Unauthenticated with a short reason fit for a 401 detail ("token expired", "signature does
// not verify", "algorithm none is not accepted", …) that never echoes the token.
// Rules: alg must be HS256/RS256/ES256 and match the chosen key's algorithm; a `kid` selects
// exactly that configured key; without `kid` the one configured key of that algorithm is used
// (several → 401 "token needs a kid"); `crit` is refused; `exp` is required; `nbf` and `iat`
// when present must not lie in the future beyond the leeway; iss/aud per options; `org`
// (string) or `orgs` (array of strings, "*" = all) is required; `roles` is an array of
// strings (absent = none).
absl::StatusOr<Principal> VerifyToken(std::string_view token, const KeySet& keys,
                                      const VerifyOptions& options, int64_t now_seconds);

// What a minted token says (the `token` command, the demo, tests).
struct TokenClaims {
  std::string subject;
  std::vector<std::string> organizations;  // one → `org`, else `orgs` ("*" allowed)
  std::vector<std::string> roles;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> not_before;
  std::string issuer;
  std::string audience;
};

// A key file's text (≤ 1 MiB); errors name the file.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path);
// The HS256 secret of a secret file exactly as the server reads it (one trailing newline
// dropped; a PEM block refused), so that tokens minted from the file verify.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// HS256 with a secret.
absl::StatusOr<std::string> SignHs256(const TokenClaims& claims, std::string_view secret,
                                      std::string_view kid = "");
// RS256 for an RSA private key, ES256 for an EC P-256 private key (PEM).
absl::StatusOr<std::string> SignWithPrivateKey(const TokenClaims& claims,
                                               std::string_view private_key_pem,
                                               std::string_view kid = "");

}  // namespace readside::auth
