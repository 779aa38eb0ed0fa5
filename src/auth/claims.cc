#include "auth/claims.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/absl_view.h"
#include "common/json_writer.h"
#include "simdjson.h"

namespace readside::auth {

namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

absl::Status Reject(std::string_view reason) { return absl::UnauthenticatedError(View(reason)); }

// Names that may be echoed in a reason: RFC 7518 / RFC 8037 / RFC 8812 JWS algorithms. Any
// other `alg` text is the caller's and stays out of responses and logs.
constexpr std::array<std::string_view, 14> kRegisteredAlgorithms = {
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256",
    "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA", "ES256K"};

// NumericDates beyond ±2^53 s (285 million years) are clamped so that arithmetic on them
// (exp + leeway) can neither overflow nor lose the integer part.
constexpr double kMaxNumericDate = 9007199254740992.0;

// Parses `json` as an object in which no member name repeats (two `exp` members would mean
// different things to different parsers). `what` is "header" or "payload".
absl::Status ParseObject(simdjson::dom::parser& parser, std::string_view json,
                         std::string_view what, object* out) {
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != SUCCESS) {
    return Reject(absl::StrCat("token ", View(what), " is not valid JSON"));
  }
  if (root.get(*out) != SUCCESS) {
    return Reject(absl::StrCat("token ", View(what), " is not a JSON object"));
  }
  absl::flat_hash_set<std::string_view> seen;
  for (auto field : *out) {
    if (!seen.insert(field.key).second) {
      return Reject(absl::StrCat("token ", View(what), " has a member twice"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Algorithm> ReadAlgorithm(std::optional<element> alg) {
  if (!alg) return Reject("token header has no alg");
  std::string_view name;
  if (alg->get(name) != SUCCESS) return Reject("token header alg is not a string");
  if (absl::EqualsIgnoreCase(View(name), "none")) return Reject("algorithm none is not accepted");
  for (Algorithm a : {Algorithm::kHS256, Algorithm::kRS256, Algorithm::kES256}) {
    if (name == AlgorithmName(a)) return a;
  }
  if (std::find(kRegisteredAlgorithms.begin(), kRegisteredAlgorithms.end(), name) !=
      kRegisteredAlgorithms.end()) {
    return Reject(absl::StrCat("algorithm ", View(name), " is not configured"));
  }
  return Reject("token algorithm is not supported");
}

// The members this library reads, picked out of an object in one pass.
struct RawHeader {
  std::optional<element> alg, kid, typ, crit;
};
struct RawClaims {
  std::optional<element> exp, nbf, iat, iss, aud, org, orgs, roles, sub;
};
template <typename Raw>
using Slot = std::pair<std::string_view, std::optional<element> Raw::*>;

constexpr std::array<Slot<RawHeader>, 4> kHeaderSlots = {{
    {"alg", &RawHeader::alg},
    {"kid", &RawHeader::kid},
    {"typ", &RawHeader::typ},
    {"crit", &RawHeader::crit},
}};
constexpr std::array<Slot<RawClaims>, 9> kClaimSlots = {{
    {"exp", &RawClaims::exp},
    {"nbf", &RawClaims::nbf},
    {"iat", &RawClaims::iat},
    {"iss", &RawClaims::iss},
    {"aud", &RawClaims::aud},
    {"org", &RawClaims::org},
    {"orgs", &RawClaims::orgs},
    {"roles", &RawClaims::roles},
    {"sub", &RawClaims::sub},
}};

template <typename Raw, size_t N>
Raw Collect(object obj, const std::array<Slot<Raw>, N>& slots) {
  Raw raw;
  for (auto [key, value] : obj) {
    for (const auto& [name, member] : slots) {
      if (key == name) raw.*member = value;
    }
  }
  return raw;
}

// A NumericDate (RFC 7519 §2): a JSON number, integer or not. Writes nothing when absent.
absl::Status ReadNumericDate(const std::optional<element>& e, std::string_view name,
                             std::optional<double>* out) {
  if (!e) return absl::OkStatus();
  double v;
  if (e->get_double().get(v) != SUCCESS || !std::isfinite(v)) {
    return Reject(absl::StrCat("claim ", View(name), " is not a number"));
  }
  *out = std::clamp(v, -kMaxNumericDate, kMaxNumericDate);
  return absl::OkStatus();
}

absl::Status CheckTimes(const RawClaims& c, int64_t now_seconds, int64_t leeway,
                        Principal* principal) {
  std::optional<double> exp, nbf, iat;
  if (!c.exp) return Reject("token has no exp");
  if (auto s = ReadNumericDate(c.exp, "exp", &exp); !s.ok()) return s;
  if (auto s = ReadNumericDate(c.nbf, "nbf", &nbf); !s.ok()) return s;
  if (auto s = ReadNumericDate(c.iat, "iat", &iat); !s.ok()) return s;
  const double now = static_cast<double>(now_seconds), slack = static_cast<double>(leeway);
  if (now > *exp + slack) return Reject("token expired");
  if ((nbf && *nbf > now + slack) || (iat && *iat > now + slack)) {
    return Reject("token not yet valid");
  }
  // now_seconds is whole, so now > exp exactly when now > floor(exp), and nbf > now + slack
  // exactly when ceil(nbf) > now + slack.
  principal->expires_at = static_cast<int64_t>(std::floor(*exp));
  if (nbf || iat) {
    double from = std::max(nbf.value_or(-kMaxNumericDate), iat.value_or(-kMaxNumericDate));
    principal->valid_from = static_cast<int64_t>(std::ceil(from));
  }
  return absl::OkStatus();
}

absl::Status CheckIssuer(const std::optional<element>& iss, std::string_view want) {
  std::string_view value;
  if (iss && iss->get(value) != SUCCESS) return Reject("claim iss is not a string");
  if (want.empty()) return absl::OkStatus();
  if (!iss) return Reject("token has no iss");
  if (value != want) return Reject("token issuer is not accepted");
  return absl::OkStatus();
}

absl::Status CheckAudience(const std::optional<element>& aud, std::string_view want) {
  constexpr std::string_view kWrongType = "claim aud is not a string or an array of strings";
  std::vector<std::string_view> values;
  std::string_view s;
  if (aud && aud->get(s) == SUCCESS) {
    values.push_back(s);
  } else if (aud) {
    array items;
    if (aud->get(items) != SUCCESS) return Reject(kWrongType);
    for (element item : items) {
      if (item.get(s) != SUCCESS) return Reject(kWrongType);
      values.push_back(s);
    }
  }
  if (want.empty()) return absl::OkStatus();
  if (!aud) return Reject("token has no aud");
  if (std::find(values.begin(), values.end(), want) == values.end()) {
    return Reject("token audience is not accepted");
  }
  return absl::OkStatus();
}

// Appends the elements of `e`, which must be an array of non-empty strings.
bool ReadStrings(element e, std::vector<std::string>* out) {
  array items;
  if (e.get(items) != SUCCESS) return false;
  for (element item : items) {
    std::string_view s;
    if (item.get(s) != SUCCESS || s.empty()) return false;
    out->emplace_back(s);
  }
  return true;
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

absl::Status ReadOrganizations(const RawClaims& c, Principal* principal) {
  if (c.org && c.orgs) return Reject("token has both org and orgs");
  if (!c.org && !c.orgs) return Reject("token has no org or orgs");
  std::vector<std::string> orgs;
  if (c.org) {
    std::string_view s;
    if (c.org->get(s) != SUCCESS || s.empty()) return Reject("claim org is not a non-empty string");
    // "*" (every organization) only counts inside `orgs` (api.md); as `org` it is refused
    // rather than read as an organization id nobody can have.
    if (s == "*") return Reject("claim org cannot be \"*\": use orgs: [\"*\"]");
    orgs.emplace_back(s);
  } else if (!ReadStrings(*c.orgs, &orgs) || orgs.empty()) {
    return Reject("claim orgs is not a non-empty array of non-empty strings");
  }
  // "*" grants every organization; it is a flag, not an organization id.
  auto star = std::remove(orgs.begin(), orgs.end(), "*");
  principal->all_organizations = star != orgs.end();
  orgs.erase(star, orgs.end());
  SortUnique(&orgs);
  principal->organizations = std::move(orgs);
  return absl::OkStatus();
}

absl::Status ReadSubjectAndRoles(const RawClaims& c, Principal* principal) {
  if (c.sub) {
    std::string_view s;
    if (c.sub->get(s) != SUCCESS) return Reject("claim sub is not a string");
    principal->subject = std::string(s);
  }
  if (c.roles) {
    if (!ReadStrings(*c.roles, &principal->roles)) {
      return Reject("claim roles is not an array of non-empty strings");
    }
    SortUnique(&principal->roles);
  }
  return absl::OkStatus();
}

bool ValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

absl::Status CheckClaimsToSign(const TokenClaims& c) {
  if (c.organizations.empty()) {
    return absl::InvalidArgumentError("a token needs at least one organization");
  }
  bool utf8 = ValidUtf8(c.subject) && ValidUtf8(c.issuer) && ValidUtf8(c.audience);
  for (const auto& list : {&c.organizations, &c.roles}) {
    for (const std::string& s : *list) {
      if (s.empty()) return absl::InvalidArgumentError("organizations and roles must not be empty");
      utf8 = utf8 && ValidUtf8(s);
    }
  }
  if (!utf8) return absl::InvalidArgumentError("token claims must be valid UTF-8");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JoseHeader> ParseJoseHeader(std::string_view json) {
  simdjson::dom::parser parser;
  object obj;
  if (auto s = ParseObject(parser, json, "header", &obj); !s.ok()) return s;
  auto [alg, kid, typ, crit] = Collect(obj, kHeaderSlots);
  JoseHeader header;
  absl::StatusOr<Algorithm> algorithm = ReadAlgorithm(alg);
  if (!algorithm.ok()) return algorithm.status();
  header.algorithm = *algorithm;
  // No extension is understood, so any critical one must be refused (RFC 7515 §4.1.11).
  if (crit) return Reject("token header has crit, which is not supported");
  std::string_view s;
  if (typ && (typ->get(s) != SUCCESS || !(absl::EqualsIgnoreCase(View(s), "JWT") ||
                                          absl::EqualsIgnoreCase(View(s), "at+jwt")))) {
    return Reject("token typ is not JWT");
  }
  if (kid) {
    if (kid->get(s) != SUCCESS) return Reject("token header kid is not a string");
    header.kid = std::string(s);
  }
  return header;
}

absl::StatusOr<Principal> ParseClaims(std::string_view json, const VerifyOptions& options,
                                      int64_t now_seconds) {
  simdjson::dom::parser parser;
  object obj;
  if (auto s = ParseObject(parser, json, "payload", &obj); !s.ok()) return s;
  RawClaims claims = Collect(obj, kClaimSlots);
  Principal principal;
  const int64_t leeway = std::max<int64_t>(0, options.leeway_seconds);
  absl::Status s = CheckTimes(claims, now_seconds, leeway, &principal);
  if (s.ok()) s = CheckIssuer(claims.iss, options.issuer);
  if (s.ok()) s = CheckAudience(claims.aud, options.audience);
  if (s.ok()) s = ReadOrganizations(claims, &principal);
  if (s.ok()) s = ReadSubjectAndRoles(claims, &principal);
  if (!s.ok()) return s;
  return principal;
}

std::string HeaderJson(Algorithm alg, std::string_view kid) {
  JsonBuilder b;
  b.BeginObject().Key("alg").String(AlgorithmName(alg)).Key("typ").String("JWT");
  if (!kid.empty()) b.Key("kid").String(kid);
  return b.EndObject().Take();
}

absl::StatusOr<std::string> ClaimsJson(const TokenClaims& c) {
  if (absl::Status s = CheckClaimsToSign(c); !s.ok()) return s;
  JsonBuilder b;
  b.BeginObject().Key("sub").String(c.subject);
  if (c.organizations.size() == 1 && c.organizations[0] != "*") {
    b.Key("org").String(c.organizations[0]);
  } else {
    b.Key("orgs").BeginArray();
    for (const std::string& org : c.organizations) b.String(org);
    b.EndArray();
  }
  b.Key("roles").BeginArray();
  for (const std::string& role : c.roles) b.String(role);
  b.EndArray();
  b.Key("iat").Int(c.issued_at).Key("exp").Int(c.expires_at);
  if (c.not_before) b.Key("nbf").Int(*c.not_before);
  if (!c.issuer.empty()) b.Key("iss").String(c.issuer);
  if (!c.audience.empty()) b.Key("aud").String(c.audience);
  return b.EndObject().Take();
}

}  // namespace readside::auth
