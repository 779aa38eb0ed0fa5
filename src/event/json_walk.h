#pragma once
// Internal to the event component: the JSON walking helpers shared by the envelope parser, the
// payload reader and JSON value equality, over simdjson On-Demand or simdjson's DOM tape. Not
// included outside src/event.
// Thread-safety: stateless functions over a caller-owned WalkContext (and TapeDoc).

#include <simdjson.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"
#include "event/event.h"

namespace readside::event::internal {

namespace od = simdjson::ondemand;

// A JSON path built on the stack while walking and rendered ("data.payload.lines[0].debit")
// only when an error needs it, so valid events pay nothing for paths.
struct PathNode {
  const PathNode* parent = nullptr;
  std::string_view key;  // empty for an array element or the root
  size_t index = 0;
  bool is_index = false;

  PathNode Child(std::string_view k) const { return PathNode{this, k, 0, false}; }
  PathNode Element(size_t i) const { return PathNode{this, {}, i, true}; }
  std::string Render() const;
};

struct WalkContext {
  std::vector<FieldError>* errors;  // validation errors of the current event
  int max_depth = 64;
  bool stored_input = false;  // ParserOptions::stored_input
  // A structural JSON error: the iteration cannot continue past it.
  simdjson::error_code fatal = simdjson::SUCCESS;
  bool own_events = false;  // ParserOptions::own_events

  void Error(const PathNode& field, std::string message) {
    if (errors->size() < 32) errors->push_back({field.Render(), std::move(message)});
  }
  // Records a simdjson error; returns false so callers can `return ctx.Fail(e, path)`.
  bool Fail(simdjson::error_code e, const PathNode& path);
};

// Remembers the keys of one object to reject duplicates (JSON value equality, the basis of
// conflict detection, is undefined for objects with repeated keys). Keys are views into the
// parser's string buffer, valid for the whole document.
class KeySet {
 public:
  // True if `key` was new; false if it was seen before in this object.
  bool Insert(std::string_view key) {
    // A one-word Bloom filter over (length, first and last byte): a new key (nearly always)
    // is told apart without comparing it to the others.
    uint64_t bit = key.empty()
                       ? 1
                       : uint64_t{1} << ((key.size() * 7 + static_cast<uint8_t>(key[0]) * 3 +
                                          static_cast<uint8_t>(key.back())) &
                                         63);
    bool maybe_seen = (bloom_ & bit) != 0;
    bloom_ |= bit;
    if (maybe_seen && Contains(key)) return false;
    Add(key);
    return true;
  }

 private:
  bool Contains(std::string_view key) const;
  void Add(std::string_view key) {
    if (size_ < kInline) {
      data_[size_] = key.data();
      length_[size_] = key.size();
    } else {
      more_.push_back(key);
    }
    ++size_;
  }

  static constexpr size_t kInline = 16;
  uint64_t bloom_ = 0;
  // Deliberately uninitialized (only [0, size_) is read): this object lives on the stack of
  // every object walk, and zeroing it showed up in profiles.
  const char* data_[kInline];
  size_t length_[kInline];
  size_t size_ = 0;
  std::vector<std::string_view> more_;
};

// Reads an RFC 3339 date-time field's text into *micros (ParseRfc3339Detailed). On failure
// records `syntax_rule`, or the leap-second rule, at `path` and returns false. With
// ctx.stored_input, second 60 is accepted at any minute, as before that rule.
bool ReadDateTime(std::string_view text, const PathNode& path, std::string_view syntax_rule,
                  int64_t* micros, WalkContext& ctx);

// The rule a money amount broke (MoneyParseErrorText), or "" when `err` accepts it: kOk, and
// with ctx.stored_input kTrailingZeroDecimals, which earlier versions accepted.
std::string_view MoneyRuleBroken(MoneyParseError err, const WalkContext& ctx);

// True if `t` follows the JSON number grammar exactly.
bool IsJsonNumber(std::string_view t);
// The raw text of a scalar token without trailing white space.
std::string_view TrimmedToken(od::value& v);

// The key of `field` as written (a view into the input, without quotes). Keys with escape
// sequences are rejected (recorded in ctx, returns false): no producer needs them, and taking
// keys verbatim spares copying every key (they are compared and stored as written).
bool PlainKey(od::field& field, const PathNode& path, std::string_view* key, WalkContext& ctx);

// The validation rules (envelope, payload, any value) are written once, as templates over a
// JSON reader J, and instantiated for two readers:
//
// - OdJson walks simdjson On-Demand over the input. It handles every input and is the
//   reference: it names the field of every rejection.
// - TapeJson walks the tape of simdjson's DOM parser (the documented tape format,
//   simdjson/doc/tape.md) over an input that the DOM parser accepted whole and that holds no
//   backslash, so every key and string on the tape is byte for byte as written. Building the
//   tape and walking it costs about half of the On-Demand walk. The parser uses it first and
//   falls back to OdJson whenever the tape walk does not accept the event, so rejections
//   always come from the reference (differential tests and fuzzing hold the two equal).
//
// A reader J provides, for a J::Value v:
//   Type(v, &json_type), String(v, &sv), Bool(v, &b), CheckNull(v), CheckNumber(v),
//   NumberText(v, &text), IsIntegerLiteral(v), Int64(v, &i),
//   MoneyNumber(v, &money) -> MoneyParseError,
//   Fields(v, path, ctx, fn(key, value, child_path)) over an object (keys as written,
//   duplicates rejected), Elements(v, path, ctx, fn(index, value, child_path)) over an array.
// The error-returning ones give simdjson::SUCCESS or the reason.

struct OdJson {
  using Value = od::value;
  static simdjson::error_code Type(Value& v, od::json_type* t) { return v.type().get(*t); }
  static simdjson::error_code String(Value& v, std::string_view* s) {
    return v.get_string().get(*s);
  }
  static simdjson::error_code Bool(Value& v, bool* b) { return v.get_bool().get(*b); }
  static simdjson::error_code CheckNull(Value& v) {
    return TrimmedToken(v) == "null" ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
  }
  static simdjson::error_code CheckNumber(Value& v) {
    return IsJsonNumber(TrimmedToken(v)) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
  }
  // The number's text as written. REQUIRES: CheckNumber(v) succeeded.
  static bool NumberText(Value& v, std::string_view* text) {
    *text = TrimmedToken(v);
    return true;
  }
  static bool IsIntegerLiteral(Value& v) {
    return TrimmedToken(v).find_first_of(".eE") == std::string_view::npos;
  }
  static simdjson::error_code Int64(Value& v, int64_t* i) { return v.get_int64().get(*i); }
  // REQUIRES: CheckNumber(v) succeeded.
  static MoneyParseError MoneyNumber(Value& v, Money* out) {
    return ParseMoney(TrimmedToken(v), /*allow_exponent=*/true, out);
  }

  // Iterates the fields of an object: takes each key as written (PlainKey), rejects
  // duplicate keys, and calls fn(key, value, child_path), which returns false when it
  // rejected the field. Returns false if any field was rejected or the JSON structure broke
  // (then ctx.fatal is set and iteration stopped).
  template <typename Fn>
  static bool Fields(Value& v, const PathNode& path, WalkContext& ctx, Fn&& fn) {
    od::object obj;
    if (auto e = v.get_object().get(obj)) return ctx.Fail(e, path);
    KeySet keys;
    bool ok = true;
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return ctx.Fail(e, path);
      std::string_view key;
      if (!PlainKey(field, path, &key, ctx)) {
        ok = false;
        continue;
      }
      PathNode child = path.Child(key);
      if (!keys.Insert(key)) {
        ctx.Error(child, "duplicate key");
        ok = false;
      }
      if (!fn(key, field.value(), child)) {
        if (ctx.fatal) return false;
        ok = false;
      }
    }
    return ok;
  }

  // Iterates the elements of an array; fn(index, value, child_path) as for Fields.
  template <typename Fn>
  static bool Elements(Value& v, const PathNode& path, WalkContext& ctx, Fn&& fn) {
    od::array arr;
    if (auto e = v.get_array().get(arr)) return ctx.Fail(e, path);
    bool ok = true;
    size_t index = 0;
    for (auto element : arr) {
      od::value ev;
      if (auto e = std::move(element).get(ev)) return ctx.Fail(e, path);
      if (!fn(index, ev, path.Element(index))) {
        if (ctx.fatal) return false;
        ok = false;
      }
      ++index;
    }
    return ok;
  }
};

// One document on simdjson's DOM tape, with the input text it was parsed from.
class TapeDoc {
 public:
  // REQUIRES: `parser` just parsed `text` successfully, and `text` holds no backslash.
  TapeDoc(const simdjson::dom::parser& parser, std::string_view text)
      : tape_(parser.doc.tape.get()),
        strings_(parser.doc.string_buf.get()),
        text_(text.data()),
        text_end_(text.data() + text.size()),
        scan_text_(text.data()) {}

  uint8_t tag(uint32_t i) const { return static_cast<uint8_t>(tape_[i] >> 56); }
  uint64_t next_word(uint32_t i) const { return tape_[i + 1]; }
  std::string_view string(uint32_t i) const {
    size_t offset = static_cast<size_t>(tape_[i] & simdjson::internal::JSON_VALUE_MASK);
    uint32_t length;
    std::memcpy(&length, strings_ + offset, sizeof length);
    return {reinterpret_cast<const char*>(strings_ + offset + sizeof length), length};
  }
  // The tape index just after the value at `i`.
  uint32_t after(uint32_t i) const {
    switch (tag(i)) {
      case '{':
      case '[':
        return static_cast<uint32_t>(tape_[i]);  // the matching brace's index + 1
      case 'l':
      case 'u':
      case 'd':
        return i + 2;
      default:
        return i + 1;
    }
  }
  static bool IsNumber(uint8_t tag) { return tag == 'l' || tag == 'u' || tag == 'd'; }

  // The text of the number at tape index `i`, as written: the tape keeps only its value,
  // and money must be read from its decimal text. Numbers appear on the tape and in the text
  // in the same order, so the n-th number on the tape is the n-th number token of the text
  // (strings skipped; without backslashes a string ends at the next quote). Both scans resume
  // where the previous call stopped, so reading a document's numbers in order is one pass.
  // False only if the text and the tape disagree (then the caller gives up on the tape).
  bool NumberText(uint32_t i, std::string_view* out);

 private:
  const uint64_t* tape_;
  const uint8_t* strings_;
  const char* text_;
  const char* text_end_;
  uint32_t scan_tape_ = 1;     // tape index up to which numbers were counted
  uint32_t tape_numbers_ = 0;  // numbers on the tape before scan_tape_
  const char* scan_text_;      // text position up to which numbers were counted
  uint32_t text_numbers_ = 0;  // number tokens in the text before scan_text_
};

struct TapeJson {
  struct Value {
    TapeDoc* doc;
    uint32_t index;
    uint8_t tag() const { return doc->tag(index); }
  };
  static simdjson::error_code Type(Value& v, od::json_type* t) {
    switch (v.tag()) {
      case '{':
        *t = od::json_type::object;
        return simdjson::SUCCESS;
      case '[':
        *t = od::json_type::array;
        return simdjson::SUCCESS;
      case '"':
        *t = od::json_type::string;
        return simdjson::SUCCESS;
      case 'l':
      case 'u':
      case 'd':
        *t = od::json_type::number;
        return simdjson::SUCCESS;
      case 't':
      case 'f':
        *t = od::json_type::boolean;
        return simdjson::SUCCESS;
      case 'n':
        *t = od::json_type::null;
        return simdjson::SUCCESS;
      default:
        return simdjson::TAPE_ERROR;
    }
  }
  static simdjson::error_code String(Value& v, std::string_view* s) {
    if (v.tag() != '"') return simdjson::INCORRECT_TYPE;
    *s = v.doc->string(v.index);
    return simdjson::SUCCESS;
  }
  static simdjson::error_code Bool(Value& v, bool* b) {
    if (v.tag() != 't' && v.tag() != 'f') return simdjson::INCORRECT_TYPE;
    *b = v.tag() == 't';
    return simdjson::SUCCESS;
  }
  static simdjson::error_code CheckNull(Value& v) {
    return v.tag() == 'n' ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
  }
  // The DOM parser checked the number grammar of the whole document.
  static simdjson::error_code CheckNumber(Value& v) {
    return TapeDoc::IsNumber(v.tag()) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
  }
  static bool NumberText(Value& v, std::string_view* text) {
    return v.doc->NumberText(v.index, text);
  }
  // 'd' also holds integers past uint64; On-Demand decides those (the caller falls back to
  // it on any rejection).
  static bool IsIntegerLiteral(Value& v) { return v.tag() == 'l' || v.tag() == 'u'; }
  static simdjson::error_code Int64(Value& v, int64_t* i) {
    if (v.tag() != 'l') return simdjson::NUMBER_OUT_OF_RANGE;
    *i = static_cast<int64_t>(v.doc->next_word(v.index));
    return simdjson::SUCCESS;
  }
  static MoneyParseError MoneyNumber(Value& v, Money* out) {
    if (v.tag() == 'l') {  // an integer literal: its value is its text
      int64_t i = static_cast<int64_t>(v.doc->next_word(v.index));
      constexpr int64_t kMax = Money::kMaxAbsUnits / Money::kScale;
      if (i < kMax && i > -kMax) {
        *out = Money::FromUnits(i * Money::kScale);
        return MoneyParseError::kOk;
      }
    }
    std::string_view text;
    if (!v.doc->NumberText(v.index, &text)) return MoneyParseError::kSyntax;
    return ParseMoney(text, /*allow_exponent=*/true, out);
  }

  template <typename Fn>
  static bool Fields(Value& v, const PathNode& path, WalkContext& ctx, Fn&& fn) {
    if (v.tag() != '{') return ctx.Fail(simdjson::INCORRECT_TYPE, path);
    TapeDoc* doc = v.doc;
    uint32_t end = doc->after(v.index) - 1;  // the closing brace
    KeySet keys;
    bool ok = true;
    for (uint32_t k = v.index + 1; k < end;) {
      std::string_view key = doc->string(k);
      PathNode child = path.Child(key);
      if (!keys.Insert(key)) {
        ctx.Error(child, "duplicate key");
        ok = false;
      }
      Value value{doc, k + 1};
      if (!fn(key, value, child)) {
        if (ctx.fatal) return false;
        ok = false;
      }
      k = doc->after(k + 1);
    }
    return ok;
  }

  template <typename Fn>
  static bool Elements(Value& v, const PathNode& path, WalkContext& ctx, Fn&& fn) {
    if (v.tag() != '[') return ctx.Fail(simdjson::INCORRECT_TYPE, path);
    TapeDoc* doc = v.doc;
    uint32_t end = doc->after(v.index) - 1;
    bool ok = true;
    size_t index = 0;
    for (uint32_t k = v.index + 1; k < end; k = doc->after(k)) {
      Value value{doc, k};
      if (!fn(index, value, path.Element(index))) {
        if (ctx.fatal) return false;
        ok = false;
      }
      ++index;
    }
    return ok;
  }
};

// Validates any JSON value (objects, arrays and scalars, recursively).
// Returns false after a validation error (recorded) or a structural one (ctx.fatal).
template <typename J>
bool ValidateAny(typename J::Value v, int depth, const PathNode& path, WalkContext& ctx) {
  od::json_type type;
  if (auto e = J::Type(v, &type)) return ctx.Fail(e, path);
  switch (type) {
    case od::json_type::object:
    case od::json_type::array: {
      if (depth >= ctx.max_depth) {
        ctx.Error(path, "nesting deeper than " + std::to_string(ctx.max_depth));
        return false;  // not descended: On-Demand skips the value when iteration moves on
      }
      if (type == od::json_type::object) {
        return J::Fields(v, path, ctx,
                         [&](std::string_view, typename J::Value child, const PathNode& p) {
                           return ValidateAny<J>(child, depth + 1, p, ctx);
                         });
      }
      return J::Elements(v, path, ctx, [&](size_t, typename J::Value child, const PathNode& p) {
        return ValidateAny<J>(child, depth + 1, p, ctx);
      });
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = J::String(v, &s)) return ctx.Fail(e, path);
      return true;
    }
    case od::json_type::number:
      if (auto e = J::CheckNumber(v)) return ctx.Fail(e, path);
      return true;
    case od::json_type::boolean: {
      bool b;
      if (auto e = J::Bool(v, &b)) return ctx.Fail(e, path);
      return true;
    }
    case od::json_type::null:
      if (auto e = J::CheckNull(v)) return ctx.Fail(e, path);
      return true;
  }
  return ctx.Fail(simdjson::TAPE_ERROR, path);
}

}  // namespace readside::event::internal
