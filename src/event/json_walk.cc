#include "event/json_walk.h"

#include <cstring>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace readside::event::internal {

std::string PathNode::Render() const {
  std::vector<const PathNode*> chain;
  for (const PathNode* n = this; n != nullptr; n = n->parent) chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const PathNode* n = *it;
    if (n->is_index) {
      out.push_back('[');
      out.append(std::to_string(n->index));
      out.push_back(']');
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

bool ReadDateTime(std::string_view text, const PathNode& path, std::string_view syntax_rule,
                  int64_t* micros, WalkContext& ctx) {
  switch (ParseRfc3339Detailed(text, micros)) {
    case Rfc3339Error::kOk:
      return true;
    case Rfc3339Error::kNotALeapSecond:
      if (ctx.stored_input) return true;
      ctx.Error(path,
                "must not have second 60 except for a leap second (23:59:60 UTC at the end of a "
                "day that had one; the last was 2016-12-31)");
      return false;
    case Rfc3339Error::kSyntax:
      break;
  }
  ctx.Error(path, std::string(syntax_rule));
  return false;
}

std::string_view MoneyRuleBroken(MoneyParseError err, const WalkContext& ctx) {
  if (err == MoneyParseError::kOk) return {};
  if (err == MoneyParseError::kTrailingZeroDecimals && ctx.stored_input) return {};
  return MoneyParseErrorText(err);
}

bool KeySet::Contains(std::string_view key) const {
  for (size_t i = 0; i < size_ && i < kInline; ++i) {
    if (length_[i] == key.size() && std::memcmp(data_[i], key.data(), key.size()) == 0) {
      return true;
    }
  }
  for (std::string_view k : more_) {
    if (k == key) return true;
  }
  return false;
}

bool PlainKey(od::field& field, const PathNode& path, std::string_view* key, WalkContext& ctx) {
  // Stage 1 found the key's closing quote, so the scan ends within the document.
  const char* start = field.key().raw();  // just after the opening quote
  const char* end = start;
  bool escaped = false;
  while (*end != '"') {
    if (*end == '\\') {
      escaped = true;
      ++end;
    }
    ++end;
  }
  *key = std::string_view(start, static_cast<size_t>(end - start));
  if (escaped) {
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

bool TapeDoc::NumberText(uint32_t i, std::string_view* out) {
  if (i < scan_tape_) {  // out of order: count again from the start
    scan_tape_ = 1;
    tape_numbers_ = 0;
    scan_text_ = text_;
    text_numbers_ = 0;
  }
  for (uint32_t k = scan_tape_; k < i;) {
    if (IsNumber(tag(k))) {
      ++tape_numbers_;
      k += 2;
    } else {
      ++k;
    }
  }
  scan_tape_ = i;
  const uint32_t ordinal = tape_numbers_;  // numbers before this one
  const char* p = scan_text_;
  while (p < text_end_) {
    char c = *p;
    if (c == '"') {
      const void* close = std::memchr(p + 1, '"', static_cast<size_t>(text_end_ - p - 1));
      if (close == nullptr) return false;
      p = static_cast<const char*>(close) + 1;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      const char* start = p;
      while (p < text_end_ && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' ||
                               *p == 'e' || *p == 'E')) {
        ++p;
      }
      if (text_numbers_++ == ordinal) {
        *out = std::string_view(start, static_cast<size_t>(p - start));
        scan_text_ = p;
        scan_tape_ = i + 2;
        tape_numbers_ = ordinal + 1;
        return true;
      }
      continue;
    }
    ++p;
  }
  return false;
}

}  // namespace readside::event::internal
