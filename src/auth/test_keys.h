#pragma once
// Test-only: keys, key files and signed tokens made with OpenSSL directly, independently of the
// code under test, so a test can craft any header, payload or signature an attacker could.
// Thread-safety: the shared keys are generated once (function-local statics); the rest is
// pure.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/jwt.h"
#include "gtest/gtest.h"

struct evp_pkey_st;

namespace readside::auth::testkit {

struct TestKey {
  std::shared_ptr<evp_pkey_st> pkey;
  std::string public_pem;
  std::string private_pem;
};

TestKey GenerateRsa(int bits);
TestKey GenerateEc(const char* curve);
// Made once per process: RSA keys are slow to generate.
const TestKey& Rsa();
const TestKey& OtherRsa();
const TestKey& Ec();
const TestKey& OtherEc();

// JWKs of the public halves. `extra` is appended inside the object (e.g. ,"alg":"RS256").
std::string RsaJwk(const TestKey& key, const std::string& kid, const std::string& extra = "");
std::string EcJwk(const TestKey& key, const std::string& kid, const std::string& extra = "");
std::string OctJwk(std::string_view secret, const std::string& kid, const std::string& extra = "");

// Signatures over arbitrary bytes.
std::string HmacSha256(std::string_view secret, std::string_view input);
std::string RsaSign(const TestKey& key, std::string_view input);    // PKCS #1 v1.5, SHA-256
std::string EcSignDer(const TestKey& key, std::string_view input);  // DER, as OpenSSL makes it
std::string EcSignRaw(const TestKey& key, std::string_view input);  // JWS r || s
bool RsaVerify(const TestKey& key, std::string_view input, std::string_view signature);
bool EcVerifyRaw(const TestKey& key, std::string_view input, std::string_view signature);

using Signer = std::function<std::string(std::string_view signing_input)>;
Signer HsSigner(std::string secret);
Signer RsSigner(const TestKey& key);
Signer EsSigner(const TestKey& key);

// base64url(header).base64url(payload).base64url(sign(first two)).
std::string MakeToken(std::string_view header_json, std::string_view payload_json,
                      const Signer& sign);

// --- Tokens from literal JSON ---

inline constexpr int64_t kNow = 1'700'000'000;
inline constexpr char kSecret[] = "an HS256 secret of at least thirty-two bytes";

// Object members as raw JSON values, written in key order.
using Members = std::map<std::string, std::string>;
// sub "user-1", org "acme", roles ["viewer"], iat kNow - 10, exp kNow + 600.
Members BaseClaims();
std::string ToJson(const Members& members);
// {"alg":alg,"typ":"JWT"[,"kid":kid]}
std::string Header(const std::string& alg, const std::string& kid = "");

// Success when `result` is Unauthenticated with a message containing `reason` that quotes no
// part of `token`.
::testing::AssertionResult Refused(const absl::StatusOr<Principal>& result, std::string_view token,
                                   std::string_view reason);

// A fresh directory, removed with its files when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes (or overwrites) `name` and returns its path.
  std::string Write(std::string_view name, std::string_view content) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace readside::auth::testkit
