// JSON value equality for idempotency conflicts: both texts are rewritten in a canonical form
// (object keys sorted, numbers normalized, strings re-escaped) and compared. Runs only when an
// idempotency key repeats with different bytes, so clarity beats speed here.
// Thread-safety: pure function (each call uses its own simdjson parser).

#include "event/json_equal.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "common/json_writer.h"
#include "event/json_walk.h"

namespace readside::event {
namespace {

namespace od = internal::od;

bool Canonical(od::value v, int depth, std::string* out);

bool CanonicalNumber(od::value& v, std::string* out) {
  std::string_view raw = internal::TrimmedToken(v);
  if (!internal::IsJsonNumber(raw)) return false;
  if (raw.find_first_of(".eE") == std::string_view::npos) {
    if (raw == "-0") raw = "0";
    out->append(raw);
    return true;
  }
  double d;
  if (v.get_double().get(d) == simdjson::SUCCESS) {
    // An integral value prints without a fraction so that 1.0 == 1.
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, d == 0 ? 0.0 : d);
    out->append(buf, r.ptr);
  } else {
    out->append(raw);
  }
  return true;
}

bool Canonical(od::value v, int depth, std::string* out) {
  if (depth > 256) return false;
  od::json_type type;
  if (v.type().get(type)) return false;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (v.get_object().get(obj)) return false;
      std::vector<std::pair<std::string, std::string>> members;
      for (auto fr : obj) {
        od::field f;
        std::string_view key;
        if (std::move(fr).get(f) || f.unescaped_key().get(key)) return false;
        std::string value;
        if (!Canonical(f.value(), depth + 1, &value)) return false;
        members.emplace_back(std::string(key), std::move(value));
      }
      std::sort(members.begin(), members.end());
      out->push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, members[i].first);
        out->push_back(':');
        out->append(members[i].second);
      }
      out->push_back('}');
      return true;
    }
    case od::json_type::array: {
      od::array arr;
      if (v.get_array().get(arr)) return false;
      out->push_back('[');
      bool first = true;
      for (auto er : arr) {
        od::value ev;
        if (er.get(ev)) return false;
        if (!first) out->push_back(',');
        first = false;
        if (!Canonical(ev, depth + 1, out)) return false;
      }
      out->push_back(']');
      return true;
    }
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      AppendJsonString(out, s);
      return true;
    }
    case od::json_type::number:
      return CanonicalNumber(v, out);
    case od::json_type::boolean: {
      bool b;
      if (v.get_bool().get(b)) return false;
      out->append(b ? "true" : "false");
      return true;
    }
    case od::json_type::null:
      out->append("null");
      return true;
  }
  return false;
}

bool CanonicalText(std::string_view json, std::string* out) {
  od::parser parser;
  simdjson::padded_string padded(json);
  od::document doc;
  if (parser.iterate(padded).get(doc)) return false;
  od::value root;
  // A document is not a value; wrap scalars/objects uniformly through get_value().
  if (doc.get_value().get(root)) return false;
  return Canonical(root, 0, out);
}

}  // namespace

bool JsonValueEqual(std::string_view a, std::string_view b) {
  if (a == b) return true;
  std::string ca, cb;
  if (!CanonicalText(a, &ca) || !CanonicalText(b, &cb)) return false;
  return ca == cb;
}

}  // namespace readside::event
