#include "event/json_walk.h"

#include <cstring>

#include "common/json_writer.h"

namespace readside::event::internal {

std::string PathNode::Render() const {
  std::vector<const PathNode*> chain;
  for (const PathNode* n = this; n != nullptr; n = n->parent) chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const PathNode* n = *it;
    if (n->is_index) {
      out += "[" + std::to_string(n->index) + "]";
    } else if (!n->key.empty()) {
      if (!out.empty()) out.push_back('.');
      out.append(n->key);
    }
  }
  return out;
}

bool WalkContext::Fail(simdjson::error_code e, const PathNode& path) {
  if (e == simdjson::STRING_ERROR || e == simdjson::UTF8_ERROR) {
    // Bad escapes, lone surrogates: a property of this value, not of the document structure.
    Error(path, "must be a valid JSON string (bad escape or lone surrogate)");
  } else if (fatal == simdjson::SUCCESS) {
    fatal = e;
  }
  return false;
}

bool KeySet::Insert(std::string_view key) {
  for (size_t i = 0; i < size_ && i < kInline; ++i) {
    if (length_[i] == key.size() && (key.empty() || data_[i][0] == key[0]) &&
        std::memcmp(data_[i], key.data(), key.size()) == 0) {
      return false;
    }
  }
  for (std::string_view k : more_) {
    if (k == key) return false;
  }
  if (size_ < kInline) {
    data_[size_] = key.data();
    length_[size_] = key.size();
  } else {
    more_.push_back(key);
  }
  ++size_;
  return true;
}

bool PlainKey(od::field& field, const PathNode& path, std::string_view* key, WalkContext& ctx) {
  const char* start = field.key().raw();  // just after the opening quote
  // The closing quote is the last '"' before the ':' that precedes the value: walk back from
  // the value's first byte over white space (a few bytes) instead of scanning the key.
  const char* end = field.value().raw_json_token().data() - 1;
  while (*end != ':') --end;
  --end;
  while (*end != '"') --end;
  *key = std::string_view(start, static_cast<size_t>(end - start));
  if (std::memchr(start, '\\', key->size()) != nullptr) {
    ctx.Error(path.Child(*key), "keys must not contain escape sequences");
    return false;
  }
  return true;
}

bool IsJsonNumber(std::string_view t) {
  size_t i = 0, n = t.size();
  if (i < n && t[i] == '-') ++i;
  if (i >= n) return false;
  if (t[i] == '0') {
    ++i;
  } else if (t[i] >= '1' && t[i] <= '9') {
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
  } else {
    return false;
  }
  if (i < n && t[i] == '.') {
    size_t s = ++i;
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == s) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    size_t s = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == s) return false;
  }
  return i == n;
}

std::string_view TrimmedToken(od::value& v) {
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  return raw;
}

namespace {

bool ValidateObject(od::object obj, int depth, const PathNode& path, WalkContext& ctx) {
  return ForEachField(obj, path, ctx, [&](std::string_view, od::value v, const PathNode& child) {
    return ValidateAny(v, depth + 1, child, ctx);
  });
}

bool ValidateArray(od::array arr, int depth, const PathNode& path, WalkContext& ctx) {
  bool ok = true;
  size_t index = 0;
  for (auto element : arr) {
    od::value v;
    if (auto e = std::move(element).get(v)) return ctx.Fail(e, path);
    if (!ValidateAny(v, depth + 1, path.Element(index), ctx)) {
      if (ctx.fatal) return false;
      ok = false;
    }
    ++index;
  }
  return ok;
}

}  // namespace

bool ValidateAny(od::value v, int depth, const PathNode& path, WalkContext& ctx) {
  od::json_type type;
  if (auto e = v.type().get(type)) return ctx.Fail(e, path);
  switch (type) {
    case od::json_type::object: {
      if (depth >= ctx.max_depth) {
        ctx.Error(path, "nesting deeper than " + std::to_string(ctx.max_depth));
        return false;  // not descended: On-Demand skips the value when iteration moves on
      }
      od::object obj;
      if (auto e = v.get_object().get(obj)) return ctx.Fail(e, path);
      return ValidateObject(obj, depth, path, ctx);
    }
    case od::json_type::array: {
      if (depth >= ctx.max_depth) {
        ctx.Error(path, "nesting deeper than " + std::to_string(ctx.max_depth));
        return false;
      }
      od::array arr;
      if (auto e = v.get_array().get(arr)) return ctx.Fail(e, path);
      return ValidateArray(arr, depth, path, ctx);
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return ctx.Fail(e, path);
      return true;
    }
    case od::json_type::number: {
      std::string_view raw = TrimmedToken(v);
      if (!IsJsonNumber(raw)) return ctx.Fail(simdjson::NUMBER_ERROR, path);
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = v.get_bool().get(b)) return ctx.Fail(e, path);
      return true;
    }
    case od::json_type::null: {
      if (TrimmedToken(v) != "null") return ctx.Fail(simdjson::N_ATOM_ERROR, path);
      return true;
    }
  }
  return ctx.Fail(simdjson::TAPE_ERROR, path);
}

}  // namespace readside::event::internal
