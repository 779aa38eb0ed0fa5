#include "event/payload.h"

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

bool ReadMoney(od::value v, od::json_type type, const PathNode& path, Money* out,
               WalkContext& ctx) {
  MoneyParseError err;
  if (type == od::json_type::number) {
    std::string_view raw = TrimmedToken(v);
    if (!IsJsonNumber(raw)) return ctx.Fail(simdjson::NUMBER_ERROR, path);
    err = ParseMoney(raw, /*allow_exponent=*/true, out);
  } else if (type == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return ctx.Fail(e, path);
    err = ParseMoney(s, /*allow_exponent=*/false, out);
  } else {
    return WrongType(type, "a money amount (number or decimal string)", path, ctx);
  }
  if (err != MoneyParseError::kOk) {
    ctx.Error(path, std::string(MoneyParseErrorText(err)));
    return false;
  }
  return true;
}

// Reads one field of kind String/Money/Number/Integer/Bool/DateTime/DateOrDateTime.
bool ReadScalar(od::value v, od::json_type type, const FieldSpec& spec, const PathNode& path,
                FieldValue* fv, WalkContext& ctx) {
  switch (spec.kind) {
    case FieldKind::kString:
    case FieldKind::kDateTime:
    case FieldKind::kDateOrDateTime: {
      if (type != od::json_type::string) return WrongType(type, "a string", path, ctx);
      std::string_view s;
      if (auto e = v.get_string().get(s)) return ctx.Fail(e, path);
      fv->text.assign(s);
      if (spec.kind == FieldKind::kDateOrDateTime && s.size() == 10) {
        fv->is_date = true;
        if (ParseIsoDate(s, &fv->integer)) return true;
        ctx.Error(path, "must be a date YYYY-MM-DD or an RFC 3339 date-time");
        return false;
      }
      if (spec.kind != FieldKind::kString && !ParseRfc3339(s, &fv->integer)) {
        ctx.Error(path, spec.kind == FieldKind::kDateTime
                            ? "must be an RFC 3339 date-time with Z or an offset"
                            : "must be a date YYYY-MM-DD or an RFC 3339 date-time");
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
      return ReadMoney(v, type, path, &fv->money, ctx) &&
             CheckMoneyBound(spec.bound, fv->money, path, ctx);
    case FieldKind::kNumber: {
      if (type != od::json_type::number) return WrongType(type, "a number", path, ctx);
      std::string_view raw = TrimmedToken(v);
      if (!IsJsonNumber(raw)) return ctx.Fail(simdjson::NUMBER_ERROR, path);
      double d;
      if (v.get_double().get(d) || !std::isfinite(d)) {
        ctx.Error(path, "must be a finite number within double range");
        return false;
      }
      fv->number = d;
      return CheckBound(spec.bound, d, path, ctx);
    }
    case FieldKind::kInteger: {
      if (type != od::json_type::number) return WrongType(type, "an integer", path, ctx);
      std::string_view raw = TrimmedToken(v);
      if (!IsJsonNumber(raw)) return ctx.Fail(simdjson::NUMBER_ERROR, path);
      if (raw.find_first_of(".eE") != std::string_view::npos) {
        ctx.Error(path, "must be an integer");
        return false;
      }
      if (v.get_int64().get(fv->integer)) {
        ctx.Error(path, "must be an integer within the 64-bit range");
        return false;
      }
      return CheckBound(spec.bound, static_cast<double>(fv->integer), path, ctx);
    }
    case FieldKind::kBool: {
      if (type != od::json_type::boolean) return WrongType(type, "a boolean", path, ctx);
      if (auto e = v.get_bool().get(fv->boolean)) return ctx.Fail(e, path);
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
bool ReadFields(od::object obj, std::span<const FieldSpec> specs, const PathNode& path,
                bool is_payload, int depth, FieldValue* values, Event* event, WalkContext& ctx);

bool ReadLines(od::value v, od::json_type type, const FieldSpec& spec, const PathNode& path,
               int depth, Event* event, WalkContext& ctx) {
  if (type != od::json_type::array) return WrongType(type, "an array", path, ctx);
  bool ledger = spec.kind == FieldKind::kLedgerLines;
  std::span<const FieldSpec> line_specs =
      ledger ? std::span<const FieldSpec>(kLedgerLineFields) : kOrderLineFields;
  od::array arr;
  if (auto e = v.get_array().get(arr)) return ctx.Fail(e, path);
  bool ok = true;
  size_t index = 0;
  Money debit_sum, credit_sum;
  for (auto element : arr) {
    od::value ev;
    if (auto e = std::move(element).get(ev)) return ctx.Fail(e, path);
    PathNode line_path = path.Element(index);
    ++index;
    od::json_type et;
    if (auto e = ev.type().get(et)) return ctx.Fail(e, line_path);
    od::object line_obj;
    if (et != od::json_type::object) {
      ok = WrongType(et, "an object", line_path, ctx);
      continue;
    }
    if (auto e = ev.get_object().get(line_obj)) return ctx.Fail(e, line_path);
    FieldValue vals[3];
    if (!ReadFields(line_obj, line_specs, line_path, false, depth + 1, vals, event, ctx)) {
      if (ctx.fatal) return false;
      ok = false;
      continue;
    }
    if (ledger) {
      event->ledger_lines.push_back({std::move(vals[0].text), vals[1].money, vals[2].money});
      debit_sum += vals[1].money;
      credit_sum += vals[2].money;
    } else {
      event->order_lines.push_back({std::move(vals[0].text), vals[1].integer, vals[2].money});
    }
  }
  if (!ok) return false;
  if (ledger && index < 2) {
    ctx.Error(path, "must have at least 2 lines");
    return false;
  }
  if (!ledger && index < 1) {
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

bool ReadCurrency(od::value v, od::json_type type, const PathNode& path, Event* event,
                  WalkContext& ctx) {
  if (type != od::json_type::string) return WrongType(type, "a string", path, ctx);
  std::string_view s;
  if (auto e = v.get_string().get(s)) return ctx.Fail(e, path);
  bool ok = s.size() == 3;
  for (char c : s) ok = ok && c >= 'A' && c <= 'Z';
  if (!ok) {
    ctx.Error(path, "must be an ISO 4217 code of three upper-case letters");
    return false;
  }
  event->currency.assign(s);
  return true;
}

bool ReadFields(od::object obj, std::span<const FieldSpec> specs, const PathNode& path,
                bool is_payload, int depth, FieldValue* values, Event* event, WalkContext& ctx) {
  uint32_t seen_mask = 0;  // known fields present (null counts as absent)
  auto read_field = [&](std::string_view key, od::value v, const PathNode& child) -> bool {
    int index = -1;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name == key) index = static_cast<int>(i);
    }
    if (index < 0 && !(is_payload && key == "currency"))
      return ValidateAny(v, depth + 1, child, ctx);
    od::json_type type;
    if (auto e = v.type().get(type)) return ctx.Fail(e, child);
    const FieldSpec* spec = index >= 0 ? &specs[static_cast<size_t>(index)] : nullptr;
    if (type == od::json_type::null && (spec == nullptr || !spec->required)) {
      return true;  // an optional field sent as null counts as absent
    }
    if (spec == nullptr) return ReadCurrency(v, type, child, event, ctx);
    seen_mask |= 1u << index;
    FieldValue& value = values[index];
    if (spec->kind == FieldKind::kLedgerLines || spec->kind == FieldKind::kOrderLines) {
      return value.present = ReadLines(v, type, *spec, child, depth + 1, event, ctx);
    }
    value.present = true;
    return ReadScalar(v, type, *spec, child, &value, ctx);
  };
  bool ok = ForEachField(obj, path, ctx, read_field);
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

bool ReadPayload(od::object payload, const TypeSpec& spec, const PathNode& path, int depth,
                 Event* event, WalkContext& ctx) {
  return ReadFields(payload, spec.fields, path, true, depth, event->fields.data(), event, ctx);
}

bool ReadUnknownPayload(od::object payload, const PathNode& path, int depth, Event* event,
                        WalkContext& ctx) {
  return ReadFields(payload, {}, path, true, depth, event->fields.data(), event, ctx);
}

}  // namespace readside::event::internal
