#include "auth/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/absl_view.h"
#include "auth/base64url.h"
#include "gtest/gtest.h"

namespace readside::auth::testkit {

namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test_keys: %s failed\n", what);
    std::abort();
  }
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Pem(EVP_PKEY* pkey, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  Require(bio != nullptr, "BIO_new");
  int ok = private_key ? PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr)
                       : PEM_write_bio_PUBKEY(bio, pkey);
  Require(ok == 1, "PEM_write");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, len);
  BIO_free(bio);
  return out;
}

TestKey Wrap(EVP_PKEY* pkey) {
  Require(pkey != nullptr, "key generation");
  TestKey key;
  key.pkey = std::shared_ptr<evp_pkey_st>(pkey, EVP_PKEY_free);
  key.public_pem = Pem(pkey, false);
  key.private_pem = Pem(pkey, true);
  return key;
}

// A big-number parameter as unsigned big-endian bytes, left-padded to `width` when non-zero.
std::string BnParam(const TestKey& key, const char* name, int width = 0) {
  BIGNUM* bn = nullptr;
  Require(EVP_PKEY_get_bn_param(key.pkey.get(), name, &bn) == 1, name);
  int len = width > 0 ? width : BN_num_bytes(bn);
  std::string out(len, '\0');
  Require(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len) == len, "bn2bin");
  BN_free(bn);
  return out;
}

std::string DigestSign(const TestKey& key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  Require(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) == 1,
          "DigestSignInit");
  Require(EVP_DigestSign(ctx, nullptr, &len, Bytes(input), input.size()) == 1, "DigestSign");
  std::string out(len, '\0');
  Require(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, Bytes(input),
                         input.size()) == 1,
          "DigestSign");
  out.resize(len);
  EVP_MD_CTX_free(ctx);
  return out;
}

bool DigestVerify(const TestKey& key, std::string_view input, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) == 1 &&
      EVP_DigestVerify(ctx, Bytes(signature), signature.size(), Bytes(input), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

TestKey GenerateRsa(int bits) { return Wrap(EVP_RSA_gen(static_cast<unsigned>(bits))); }

TestKey GenerateEc(const char* curve) { return Wrap(EVP_EC_gen(curve)); }

const TestKey& Rsa() {
  static const TestKey* key = new TestKey(GenerateRsa(2048));
  return *key;
}
const TestKey& OtherRsa() {
  static const TestKey* key = new TestKey(GenerateRsa(2048));
  return *key;
}
const TestKey& Ec() {
  static const TestKey* key = new TestKey(GenerateEc("P-256"));
  return *key;
}
const TestKey& OtherEc() {
  static const TestKey* key = new TestKey(GenerateEc("P-256"));
  return *key;
}

std::string RsaJwk(const TestKey& key, const std::string& kid, const std::string& extra) {
  return absl::StrCat(R"({"kty":"RSA","kid":")", kid, R"(","n":")",
                      Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_N)), R"(","e":")",
                      Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_E)), "\"", extra, "}");
}

std::string EcJwk(const TestKey& key, const std::string& kid, const std::string& extra) {
  return absl::StrCat(R"({"kty":"EC","crv":"P-256","kid":")", kid, R"(","x":")",
                      Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)), R"(","y":")",
                      Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)), "\"", extra,
                      "}");
}

std::string OctJwk(std::string_view secret, const std::string& kid, const std::string& extra) {
  return absl::StrCat(R"({"kty":"oct","kid":")", kid, R"(","k":")", Base64UrlEncode(secret), "\"",
                      extra, "}");
}

std::string HmacSha256(std::string_view secret, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  Require(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), Bytes(input),
               input.size(), mac, &len) != nullptr,
          "HMAC");
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string RsaSign(const TestKey& key, std::string_view input) { return DigestSign(key, input); }

std::string EcSignDer(const TestKey& key, std::string_view input) { return DigestSign(key, input); }

std::string EcSignRaw(const TestKey& key, std::string_view input) {
  std::string der = DigestSign(key, input);
  const unsigned char* p = Bytes(der);
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, der.size());
  Require(sig != nullptr, "d2i_ECDSA_SIG");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

bool RsaVerify(const TestKey& key, std::string_view input, std::string_view signature) {
  return DigestVerify(key, input, signature);
}

bool EcVerifyRaw(const TestKey& key, std::string_view input, std::string_view signature) {
  if (signature.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(Bytes(signature), 32, nullptr),
                 BN_bin2bn(Bytes(signature) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  bool ok = DigestVerify(key, input, std::string_view(reinterpret_cast<char*>(der), len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return ok;
}

Signer HsSigner(std::string secret) {
  return [secret](std::string_view input) { return HmacSha256(secret, input); };
}
Signer RsSigner(const TestKey& key) {
  return [&key](std::string_view input) { return RsaSign(key, input); };
}
Signer EsSigner(const TestKey& key) {
  return [&key](std::string_view input) { return EcSignRaw(key, input); };
}

std::string MakeToken(std::string_view header_json, std::string_view payload_json,
                      const Signer& sign) {
  std::string input =
      absl::StrCat(Base64UrlEncode(header_json), ".", Base64UrlEncode(payload_json));
  return absl::StrCat(input, ".", Base64UrlEncode(sign(input)));
}

Members BaseClaims() {
  return {{"sub", R"("user-1")"},
          {"org", R"("acme")"},
          {"roles", R"(["viewer"])"},
          {"iat", std::to_string(kNow - 10)},
          {"exp", std::to_string(kNow + 600)}};
}

std::string ToJson(const Members& members) {
  std::string out = "{";
  for (const auto& [key, value] : members) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", "\"", key, "\":", value);
  }
  return out + "}";
}

std::string Header(const std::string& alg, const std::string& kid) {
  Members h = {{"alg", absl::StrCat("\"", alg, "\"")}, {"typ", R"("JWT")"}};
  if (!kid.empty()) h["kid"] = absl::StrCat("\"", kid, "\"");
  return ToJson(h);
}

::testing::AssertionResult Refused(const absl::StatusOr<Principal>& result, std::string_view token,
                                   std::string_view reason) {
  if (result.ok()) return ::testing::AssertionFailure() << "accepted; wanted: " << reason;
  const absl::Status& s = result.status();
  if (s.code() != absl::StatusCode::kUnauthenticated ||
      !absl::StrContains(s.message(), View(reason))) {
    return ::testing::AssertionFailure() << "refused with " << s << "; wanted: " << reason;
  }
  for (absl::string_view part : absl::StrSplit(View(token), '.')) {
    if (part.size() >= 6 && absl::StrContains(s.message(), part)) {
      return ::testing::AssertionFailure() << "the reason quotes the token: " << s.message();
    }
  }
  return ::testing::AssertionSuccess();
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::path(::testing::TempDir()) / "auth_test.XXXXXX");
  Require(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Write(std::string_view name, std::string_view content) const {
  std::string file = (std::filesystem::path(path_) / name).string();
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  Require(out.good(), "writing a temp file");
  return file;
}

}  // namespace readside::auth::testkit
