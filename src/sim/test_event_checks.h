// Test-only checker of spec/events.md for the simulator's tests: the envelope rules and every
// catalog type's payload rules. Written from the spec, not from the generator, so that it
// can judge it.
//
// Thread-safety: stateless functions.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/test_json_values.h"

namespace readside::sim::testing {

enum class Kind {
  kString,
  kMoney,
  kMoneyPositive,
  kInt,
  kIntNonNegative,
  kIntPositive,
  kNumberNonNegative,
  kNumberPositive,
  kHours,
  kBool,
  kDateTime,
  kDateOrDateTime,
  kLedgerLines,
  kOrderLines,
  kStatus,
  kAccountType,
};
struct FieldRule {
  const char* name;
  Kind kind;
  bool required;
};

inline const std::map<std::string, std::vector<FieldRule>, std::less<>>& Catalog() {
  using K = Kind;
  static const auto* catalog = new std::map<std::string, std::vector<FieldRule>, std::less<>>{
      {"crm.contact.created",
       {{"name", K::kString, true},
        {"email", K::kString, false},
        {"company", K::kString, false},
        {"owner_id", K::kString, false}}},
      {"crm.contact.updated",
       {{"name", K::kString, false},
        {"email", K::kString, false},
        {"company", K::kString, false},
        {"owner_id", K::kString, false}}},
      {"crm.contact.deleted", {}},
      {"crm.lead.created",
       {{"source", K::kString, true},
        {"owner_id", K::kString, true},
        {"name", K::kString, false},
        {"estimated_value", K::kMoney, false}}},
      {"crm.lead.converted",
       {{"owner_id", K::kString, false}, {"opportunity_id", K::kString, false}}},
      {"crm.opportunity.created",
       {{"stage", K::kString, true},
        {"amount", K::kMoney, true},
        {"owner_id", K::kString, true},
        {"name", K::kString, false},
        {"lead_id", K::kString, false}}},
      {"crm.opportunity.stage_changed",
       {{"stage", K::kString, true}, {"amount", K::kMoney, false}}},
      {"crm.opportunity.won", {{"amount", K::kMoney, false}, {"owner_id", K::kString, false}}},
      {"crm.opportunity.lost", {{"reason", K::kString, false}}},
      {"crm.activity.logged",
       {{"activity_type", K::kString, true},
        {"owner_id", K::kString, true},
        {"contact_id", K::kString, false}}},
      {"hrm.employee.created",
       {{"name", K::kString, true},
        {"department", K::kString, true},
        {"role", K::kString, true},
        {"employment_type", K::kString, false}}},
      {"hrm.employee.updated",
       {{"name", K::kString, false},
        {"department", K::kString, false},
        {"role", K::kString, false}}},
      {"hrm.employee.terminated", {{"reason", K::kString, false}}},
      {"hrm.leave.requested",
       {{"employee_id", K::kString, true},
        {"leave_type", K::kString, true},
        {"days", K::kNumberPositive, true}}},
      {"hrm.leave.approved", {{"employee_id", K::kString, false}}},
      {"hrm.attendance.checked_in",
       {{"employee_id", K::kString, true},
        {"scheduled_start", K::kDateTime, true},
        {"checked_in_at", K::kDateTime, true}}},
      {"hrm.payroll.processed",
       {{"gross_total", K::kMoney, true},
        {"net_total", K::kMoney, true},
        {"employee_count", K::kIntNonNegative, true},
        {"pay_period", K::kString, false}}},
      {"finance.invoice.created",
       {{"customer_id", K::kString, true},
        {"amount", K::kMoneyPositive, true},
        {"due_date", K::kDateOrDateTime, true},
        {"recurring", K::kBool, false}}},
      {"finance.invoice.sent", {}},
      {"finance.payment.received",
       {{"invoice_id", K::kString, true}, {"amount", K::kMoneyPositive, true}}},
      {"finance.account.created",
       {{"code", K::kString, true},
        {"name", K::kString, true},
        {"type", K::kAccountType, true},
        {"subtype", K::kString, false}}},
      {"finance.transaction.posted",
       {{"lines", K::kLedgerLines, true}, {"description", K::kString, false}}},
      {"inventory.product.created",
       {{"sku", K::kString, true},
        {"name", K::kString, true},
        {"category", K::kString, true},
        {"unit_cost", K::kMoney, true},
        {"unit_price", K::kMoney, true},
        {"reorder_point", K::kIntNonNegative, true}}},
      {"inventory.stock.updated",
       {{"product_id", K::kString, true},
        {"warehouse_id", K::kString, true},
        {"quantity_delta", K::kInt, true},
        {"reason", K::kString, true}}},
      {"inventory.order.created",
       {{"lines", K::kOrderLines, true}, {"customer_id", K::kString, false}}},
      {"inventory.order.fulfilled", {}},
      {"inventory.reorder.triggered",
       {{"product_id", K::kString, true},
        {"quantity_on_hand", K::kInt, true},
        {"reorder_point", K::kInt, true},
        {"reorder_quantity", K::kIntPositive, true}}},
      {"project.created",
       {{"name", K::kString, true},
        {"budget_hours", K::kNumberNonNegative, false},
        {"budget_amount", K::kMoney, false},
        {"manager_id", K::kString, false}}},
      {"project.updated",
       {{"status", K::kStatus, false},
        {"name", K::kString, false},
        {"budget_hours", K::kNumberNonNegative, false}}},
      {"project.task.created",
       {{"project_id", K::kString, true},
        {"estimate_hours", K::kNumberNonNegative, false},
        {"assignee_id", K::kString, false},
        {"name", K::kString, false}}},
      {"project.task.completed", {{"project_id", K::kString, false}}},
      {"project.time.logged",
       {{"project_id", K::kString, true},
        {"employee_id", K::kString, true},
        {"hours", K::kHours, true},
        {"billable", K::kBool, true},
        {"task_id", K::kString, false}}},
  };
  return *catalog;
}

inline bool IsNumber(simdjson::dom::element e) {
  auto t = e.type();
  return t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64 ||
         t == simdjson::dom::element_type::DOUBLE;
}
inline bool IsInteger(simdjson::dom::element e) {
  auto t = e.type();
  return t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64;
}

inline std::string CheckField(simdjson::dom::element v, Kind kind);

inline std::string CheckLines(simdjson::dom::element v, bool ledger) {
  simdjson::dom::array lines;
  if (v.get(lines)) return "not an array";
  size_t n = 0;
  int64_t debit = 0, credit = 0;
  for (simdjson::dom::element line : lines) {
    ++n;
    simdjson::dom::object o;
    if (line.get(o)) return "[]: not an object";
    const std::vector<FieldRule> rules =
        ledger ? std::vector<FieldRule>{{"account_code", Kind::kString, true},
                                        {"debit", Kind::kMoney, true},
                                        {"credit", Kind::kMoney, true}}
               : std::vector<FieldRule>{{"product_id", Kind::kString, true},
                                        {"quantity", Kind::kIntPositive, true},
                                        {"unit_price", Kind::kMoney, true}};
    for (const FieldRule& r : rules) {
      simdjson::dom::element f;
      if (o[r.name].get(f)) return std::string("[].") + r.name + ": missing";
      std::string err = CheckField(f, r.kind);
      if (!err.empty()) return std::string("[].") + r.name + ": " + err;
    }
    if (ledger) {
      debit += *MoneyOf(o["debit"].value());
      credit += *MoneyOf(o["credit"].value());
    }
  }
  if (n < (ledger ? 2u : 1u)) return "too few";
  if (ledger && debit != credit) return "unbalanced";
  return "";
}

inline std::string CheckField(simdjson::dom::element v, Kind kind) {
  using T = simdjson::dom::element_type;
  switch (kind) {
    case Kind::kString:
      return v.type() == T::STRING ? "" : "not a string";
    case Kind::kBool:
      return v.type() == T::BOOL ? "" : "not a bool";
    case Kind::kMoney:
    case Kind::kMoneyPositive: {
      auto m = MoneyOf(v);
      if (!m) return "not money";
      if (*m < 0 || (kind == Kind::kMoneyPositive && *m == 0)) return "money out of range";
      return "";
    }
    case Kind::kInt:
      return IsInteger(v) ? "" : "not an integer";
    case Kind::kIntNonNegative:
    case Kind::kIntPositive: {
      if (!IsInteger(v)) return "not an integer";
      int64_t i = v.type() == T::UINT64 ? static_cast<int64_t>(v.get_uint64().value()) : Int(v);
      return i < 0 || (kind == Kind::kIntPositive && i == 0) ? "integer out of range" : "";
    }
    case Kind::kNumberNonNegative:
    case Kind::kNumberPositive:
    case Kind::kHours: {
      if (!IsNumber(v)) return "not a number";
      double d = Num(v);
      if (d < 0 || (kind != Kind::kNumberNonNegative && d == 0) ||
          (kind == Kind::kHours && d > 24)) {
        return "number out of range";
      }
      return "";
    }
    case Kind::kDateTime:
      return v.type() == T::STRING && ParseDateTime(Sv(v)) ? "" : "bad date-time";
    case Kind::kDateOrDateTime:
      return v.type() == T::STRING && (ParseDate(Sv(v)) || ParseDateTime(Sv(v))) ? "" : "bad date";
    case Kind::kLedgerLines:
      return CheckLines(v, true);
    case Kind::kOrderLines:
      return CheckLines(v, false);
    case Kind::kStatus: {
      if (v.type() != T::STRING) return "not a string";
      std::string_view s(v);
      return s == "active" || s == "on_hold" || s == "completed" || s == "cancelled" ? ""
                                                                                     : "bad status";
    }
    case Kind::kAccountType: {
      if (v.type() != T::STRING) return "not a string";
      std::string_view s(v);
      return s == "asset" || s == "liability" || s == "equity" || s == "revenue" || s == "expense"
                 ? ""
                 : "bad account type";
    }
  }
  return "unknown kind";
}

// Checks one line against spec/events.md. Returns "" if valid, else the broken rule.
inline std::string CheckEvent(simdjson::dom::parser& parser, const std::string& line) {
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc)) return "not JSON";
  simdjson::dom::object root;
  if (doc.get(root)) return "not an object";
  auto string_field = [](simdjson::dom::object o, const char* key,
                         std::string_view* out) -> std::string {
    simdjson::dom::element e;
    if (o[key].get(e)) return std::string(key) + ": missing";
    if (e.get(*out)) return std::string(key) + ": not a string";
    return "";
  };
  std::string_view event_id, type, org, ts, version, service, entity_id, entity_type, action;
  simdjson::dom::element id_element;
  if (!root["event_id"].get(id_element)) {
    if (id_element.get(event_id) || event_id.size() > 128) return "event_id: bad";
  }
  for (auto [key, out] : {std::pair{"event_type", &type},
                          {"organization_id", &org},
                          {"timestamp", &ts},
                          {"version", &version},
                          {"source_service", &service}}) {
    std::string err = string_field(root, key, out);
    if (!err.empty()) return err;
  }
  if (!ValidOrganizationId(org)) return "organization_id: bad";
  if (!ParseDateTime(ts)) return "timestamp: bad";
  size_t dot = version.find('.');
  int major = 0, minor = 0;
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == version.size() ||
      !Digits(version, 0, dot, &major) ||
      !Digits(version, dot + 1, version.size() - dot - 1, &minor) || major != 1) {
    return "version: bad";
  }
  if (service.empty()) return "source_service: empty";
  simdjson::dom::object data, payload;
  if (root["data"].get(data)) return "data: missing or not an object";
  for (auto [key, out] :
       {std::pair{"entity_id", &entity_id}, {"entity_type", &entity_type}, {"action", &action}}) {
    std::string err = string_field(data, key, out);
    if (!err.empty()) return err;
  }
  if (entity_id.empty() || entity_id.size() > 128) return "entity_id: bad";
  if (data["payload"].get(payload)) return "payload: missing or not an object";
  auto rules = Catalog().find(type);
  if (rules == Catalog().end()) return "";  // unknown types are stored, not rejected
  for (const FieldRule& r : rules->second) {
    simdjson::dom::element f;
    if (payload[r.name].get(f)) {
      if (r.required) return std::string(r.name) + ": missing";
      continue;
    }
    std::string err = CheckField(f, r.kind);
    if (!err.empty()) return std::string(r.name) + ": " + err;
  }
  return "";
}

}  // namespace readside::sim::testing
