// libFuzzer target: token verification must never crash, leak or misbehave on any bytes. The
// key set holds an HS256 secret (fixed, so seeds signed with it reach the claims), an RS256 and
// an ES256 key (made once per process). The input is tried three ways: as a whole token; as
// the payload, and as the header, of a token correctly MAC'ed with the secret, so that the
// header and claims readers see arbitrary JSON although no fuzzer can forge a signature.

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "auth/base64url.h"
#include "auth/jwt.h"

namespace {

using readside::auth::Base64UrlEncode;

constexpr char kSecret[] = "jwt_fuzz: a fixed HS256 secret of 32+ bytes";
constexpr int64_t kNow = 1'700'000'000;

std::string PublicPem(EVP_PKEY* pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, len);
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

std::string WriteFile(const std::string& dir, const char* name, const std::string& content) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::shared_ptr<const readside::auth::KeySet> MakeKeys() {
  char dir[] = "/tmp/jwt_fuzz.XXXXXX";
  if (mkdtemp(dir) == nullptr) std::abort();
  readside::auth::KeySources sources = {
      .secret_file = WriteFile(dir, "secret", kSecret),
      .public_key_files = {WriteFile(dir, "rsa.pem", PublicPem(EVP_RSA_gen(2048))),
                           WriteFile(dir, "ec.pem", PublicPem(EVP_EC_gen("P-256")))}};
  auto keys = readside::auth::KeySet::Load(sources);
  unlink(sources.secret_file.c_str());
  for (const std::string& f : sources.public_key_files) unlink(f.c_str());
  rmdir(dir);
  if (!keys.ok() || (*keys)->size() != 3) std::abort();
  return *keys;
}

std::string SignedWithSecret(std::string_view header_json, std::string_view payload_json) {
  std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret, sizeof kSecret - 1,
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + Base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), len));
}

// What VerifyToken promises about any principal it returns.
void CheckPrincipal(const absl::StatusOr<readside::auth::Principal>& p,
                    const readside::auth::VerifyOptions& options) {
  if (!p.ok()) {
    if (p.status().code() != absl::StatusCode::kUnauthenticated) std::abort();
    return;
  }
  auto sorted_unique = [](const std::vector<std::string>& v) {
    return std::is_sorted(v.begin(), v.end()) && std::adjacent_find(v.begin(), v.end()) == v.end();
  };
  if (!sorted_unique(p->organizations) || !sorted_unique(p->roles)) std::abort();
  if (p->organizations.empty() && !p->all_organizations) std::abort();
  if (kNow > p->expires_at + options.leeway_seconds) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto keys = MakeKeys();
  static const readside::auth::VerifyOptions options = {.issuer = "", .audience = "readside"};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckPrincipal(readside::auth::VerifyToken(input, *keys, options, kNow), options);
  CheckPrincipal(
      readside::auth::VerifyToken(SignedWithSecret(R"({"alg":"HS256","typ":"JWT"})", input), *keys,
                                  options, kNow),
      options);
  constexpr std::string_view kClaims = R"({"org":"acme","aud":"readside","exp":1700000600})";
  CheckPrincipal(
      readside::auth::VerifyToken(SignedWithSecret(input, kClaims), *keys, options, kNow), options);
  return 0;
}
