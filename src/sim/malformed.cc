#include "sim/malformed.h"

#include "sim/json_writer.h"

namespace readside::sim {
namespace {

enum Kind {
  kTruncated,
  kMissingField,
  kWrongType,
  kBadOrganization,
  kBadTimestamp,
  kBadVersion,
  kRuleBroken
};
constexpr uint32_t kKindWeights[] = {15, 15, 15, 12, 13, 5, 25};

constexpr std::string_view kRequiredStringKeys[] = {"event_type",  "organization_id", "timestamp",
                                                    "version",     "source_service",  "entity_id",
                                                    "entity_type", "action"};
constexpr std::string_view kBadOrganizations[] = {
    "\"Acme Corp\"", "\"-acme-\"",
    "\"\"",          "\"acme_corp!\"",
    "\"ACME-CORP\"", "\"a-very-long-organization-identifier-that-exceeds-the-sixty-four-limit\""};
constexpr std::string_view kBadTimestamps[] = {"\"2024-13-45T25:61:00Z\"", "\"not-a-timestamp\"",
                                               "\"2024-01-15\"",           "\"\"",
                                               "\"2024-01-15T10:00:00\"",  "\"15/01/2024 10:00\""};
constexpr std::string_view kBadVersions[] = {"\"2.0\"", "\"1\"", "\"one\"", "\"0.9\""};

// Type-specific rule violations: event type, entity type, action, entity id, payload.
struct Synthetic {
  std::string_view type, entity_type, action, service, entity_id, payload;
};
constexpr Synthetic kSynthetics[] = {
    {"finance.payment.received", "payment", "received", "erp-finance-service", "pay-0",
     R"({"invoice_id":"inv-1","amount":-125.5})"},
    {"finance.invoice.created", "invoice", "created", "erp-finance-service", "inv-0",
     R"({"customer_id":"con-1","amount":0,"due_date":"2024-02-01"})"},
    {"crm.opportunity.created", "opportunity", "created", "erp-crm-service", "opp-0",
     R"({"stage":"prospecting","amount":"-5000.00","owner_id":"emp-1"})"},
    {"finance.transaction.posted", "transaction", "posted", "erp-finance-service", "txn-0",
     R"({"lines":[{"account_code":"1000","debit":100.5,"credit":0},{"account_code":"4000","debit":0,"credit":100.05}],"description":"Unbalanced"})"},
    {"finance.transaction.posted", "transaction", "posted", "erp-finance-service", "txn-0",
     R"({"lines":[{"account_code":"1000","debit":250,"credit":0}]})"},
    {"hrm.leave.requested", "leave", "requested", "erp-hrm-service", "leave-0",
     R"({"employee_id":"emp-1","leave_type":"vacation","days":0})"},
    {"project.time.logged", "time", "logged", "erp-project-service", "tlog-0",
     R"({"project_id":"proj-1","employee_id":"emp-1","hours":30,"billable":true})"},
    {"inventory.order.created", "order", "created", "erp-inventory-service", "ord-0",
     R"({"lines":[],"customer_id":"con-1"})"},
    {"hrm.payroll.processed", "payroll", "processed", "erp-hrm-service", "payroll-0",
     R"({"gross_total":1000,"net_total":700,"employee_count":"12"})"},
    {"crm.lead.created", "lead", "created", "erp-crm-service", "lead-0",
     R"({"owner_id":"emp-1","name":"No Source"})"},
    {"inventory.stock.updated", "stock", "updated", "erp-inventory-service", "stk-0",
     R"({"product_id":"prod-1","warehouse_id":"wh-east","quantity_delta":2.5,"reason":"received"})"},
};

// The raw value (with quotes for strings) of the first "key": in line, or empty.
std::string_view ValueOf(std::string_view line, std::string_view key) {
  std::string pattern = "\"" + std::string(key) + "\":";
  size_t at = line.find(pattern);
  if (at == std::string_view::npos) return {};
  size_t begin = at + pattern.size();
  size_t end = begin;
  if (line[begin] == '"') {
    end = line.find('"', begin + 1) + 1;
  } else {
    while (end < line.size() && line[end] != ',' && line[end] != '}') ++end;
  }
  return line.substr(begin, end - begin);
}

}  // namespace

void Malformer::Corrupt(std::string_view valid, std::string* out) {
  out->assign(valid);
  std::string id;
  rng_.AppendUuid(&id);
  out->replace(13, 36, id);  // the event_id value of EventBuilder's layout
  switch (rng_.Choose(kKindWeights)) {
    case kTruncated:
      Truncate(*out, out);
      break;
    case kMissingField:
      DropField(out);
      break;
    case kWrongType:
      WrongType(out);
      break;
    case kBadOrganization:
      ReplaceValue("organization_id", kBadOrganizations[rng_.Below(6)], out);
      break;
    case kBadTimestamp:
      ReplaceValue("timestamp", kBadTimestamps[rng_.Below(6)], out);
      break;
    case kBadVersion:
      ReplaceValue("version", kBadVersions[rng_.Below(4)], out);
      break;
    default:
      Synthesize(valid, out);
  }
}

void Malformer::Truncate(std::string_view valid, std::string* out) {
  // Any proper prefix of a JSON object is invalid JSON.
  size_t keep = 1 + rng_.Below(valid.size() - 2);
  out->resize(keep);
}

void Malformer::ReplaceValue(std::string_view key, std::string_view replacement, std::string* out) {
  std::string_view value = ValueOf(*out, key);
  size_t at = static_cast<size_t>(value.data() - out->data());
  out->replace(at, value.size(), replacement);
}

void Malformer::DropField(std::string* out) {
  uint64_t pick = rng_.Below(9);
  if (pick == 8) {  // data.payload disappears (renamed)
    out->replace(out->find("\"payload\":"), 10, "\"payload_\":");
    return;
  }
  std::string_view key = kRequiredStringKeys[pick];
  std::string_view value = ValueOf(*out, key);
  size_t value_end = static_cast<size_t>(value.data() - out->data()) + value.size();
  size_t begin = out->find("\"" + std::string(key) + "\":");
  if ((*out)[value_end] == ',') {
    out->erase(begin, value_end + 1 - begin);
  } else {  // last member: take the preceding comma
    out->erase(begin - 1, value_end - begin + 1);
  }
}

void Malformer::WrongType(std::string* out) {
  switch (rng_.Below(4)) {
    case 0:
      ReplaceValue("version", "1.0", out);
      break;
    case 1:
      ReplaceValue("timestamp", "1705312800", out);
      break;
    case 2:
      ReplaceValue("entity_id", "42", out);
      break;
    default:
      ReplaceValue("organization_id", "null", out);
  }
}

void Malformer::Synthesize(std::string_view valid, std::string* out) {
  const Synthetic& s = kSynthetics[rng_.Below(sizeof(kSynthetics) / sizeof(kSynthetics[0]))];
  std::string event_id(out->substr(13, 36));
  std::string_view org = ValueOf(valid, "organization_id");
  std::string_view timestamp = ValueOf(valid, "timestamp");
  out->clear();
  out->append("{\"event_id\":\"").append(event_id).append("\",\"event_type\":\"");
  out->append(s.type).append("\",\"organization_id\":").append(org);
  out->append(",\"timestamp\":").append(timestamp);
  out->append(",\"version\":\"1.0\",\"source_service\":\"").append(s.service);
  out->append("\",\"data\":{\"entity_id\":\"").append(s.entity_id);
  AppendInt(static_cast<int64_t>(100000 + rng_.Below(900000)), out);
  out->append("\",\"entity_type\":\"").append(s.entity_type);
  out->append("\",\"action\":\"").append(s.action);
  out->append("\",\"payload\":").append(s.payload).append("}}");
}

}  // namespace readside::sim
