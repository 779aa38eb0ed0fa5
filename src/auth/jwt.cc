#include "auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "auth/absl_view.h"
#include "auth/base64url.h"
#include "auth/claims.h"
#include "auth/key.h"

namespace readside::auth {

namespace {

constexpr size_t kMaxTokenBytes = size_t{16} * 1024;
constexpr size_t kHmacSha256Bytes = 32;
constexpr size_t kP256CoordinateBytes = 32;

absl::Status Reject(std::string_view reason) { return absl::UnauthenticatedError(View(reason)); }

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::optional<std::string> HmacSha256(std::string_view secret, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                Bytes(input), input.size(), mac, sizeof mac, &len) == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(mac), len);
}

// The JWS ES256 signature is r || s, each 32 bytes big-endian (RFC 7518 §3.4); OpenSSL speaks
// DER. Any other length is refused rather than guessed at.
std::optional<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), kP256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + kP256CoordinateBytes, kP256CoordinateBytes, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), len);
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> EcdsaDerToRaw(std::string_view der) {
  const unsigned char* p = Bytes(der);
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(d2i_ECDSA_SIG(nullptr, &p, der.size()));
  if (!sig) return std::nullopt;
  std::string raw(2 * kP256CoordinateBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kP256CoordinateBytes) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kP256CoordinateBytes, kP256CoordinateBytes) <
          0) {
    return std::nullopt;
  }
  return raw;
}

// Prepares `ctx` for SHA-256 signing or verification with `pkey`, PKCS #1 v1.5 for RSA.
bool InitDigest(EVP_MD_CTX* ctx, EVP_PKEY* pkey, bool sign) {
  EVP_PKEY_CTX* pctx = nullptr;
  int ok = sign ? EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, pkey)
                : EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, pkey);
  if (ok != 1) return false;
  return !EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
}

bool DigestVerify(EVP_PKEY* pkey, std::string_view input, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  bool ok = ctx && InitDigest(ctx.get(), pkey, /*sign=*/false) &&
            EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(input),
                             input.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::optional<std::string> DigestSign(EVP_PKEY* pkey, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  std::string out;
  bool ok = ctx && InitDigest(ctx.get(), pkey, /*sign=*/true) &&
            EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(input), input.size()) == 1;
  if (ok) {
    out.resize(len);
    ok = EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, Bytes(input),
                        input.size()) == 1;
    out.resize(len);
  }
  ERR_clear_error();
  if (!ok) return std::nullopt;
  return out;
}

// Whether `signature` is `key`'s signature of `input` under the key's own algorithm.
bool VerifySignature(const KeySet::Key& key, std::string_view input, std::string_view signature) {
  switch (key.algorithm) {
    case Algorithm::kHS256: {
      std::optional<std::string> mac = HmacSha256(key.secret, input);
      return mac && mac->size() == kHmacSha256Bytes && signature.size() == kHmacSha256Bytes &&
             CRYPTO_memcmp(mac->data(), signature.data(), kHmacSha256Bytes) == 0;
    }
    case Algorithm::kRS256:
      return signature.size() == static_cast<size_t>(EVP_PKEY_get_size(key.public_key.get())) &&
             DigestVerify(key.public_key.get(), input, signature);
    case Algorithm::kES256: {
      std::optional<std::string> der = EcdsaRawToDer(signature);
      return der && DigestVerify(key.public_key.get(), input, *der);
    }
  }
  return false;
}

// The configured key that may verify a token with this header. The header's alg only picks
// among keys; a key is never used with an algorithm other than its own.
absl::StatusOr<const KeySet::Key*> SelectKey(const KeySet& keys, const JoseHeader& header) {
  const KeySet::Key* chosen = nullptr;
  if (header.kid) {
    for (const auto& key : keys.keys()) {
      if (!key->kid.empty() && key->kid == *header.kid) chosen = key.get();
    }
    if (chosen == nullptr) return Reject("unknown key id");
    if (chosen->algorithm != header.algorithm) {
      return Reject("token algorithm does not match its key");
    }
    return chosen;
  }
  for (const auto& key : keys.keys()) {
    if (key->algorithm != header.algorithm) continue;
    if (chosen != nullptr) return Reject("token needs a kid");
    chosen = key.get();
  }
  if (chosen == nullptr) {
    return Reject(
        absl::StrCat("algorithm ", View(AlgorithmName(header.algorithm)), " is not configured"));
  }
  return chosen;
}

struct DecodedToken {
  std::string_view signing_input;  // header.payload, as signed
  std::string header, payload, signature;
};

absl::StatusOr<DecodedToken> Decode(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return Reject("token is too large");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Reject("token is not header.payload.signature");
  }
  DecodedToken out;
  out.signing_input = token.substr(0, dot2);
  std::optional<std::string> header = Base64UrlDecode(token.substr(0, dot1));
  std::optional<std::string> payload = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  std::optional<std::string> signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return Reject("token is not valid base64url");
  out.header = std::move(*header);
  out.payload = std::move(*payload);
  out.signature = std::move(*signature);
  return out;
}

std::string SigningInput(Algorithm alg, std::string_view kid, const std::string& claims_json) {
  return absl::StrCat(Base64UrlEncode(HeaderJson(alg, kid)), ".", Base64UrlEncode(claims_json));
}

}  // namespace

std::string_view AlgorithmName(Algorithm alg) {
  switch (alg) {
    case Algorithm::kHS256:
      return "HS256";
    case Algorithm::kRS256:
      return "RS256";
    case Algorithm::kES256:
      return "ES256";
  }
  return "?";
}

bool Principal::HasOrganization(std::string_view org) const {
  return all_organizations || std::binary_search(organizations.begin(), organizations.end(), org);
}

bool Principal::HasRole(std::string_view role) const {
  return std::binary_search(roles.begin(), roles.end(), role);
}

absl::StatusOr<Principal> VerifyToken(std::string_view token, const KeySet& keys,
                                      const VerifyOptions& options, int64_t now_seconds) {
  absl::StatusOr<DecodedToken> decoded = Decode(token);
  if (!decoded.ok()) return decoded.status();
  absl::StatusOr<JoseHeader> header = ParseJoseHeader(decoded->header);
  if (!header.ok()) return header.status();
  absl::StatusOr<const KeySet::Key*> key = SelectKey(keys, *header);
  if (!key.ok()) return key.status();
  if (decoded->signature.empty()) return Reject("token has no signature");
  // The claims are read only once the signature holds: a forged token learns nothing more.
  if (!VerifySignature(**key, decoded->signing_input, decoded->signature)) {
    return Reject("signature does not verify");
  }
  return ParseClaims(decoded->payload, options, now_seconds);
}

absl::StatusOr<std::string> SignHs256(const TokenClaims& claims, std::string_view secret,
                                      std::string_view kid) {
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("an HS256 secret needs at least ", kMinSecretBytes, " bytes"));
  }
  absl::StatusOr<std::string> json = ClaimsJson(claims);
  if (!json.ok()) return json.status();
  std::string input = SigningInput(Algorithm::kHS256, kid, *json);
  std::optional<std::string> mac = HmacSha256(secret, input);
  if (!mac) return absl::InternalError("HMAC-SHA256 failed");
  return absl::StrCat(input, ".", Base64UrlEncode(*mac));
}

absl::StatusOr<std::string> SignWithPrivateKey(const TokenClaims& claims,
                                               std::string_view private_key_pem,
                                               std::string_view kid) {
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  // No passphrase callback: an encrypted key fails instead of prompting on the terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return -1; };
  PkeyPtr pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  ERR_clear_error();
  if (!pkey) return absl::InvalidArgumentError("not a PEM private key (or an encrypted one)");
  absl::StatusOr<Algorithm> alg = AlgorithmForKey(pkey.get());
  if (!alg.ok()) return alg.status();
  absl::StatusOr<std::string> json = ClaimsJson(claims);
  if (!json.ok()) return json.status();
  std::string input = SigningInput(*alg, kid, *json);
  std::optional<std::string> signature = DigestSign(pkey.get(), input);
  if (signature && *alg == Algorithm::kES256) signature = EcdsaDerToRaw(*signature);
  if (!signature) {
    return absl::InternalError(absl::StrCat(View(AlgorithmName(*alg)), " signing failed"));
  }
  return absl::StrCat(input, ".", Base64UrlEncode(*signature));
}

}  // namespace readside::auth
