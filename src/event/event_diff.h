#pragma once
// For tests and fuzzing: the first difference between two parsed events ("" when equal in
// every field, payload values and stored text included). Used to hold the parser's tape fast
// path equal to its On-Demand reference.
// Thread-safety: pure function.

#include <bit>
#include <cstdint>
#include <span>
#include <string>

#include "event/catalog.h"
#include "event/event.h"

namespace readside::event {

inline std::string EventDiff(const Event& a, const Event& b) {
  auto str = [](const std::string& name, const std::string& x, const std::string& y) {
    return x == y ? std::string() : name + ": '" + x + "' vs '" + y + "'";
  };
  auto num = [](const std::string& name, auto x, auto y) {
    return x == y ? std::string() : name + ": " + std::to_string(x) + " vs " + std::to_string(y);
  };
  std::string d;
  auto add = [&d](std::string s) {
    if (d.empty()) d = std::move(s);
  };
  add(str("event_id", a.event_id, b.event_id));
  add(num("event_id_assigned", a.event_id_assigned, b.event_id_assigned));
  add(num("type", static_cast<int>(a.type), static_cast<int>(b.type)));
  add(str("event_type", a.event_type, b.event_type));
  add(str("organization_id", a.organization_id, b.organization_id));
  add(num("timestamp", a.timestamp_micros, b.timestamp_micros));
  add(str("source_service", a.source_service, b.source_service));
  add(str("entity_id", a.entity_id, b.entity_id));
  add(str("entity_type", a.entity_type, b.entity_type));
  add(str("action", a.action, b.action));
  add(str("currency", a.currency, b.currency));
  add(str("json", a.json, b.json));
  // Payload values: only the ones the field's kind gives meaning to (the others keep what
  // an earlier event left in a reused Event).
  std::span<const FieldSpec> specs;
  if (a.type == b.type && a.type != EventType::kUnknown) specs = GetTypeSpec(a.type).fields;
  for (size_t i = 0; i < specs.size(); ++i) {
    const FieldValue& x = a.fields[i];
    const FieldValue& y = b.fields[i];
    std::string f = "fields[" + std::to_string(i) + "].";
    add(num(f + "present", x.present, y.present));
    if (!x.present || !y.present) continue;
    switch (specs[i].kind) {
      case FieldKind::kString:
        add(str(f + "text", x.text, y.text));
        break;
      case FieldKind::kDateTime:
      case FieldKind::kDateOrDateTime:
        add(str(f + "text", x.text, y.text));
        add(num(f + "integer", x.integer, y.integer));
        add(num(f + "is_date", x.is_date, y.is_date));
        break;
      case FieldKind::kMoney:
        add(num(f + "money", x.money.units(), y.money.units()));
        break;
      case FieldKind::kNumber:  // bitwise, so that -0.0 and 0.0 differ
        add(num(f + "number", std::bit_cast<uint64_t>(x.number),
                std::bit_cast<uint64_t>(y.number)));
        break;
      case FieldKind::kInteger:
        add(num(f + "integer", x.integer, y.integer));
        break;
      case FieldKind::kBool:
        add(num(f + "boolean", x.boolean, y.boolean));
        break;
      case FieldKind::kLedgerLines:
      case FieldKind::kOrderLines:
        break;  // below
    }
  }
  add(num("ledger_lines", a.ledger_lines.size(), b.ledger_lines.size()));
  for (size_t i = 0; d.empty() && i < a.ledger_lines.size(); ++i) {
    const LedgerLine& x = a.ledger_lines[i];
    const LedgerLine& y = b.ledger_lines[i];
    add(str("ledger account", x.account_code, y.account_code));
    add(num("ledger debit", x.debit.units(), y.debit.units()));
    add(num("ledger credit", x.credit.units(), y.credit.units()));
  }
  add(num("order_lines", a.order_lines.size(), b.order_lines.size()));
  for (size_t i = 0; d.empty() && i < a.order_lines.size(); ++i) {
    const OrderLine& x = a.order_lines[i];
    const OrderLine& y = b.order_lines[i];
    add(str("order product", x.product_id, y.product_id));
    add(num("order quantity", x.quantity, y.quantity));
    add(num("order unit_price", x.unit_price.units(), y.unit_price.units()));
  }
  return d;
}

}  // namespace readside::event
