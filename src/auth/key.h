#pragma once
// Inside the auth library only: what a configured key is, shared by keys.cc (which makes
// them) and jwt.cc (which verifies with them). OpenSSL's EVP_PKEY is only forward-declared
// here so that including this header does not pull in OpenSSL.
// Thread-safety: a Key is immutable once its KeySet is built; EVP_PKEY may be used for
// verification from several threads at once.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "auth/jwt.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace readside::auth {

struct PkeyDeleter {
  void operator()(evp_pkey_st* pkey) const;  // EVP_PKEY_free
};
using PkeyPtr = std::unique_ptr<evp_pkey_st, PkeyDeleter>;

struct KeySet::Key {
  ~Key();  // wipes the secret

  Algorithm algorithm = Algorithm::kHS256;  // the only algorithm this key verifies
  std::string kid;                          // "" = none
  std::string secret;                       // kHS256
  PkeyPtr public_key;                       // kRS256 (RSA ≥ 2048 bits), kES256 (EC P-256)
  std::string source;                       // the file it came from, for messages
};

// The one algorithm a public or private key may be used with: RS256 for RSA of at least
// kMinRsaBits, ES256 for EC P-256. InvalidArgument naming the problem for anything else.
absl::StatusOr<Algorithm> AlgorithmForKey(evp_pkey_st* pkey);

// Smallest accepted HS256 secret: RFC 7518 §3.2 asks for a key of at least the hash size.
inline constexpr size_t kMinSecretBytes = 32;
// Smallest accepted RSA modulus.
inline constexpr int kMinRsaBits = 2048;

}  // namespace readside::auth
