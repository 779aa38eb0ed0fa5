#include "event/payload.h"

#include <charconv>
#include <cmath>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace readside::event::internal {
namespace {

std::string_view JsonTypeName(od::json_type t) {
  switch (t) {
    case od::json_type::object:
      return "an object";
    case od::json_type::array:
      return "an array";
    case od::json_type::string:
      return "a string";
    case od::json_type::number:
      return "a number";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

// A JSON number's text as a double: correctly rounded, finite, not underflowing to zero from a
// non-zero value (out of range either way).
bool ParseFiniteDouble(std::string_view text, double* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(*out);
}

bool CheckBound(Bound bound, double v, const PathNode& path, WalkContext& ctx) {
  switch (bound) {
    case Bound::kNone:
      return true;
    case Bound::kNonNegative:
      if (v >= 0) return true;
      ctx.Error(path, "must be >= 0");
      return false;
    case Bound::kPositive:
      if (v > 0) return true;
      ctx.Error(path, "must be > 0");
      return false;
    case Bound::kHoursInDay:
      if (v > 0 && v <= 24) return true;
      ctx.Error(path, "must be in (0, 24]");
      return false;
  }
  return true;
}

bool CheckMoneyBound(Bound bound, Money m, const PathNode& path, WalkContext& ctx) {
  // Compare in units so no value passes through a double.
  int64_t u = m.units();
  if (bound == Bound::kNonNegative && u < 0) {
    ctx.Error(path, "must be >= 0");
    return false;
  }
  if (bound == Bound::kPositive && u <= 0) {
    ctx.Error(path, "must be > 0");
    return false;
  }
  return true;
}

bool WrongType(od::json_type got, std::string_view want, const PathNode& path, WalkContext& ctx) {
  ctx.Error(path, "must be " + std::string(want) + ", not " + std::string(JsonTypeName(got)));
  return false;
}

template <typename J>
bool ReadMoney(typename J::Value& v, od::json_type type, const PathNode& path, Money* out,
               WalkContext& ctx) {
  MoneyParseError err;
  if (type == od::json_type::number) {
    if (auto e = J::CheckNumber(v)) return ctx.Fail(e, path);
    err = J::MoneyNumber(v, out);
  } else if (type == od::json_type::string) {
    std::string_view s;
    if (auto e = J::String(v, &s)) return ctx.Fail(e, path);
    err = ParseMoney(s, /*allow_exponent=*/false, out);
  } else {
    return WrongType(type, "a money amount (number or decimal string)", path, ctx);
  }
  std::string_view broken = MoneyRuleBroken(err, ctx);
  if (!broken.empty()) {
    ctx.Error(path, std::string(broken));
    return false;
  }
  return true;
}

// Reads one field of kind String/Money/Number/Integer/Bool/DateTime/DateOrDateTime.
template <typename J>
bool ReadScalar(typename J::Value& v, od::json_type type, const FieldSpec& spec,
                const PathNode& path, FieldValue* fv, WalkContext& ctx) {
  switch (spec.kind) {
    case FieldKind::kString:
    case FieldKind::kDateTime:
    case FieldKind::kDateOrDateTime: {
      if (type != od::json_type::string) return WrongType(type, "a string", path, ctx);
      std::string_view s;
      if (auto e = J::String(v, &s)) return ctx.Fail(e, path);
      fv->text.assign(s);
      if (spec.kind == FieldKind::kDateOrDateTime && s.size() == 10) {
        fv->is_date = true;
        if (ParseIsoDate(s, &fv->integer)) return true;
        ctx.Error(path, "must be a date YYYY-MM-DD or an RFC 3339 date-time");
        return false;
      }
      if (spec.kind != FieldKind::kString &&
          !ReadDateTime(s, path,
                        spec.kind == FieldKind::kDateTime
                            ? "must be an RFC 3339 date-time with Z or an offset"
                            : "must be a date YYYY-MM-DD or an RFC 3339 date-time",
                        &fv->integer, ctx)) {
        return false;
      }
      if (!spec.allowed.empty()) {
        for (std::string_view a : spec.allowed) {
          if (a == s) return true;
        }
        std::string msg = "must be one of";
        for (std::string_view a : spec.allowed) msg.append(" ").append(a);
        ctx.Error(path, msg);
        return false;
      }
      return true;
    }
    case FieldKind::kMoney:
      return ReadMoney<J>(v, type, path, &fv->money, ctx) &&
             CheckMoneyBound(spec.bound, fv->money, path, ctx);
    case FieldKind::kNumber: {
      if (type != od::json_type::number) return WrongType(type, "a number", path, ctx);
      if (auto e = J::CheckNumber(v)) return ctx.Fail(e, path);
      // From the text, by one correctly rounded parser on both readers (simdjson 3.0.1's
      // On-Demand misreads some long "0.…" decimals and long exponents; its DOM writes -0 as
      // the integer 0).
      std::string_view text;
      double d = 0;
      if (!J::NumberText(v, &text) || !ParseFiniteDouble(text, &d)) {
        ctx.Error(path, "must be a finite number within double range");
        return false;
      }
      fv->number = d;
      return CheckBound(spec.bound, d, path, ctx);
    }
    case FieldKind::kInteger: {
      if (type != od::json_type::number) return WrongType(type, "an integer", path, ctx);
      if (auto e = J::CheckNumber(v)) return ctx.Fail(e, path);
      if (!J::IsIntegerLiteral(v)) {
        ctx.Error(path, "must be an integer");
        return false;
      }
      if (J::Int64(v, &fv->integer)) {
        ctx.Error(path, "must be an integer within the 64-bit range");
        return false;
      }
      return CheckBound(spec.bound, static_cast<double>(fv->integer), path, ctx);
    }
    case FieldKind::kBool: {
      if (type != od::json_type::boolean) return WrongType(type, "a boolean", path, ctx);
      if (auto e = J::Bool(v, &fv->boolean)) return ctx.Fail(e, path);
      return true;
    }
    default:
      return false;  // lines are read by ReadLines
  }
}

// The fields of one ledger or order line, in the shape of a FieldSpec table.
constexpr FieldSpec kLedgerLineFields[] = {
    {"account_code", FieldKind::kString, true},
    {"debit", FieldKind::kMoney, true, Bound::kNonNegative},
    {"credit", FieldKind::kMoney, true, Bound::kNonNegative}};
constexpr FieldSpec kOrderLineFields[] = {
    {"product_id", FieldKind::kString, true},
    {"quantity", FieldKind::kInteger, true, Bound::kPositive},
    {"unit_price", FieldKind::kMoney, true, Bound::kNonNegative}};

// Reads an object whose known fields are `specs` into `values`; unknown fields are written
// through. Shared by the payload itself and by ledger/order lines.
template <typename J>
bool ReadFields(typename J::Value& obj, std::span<const FieldSpec> specs, const PathNode& path,
                bool is_payload, int depth, FieldValue* values, Event* event, WalkContext& ctx);

template <typename J>
bool ReadLines(typename J::Value& v, od::json_type type, const FieldSpec& spec,
               const PathNode& path, int depth, Event* event, WalkContext& ctx) {
  if (type != od::json_type::array) return WrongType(type, "an array", path, ctx);
  bool ledger = spec.kind == FieldKind::kLedgerLines;
  std::span<const FieldSpec> line_specs =
      ledger ? std::span<const FieldSpec>(kLedgerLineFields) : kOrderLineFields;
  size_t count = 0;
  Money debit_sum, credit_sum;
  bool ok =
      J::Elements(v, path, ctx, [&](size_t, typename J::Value line, const PathNode& line_path) {
        ++count;
        od::json_type et;
        if (auto e = J::Type(line, &et)) return ctx.Fail(e, line_path);
        if (et != od::json_type::object) return WrongType(et, "an object", line_path, ctx);
        FieldValue vals[3];
        if (!ReadFields<J>(line, line_specs, line_path, false, depth + 1, vals, event, ctx)) {
          return false;
        }
        if (ledger) {
          event->ledger_lines.push_back({std::move(vals[0].text), vals[1].money, vals[2].money});
          debit_sum += vals[1].money;
          credit_sum += vals[2].money;
        } else {
          event->order_lines.push_back({std::move(vals[0].text), vals[1].integer, vals[2].money});
        }
        return true;
      });
  if (!ok) return false;
  if (ledger && count < 2) {
    ctx.Error(path, "must have at least 2 lines");
    return false;
  }
  if (!ledger && count < 1) {
    ctx.Error(path, "must have at least 1 line");
    return false;
  }
  if (ledger && debit_sum != credit_sum) {
    ctx.Error(path, "debits (" + debit_sum.ToString() + ") must equal credits (" +
                        credit_sum.ToString() + ")");
    return false;
  }
  return true;
}

template <typename J>
bool ReadCurrency(typename J::Value& v, od::json_type type, const PathNode& path, Event* event,
                  WalkContext& ctx) {
  if (type != od::json_type::string) return WrongType(type, "a string", path, ctx);
  std::string_view s;
  if (auto e = J::String(v, &s)) return ctx.Fail(e, path);
  bool ok = s.size() == 3;
  for (char c : s) ok = ok && c >= 'A' && c <= 'Z';
  if (!ok) {
    ctx.Error(path, "must be an ISO 4217 code of three upper-case letters");
    return false;
  }
  event->currency.assign(s);
  return true;
}

template <typename J>
bool ReadFields(typename J::Value& obj, std::span<const FieldSpec> specs, const PathNode& path,
                bool is_payload, int depth, FieldValue* values, Event* event, WalkContext& ctx) {
  uint32_t seen_mask = 0;  // known fields present (null counts as absent)
  auto read_field = [&](std::string_view key, typename J::Value v, const PathNode& child) -> bool {
    int index = -1;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name == key) index = static_cast<int>(i);
    }
    if (index < 0 && !(is_payload && key == "currency"))
      return ValidateAny<J>(v, depth + 1, child, ctx);
    od::json_type type;
    if (auto e = J::Type(v, &type)) return ctx.Fail(e, child);
    const FieldSpec* spec = index >= 0 ? &specs[static_cast<size_t>(index)] : nullptr;
    if (type == od::json_type::null && (spec == nullptr || !spec->required)) {
      // An optional field sent as null counts as absent (On-Demand's type() only peeks at
      // the first letter: the literal is checked here).
      if (auto e = J::CheckNull(v)) return ctx.Fail(e, child);
      return true;
    }
    if (spec == nullptr) return ReadCurrency<J>(v, type, child, event, ctx);
    seen_mask |= 1u << index;
    FieldValue& value = values[index];
    if (spec->kind == FieldKind::kLedgerLines || spec->kind == FieldKind::kOrderLines) {
      return value.present = ReadLines<J>(v, type, *spec, child, depth + 1, event, ctx);
    }
    value.present = true;
    return ReadScalar<J>(v, type, *spec, child, &value, ctx);
  };
  bool ok = J::Fields(obj, path, ctx, read_field);
  if (ctx.fatal) return false;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].required && (seen_mask & (1u << i)) == 0) {
      ctx.Error(path.Child(specs[i].name), "is required");
      ok = false;
    }
  }
  return ok;
}

}  // namespace

template <typename J>
bool ReadPayload(typename J::Value payload, const TypeSpec* spec, const PathNode& path, int depth,
                 Event* event, WalkContext& ctx) {
  std::span<const FieldSpec> fields = spec != nullptr ? spec->fields : std::span<const FieldSpec>();
  return ReadFields<J>(payload, fields, path, true, depth, event->fields.data(), event, ctx);
}

template bool ReadPayload<OdJson>(OdJson::Value, const TypeSpec*, const PathNode&, int, Event*,
                                  WalkContext&);
template bool ReadPayload<TapeJson>(TapeJson::Value, const TypeSpec*, const PathNode&, int, Event*,
                                    WalkContext&);

}  // namespace readside::event::internal
