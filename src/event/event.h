#pragma once
// One validated event: the envelope, the typed payload values the projections read, and the
// normalized JSON text that the store keeps (minified, with every field the producer sent,
// including unknown ones, plus a server-assigned event_id when the producer gave none).
// Thread-safety: plain value type.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/money.h"
#include "event/catalog.h"

namespace readside::event {

// One cache line (the flags after the numbers, not before the text, and 64-byte aligned): a
// field the applier reads is one line, not two.
struct alignas(64) FieldValue {
  std::string text;      // kString (also the raw text of kDateTime / kDateOrDateTime)
  Money money;           // kMoney
  double number = 0;     // kNumber
  int64_t integer = 0;   // kInteger; unix micros for kDateTime / kDateOrDateTime
  bool present = false;
  bool boolean = false;  // kBool
  bool is_date = false;  // kDateOrDateTime given as "YYYY-MM-DD"
};
static_assert(sizeof(FieldValue) == 64);

struct LedgerLine {
  std::string account_code;
  Money debit;
  Money credit;
};

struct OrderLine {
  std::string product_id;
  int64_t quantity = 0;
  Money unit_price;
};

struct Event {
  // What the applier reads of every event, together in its first 144 bytes.
  EventType type = EventType::kUnknown;
  bool event_id_assigned = false;  // the server made event_id up (the producer sent none)
  int64_t timestamp_micros = 0;
  std::string organization_id;
  std::string entity_id;
  std::string source_service;
  std::string currency;  // payload.currency, empty when absent (the tenant's currency applies)
  std::string event_id;
  std::string event_type;  // as sent; for kUnknown the only record of the type
  std::string entity_type;
  std::string action;

  // Payload values in the order of the type's FieldSpec table (catalog.h).
  std::array<FieldValue, kMaxPayloadFields> fields;  // each on its own cache line
  std::vector<LedgerLine> ledger_lines;
  std::vector<OrderLine> order_lines;

  // Normalized, minified JSON of the whole event as stored.
  std::string json;

  const FieldValue& field(int index) const { return fields[static_cast<size_t>(index)]; }
};

// A rejection reason: the JSON path of the field ("data.payload.amount") and the rule broken.
struct FieldError {
  std::string field;
  std::string message;
};

}  // namespace readside::event
