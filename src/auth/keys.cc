// KeySet::Load: the HS256 secret file, PEM public keys and JWK Sets, each key pinned to the
// one algorithm its type allows.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/absl_view.h"
#include "auth/base64url.h"
#include "auth/jwt.h"
#include "auth/key.h"
#include "simdjson.h"

namespace readside::auth {

namespace {

using Key = KeySet::Key;
using KeyList = std::vector<std::unique_ptr<Key>>;

constexpr size_t kMaxKeyFileBytes = 1 << 20;
constexpr size_t kP256CoordinateBytes = 32;

struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

absl::string_view Part(std::string_view s) { return View(s); }
absl::string_view Part(absl::string_view s) { return s; }
absl::string_view Part(const std::string& s) { return s; }
absl::string_view Part(const char* s) { return s; }

// InvalidArgument with the concatenation of `parts` (strings of any kind).
template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(Part(parts)...));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Invalid("cannot read it: ", std::strerror(errno));
  std::string text(kMaxKeyFileBytes + 1, '\0');
  size_t n = std::fread(text.data(), 1, text.size(), f);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Invalid("cannot read it");
  if (n > kMaxKeyFileBytes) return Invalid("it is larger than 1 MiB");
  text.resize(n);
  return text;
}

// Prefixes a file's problem with what the file is and its path.
absl::Status InFile(std::string_view what, const std::string& path, const absl::Status& s) {
  return absl::InvalidArgumentError(absl::StrCat(View(what), " '", path, "': ", s.message()));
}

bool PassesPublicCheck(EVP_PKEY* pkey) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  bool ok = ctx && EVP_PKEY_public_check(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

// Wraps a public key after checking its type, size and (for EC) that the point is on the curve.
absl::StatusOr<std::unique_ptr<Key>> PublicKey(PkeyPtr pkey, std::string kid) {
  absl::StatusOr<Algorithm> alg = AlgorithmForKey(pkey.get());
  if (!alg.ok()) return alg.status();
  if (!PassesPublicCheck(pkey.get())) return Invalid("the public key is not valid");
  auto key = std::make_unique<Key>();
  key->algorithm = *alg;
  key->kid = std::move(kid);
  key->public_key = std::move(pkey);
  return key;
}

absl::StatusOr<std::unique_ptr<Key>> SecretKey(std::string secret, std::string kid) {
  if (secret.size() < kMinSecretBytes) {
    return Invalid(absl::StrCat("the secret is ", secret.size(), " bytes; HS256 needs at least ",
                                kMinSecretBytes));
  }
  auto key = std::make_unique<Key>();
  key->algorithm = Algorithm::kHS256;
  key->kid = std::move(kid);
  key->secret = std::move(secret);
  return key;
}

absl::StatusOr<std::unique_ptr<Key>> PublicKeyFromPem(std::string_view text) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  PkeyPtr pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (pkey) return PublicKey(std::move(pkey), "");
  if (absl::StrContains(View(text), "PRIVATE KEY-----")) {
    return Invalid("it holds a private key; give its public key (openssl pkey -pubout)");
  }
  if (absl::StrContains(View(text), "CERTIFICATE-----")) {
    return Invalid("it holds a certificate; give its public key (openssl x509 -pubkey -noout)");
  }
  return Invalid("it is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
}

// --- JWK (RFC 7517, RFC 7518 §6) ---

PkeyPtr FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    pkey = nullptr;
  }
  ERR_clear_error();
  return PkeyPtr(pkey);
}

// A required base64url member of a JWK, decoded.
absl::StatusOr<std::string> Member(simdjson::dom::object jwk, std::string_view name) {
  std::string_view text;
  if (jwk[name].get(text) != simdjson::SUCCESS) return Invalid("no string member ", name);
  std::optional<std::string> bytes = Base64UrlDecode(text);
  if (!bytes || bytes->empty()) return Invalid("member ", name, " is not base64url");
  return *bytes;
}

absl::StatusOr<PkeyPtr> RsaFromJwk(simdjson::dom::object jwk) {
  absl::StatusOr<std::string> n = Member(jwk, "n"), e = Member(jwk, "e");
  if (!n.ok()) return n.status();
  if (!e.ok()) return e.status();
  auto bytes = [](const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
  };
  BnPtr bn_n(BN_bin2bn(bytes(*n), n->size(), nullptr));
  BnPtr bn_e(BN_bin2bn(bytes(*e), e->size(), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return absl::InternalError("out of memory building an RSA key");
  }
  PkeyPtr pkey = FromParams("RSA", bld.get());
  if (!pkey) return Invalid("n and e do not make an RSA key");
  return pkey;
}

absl::StatusOr<PkeyPtr> EcFromJwk(simdjson::dom::object jwk) {
  std::string_view crv;
  if (jwk["crv"].get(crv) != simdjson::SUCCESS) return Invalid("no string member crv");
  if (crv != "P-256") return Invalid("curve ", crv, " is not supported (ES256 needs P-256)");
  absl::StatusOr<std::string> x = Member(jwk, "x"), y = Member(jwk, "y");
  if (!x.ok()) return x.status();
  if (!y.ok()) return y.status();
  if (x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return Invalid("x and y must be 32 bytes each");
  }
  std::string point = absl::StrCat("\x04", *x, *y);  // uncompressed SEC1 point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return absl::InternalError("out of memory building an EC key");
  }
  PkeyPtr pkey = FromParams("EC", bld.get());
  if (!pkey) return Invalid("x and y are not a point on P-256");
  return pkey;
}

std::optional<Algorithm> AlgorithmForKty(std::string_view kty) {
  if (kty == "RSA") return Algorithm::kRS256;
  if (kty == "EC") return Algorithm::kES256;
  if (kty == "oct") return Algorithm::kHS256;
  return std::nullopt;
}

// One JWK as a key, or nullptr for a key that is not for signatures (`use` other than "sig").
absl::StatusOr<std::unique_ptr<Key>> KeyFromJwk(simdjson::dom::object jwk, const std::string& kid) {
  std::string_view kty, use, alg;
  if (jwk["kty"].get(kty) != simdjson::SUCCESS) return Invalid("no string member kty");
  auto use_member = jwk["use"];
  if (use_member.error() == simdjson::SUCCESS) {
    if (use_member.get(use) != simdjson::SUCCESS) return Invalid("member use is not a string");
    if (use != "sig") return std::unique_ptr<Key>();
  }
  std::optional<Algorithm> pinned = AlgorithmForKty(kty);
  if (!pinned) return Invalid("kty ", kty, " is not supported (RSA, EC or oct)");
  const Algorithm expected = *pinned;
  auto alg_member = jwk["alg"];
  if (alg_member.error() == simdjson::SUCCESS &&
      (alg_member.get(alg) != simdjson::SUCCESS || alg != AlgorithmName(expected))) {
    return Invalid("alg does not match kty ", kty, " (it must be ", AlgorithmName(expected), ")");
  }
  if (expected == Algorithm::kHS256) {
    absl::StatusOr<std::string> k = Member(jwk, "k");
    if (!k.ok()) return k.status();
    return SecretKey(std::move(*k), kid);
  }
  absl::StatusOr<PkeyPtr> pkey = expected == Algorithm::kRS256 ? RsaFromJwk(jwk) : EcFromJwk(jwk);
  if (!pkey.ok()) return pkey.status();
  return PublicKey(std::move(*pkey), kid);
}

// Appends the signature keys of a JWK Set; a set with none is an error.
absl::Status AddJwks(std::string_view text, KeyList* keys) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  simdjson::dom::array list;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
    return Invalid("it is not a JSON object");
  }
  if (root["keys"].get(list) != simdjson::SUCCESS) return Invalid("it has no \"keys\" array");
  size_t index = 0, added = 0;
  for (simdjson::dom::element item : list) {
    std::string name = absl::StrCat("key #", index++);
    simdjson::dom::object jwk;
    if (item.get(jwk) != simdjson::SUCCESS) return Invalid(name, " is not an object");
    std::string_view kid;
    auto kid_member = jwk["kid"];
    if (kid_member.error() == simdjson::SUCCESS && kid_member.get(kid) != simdjson::SUCCESS) {
      return Invalid(name, ": kid is not a string");
    }
    if (!kid.empty()) name = absl::StrCat("key '", View(kid), "'");
    absl::StatusOr<std::unique_ptr<Key>> key = KeyFromJwk(jwk, std::string(kid));
    if (!key.ok()) return Invalid(name, ": ", key.status().message());
    if (*key == nullptr) continue;
    keys->push_back(std::move(*key));
    ++added;
  }
  if (added == 0) return Invalid("it has no signature keys");
  return absl::OkStatus();
}

// The secret in a secret file's text.
absl::StatusOr<std::string_view> SecretOfText(std::string_view text) {
  // A key file given as the secret would make its (public) bytes an HMAC key.
  if (absl::StrContains(View(text), "-----BEGIN ")) {
    return Invalid(
        "it holds a PEM block, not a secret; give public keys with "
        "--jwt-public-key-file");
  }
  // One trailing newline is the editor's, not the secret's.
  if (absl::EndsWith(View(text), "\n")) text.remove_suffix(1);
  if (absl::EndsWith(View(text), "\r")) text.remove_suffix(1);
  return text;
}

absl::Status AddSecret(std::string_view text, KeyList* keys) {
  absl::StatusOr<std::string_view> secret = SecretOfText(text);
  if (!secret.ok()) return secret.status();
  absl::StatusOr<std::unique_ptr<Key>> key = SecretKey(std::string(*secret), "");
  if (!key.ok()) return key.status();
  keys->push_back(std::move(*key));
  return absl::OkStatus();
}

absl::Status AddPem(std::string_view text, KeyList* keys) {
  absl::StatusOr<std::unique_ptr<Key>> key = PublicKeyFromPem(text);
  if (!key.ok()) return key.status();
  keys->push_back(std::move(*key));
  return absl::OkStatus();
}

// Reads one source file and appends its keys, each labelled with the file.
absl::Status AddFile(std::string_view what, const std::string& path,
                     absl::Status (*add)(std::string_view text, KeyList* keys), KeyList* keys) {
  absl::StatusOr<std::string> text = ReadFile(path);
  size_t first = keys->size();
  absl::Status s = text.ok() ? add(*text, keys) : text.status();
  if (text.ok()) OPENSSL_cleanse(text->data(), text->size());
  if (!s.ok()) return InFile(what, path, s);
  for (size_t i = first; i < keys->size(); ++i) (*keys)[i]->source = path;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return InFile("key file", path, text.status());
  return text;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return InFile("JWT secret file", path, text.status());
  absl::StatusOr<std::string_view> secret = SecretOfText(*text);
  if (!secret.ok()) return InFile("JWT secret file", path, secret.status());
  return std::string(*secret);
}

namespace {

absl::Status CheckUniqueKids(const KeyList& keys) {
  absl::flat_hash_map<std::string_view, const Key*> seen;
  for (const auto& key : keys) {
    if (key->kid.empty()) continue;
    auto [it, inserted] = seen.emplace(key->kid, key.get());
    if (!inserted) {
      return Invalid(absl::StrCat("two keys have kid '", key->kid, "' ('", it->second->source,
                                  "' and '", key->source, "')"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void PkeyDeleter::operator()(evp_pkey_st* pkey) const { EVP_PKEY_free(pkey); }

KeySet::Key::~Key() { OPENSSL_cleanse(secret.data(), secret.size()); }

absl::StatusOr<Algorithm> AlgorithmForKey(evp_pkey_st* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    int bits = EVP_PKEY_get_bits(pkey);
    if (bits < kMinRsaBits) {
      return Invalid(
          absl::StrCat("the RSA key has ", bits, " bits; RS256 needs at least ", kMinRsaBits));
    }
    return Algorithm::kRS256;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char curve[80] = "";
    size_t len = 0;
    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &len);
    ERR_clear_error();
    if (std::string_view(curve) == "prime256v1") return Algorithm::kES256;
    return Invalid("EC curve '", curve, "' is not supported (ES256 needs P-256)");
  }
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return Invalid("key type ", type ? type : "?", " is not supported (RSA or EC P-256)");
}

absl::StatusOr<std::shared_ptr<const KeySet>> KeySet::Load(const KeySources& sources) {
  if (sources.empty()) {
    return Invalid(
        "no token keys configured: give --jwt-secret-file, --jwt-public-key-file or "
        "--jwks-file");
  }
  std::shared_ptr<KeySet> set(new KeySet());
  KeyList& keys = set->keys_;
  if (!sources.secret_file.empty()) {
    absl::Status s = AddFile("JWT secret file", sources.secret_file, AddSecret, &keys);
    if (!s.ok()) return s;
    keys.back()->kid = sources.secret_kid;
  }
  for (const std::string& path : sources.public_key_files) {
    if (absl::Status s = AddFile("public key file", path, AddPem, &keys); !s.ok()) return s;
  }
  for (const std::string& path : sources.jwks_files) {
    if (absl::Status s = AddFile("JWKS file", path, AddJwks, &keys); !s.ok()) return s;
  }
  if (absl::Status s = CheckUniqueKids(keys); !s.ok()) return s;
  return std::shared_ptr<const KeySet>(std::move(set));
}

absl::StatusOr<std::shared_ptr<const KeySet>> KeySet::FromSecret(std::string secret,
                                                                 std::string kid) {
  absl::StatusOr<std::unique_ptr<Key>> key = SecretKey(std::move(secret), std::move(kid));
  if (!key.ok()) return key.status();
  std::shared_ptr<KeySet> set(new KeySet());
  set->keys_.push_back(std::move(*key));
  return std::shared_ptr<const KeySet>(std::move(set));
}

KeySet::~KeySet() = default;

size_t KeySet::size() const { return keys_.size(); }

}  // namespace readside::auth
