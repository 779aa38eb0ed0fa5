#pragma once
// Test support for report builders: one tenant's projection fed event by event from JSON
// payloads (each Add is the next store position), and a report run against its view.
// Thread-safety: test code, single-threaded.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/time_util.h"
#include "event/event.h"
#include "event/parser.h"
#include "projection/tenant_projection.h"
#include "report/report.h"

namespace readside::report::testing {

inline int64_t Micros(std::string_view rfc3339) {
  int64_t micros = 0;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &micros)) << rfc3339;
  return micros;
}

inline std::string Str(std::string_view key, std::string_view value) {
  return "\"" + std::string(key) + "\":\"" + std::string(value) + "\"";
}
inline std::string Num(std::string_view key, std::string_view number) {
  return "\"" + std::string(key) + "\":" + std::string(number);
}
inline std::string Obj(const std::vector<std::string>& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out + "}";
}

class TestTenant {
 public:
  explicit TestTenant(std::string org = "acme", std::string timezone = "UTC",
                      std::string currency = "USD")
      : projection_(projection::TenantSettings{org, "Acme", timezone, currency},
                    *projection::LocalCalendar::Create(timezone)),
        org_(std::move(org)) {}

  // Applies one event; `payload` is the JSON object of data.payload.
  TestTenant& Add(std::string_view type, std::string_view entity, std::string_view timestamp,
                  std::string_view payload = "{}") {
    std::string json = std::string(R"({"event_type":")") + std::string(type) +
                       R"(","organization_id":")" + org_ + R"(","timestamp":")" +
                       std::string(timestamp) +
                       R"(","version":"1.0","source_service":"erp-test","data":{"entity_id":")" +
                       std::string(entity) +
                       R"(","entity_type":"test","action":"test","payload":)" +
                       std::string(payload) + "}}";
    event::Event e;
    std::vector<event::FieldError> errors;
    if (!parser_.ParseOne(json, &e, &errors)) {
      std::string why;
      for (const auto& err : errors) why += err.field + " " + err.message + "; ";
      ADD_FAILURE() << "rejected: " << json << ": " << why;
      return *this;
    }
    projection_.Apply(e, ++position_, Micros("2030-01-01T00:00:00Z"));
    return *this;
  }

  std::shared_ptr<const projection::TenantView> View() const {
    return projection_.Publish(position_);
  }

  // Runs report/type for `period` with `params`; fails the test on a bad request.
  Document Run(std::string_view report, std::string_view type, std::string_view period,
               std::vector<std::pair<std::string, std::string>> params = {},
               std::string_view now = "2030-01-01T00:00:00Z") const {
    std::shared_ptr<const projection::TenantView> view = View();
    const TypeSpec* spec = nullptr;
    projection::Period p;
    std::vector<std::pair<std::string, std::string>> resolved;
    std::optional<Problem> problem = ResolveRequest(report, type, period, params, view->calendar,
                                                    Micros(now), &spec, &p, &resolved);
    if (problem) {
      ADD_FAILURE() << "bad request: " << problem->detail;
      return {};
    }
    return BuildReport(ReportRequest{*view, *spec, p, resolved, Micros(now)});
  }

  uint64_t position() const { return position_; }

  // Replaces the projection by one saved to a snapshot and loaded back (what a restart
  // does); false when the snapshot does not load.
  bool ReloadFromSnapshot() {
    projection::SnapshotWriter w;
    projection_.Save(w);
    projection::SnapshotReader r(w.buffer());
    std::unique_ptr<projection::TenantProjection> loaded = projection::TenantProjection::Load(r);
    if (!loaded) return false;
    projection_ = std::move(*loaded);
    return true;
  }

 private:
  event::EventParser parser_;
  mutable projection::TenantProjection projection_;
  std::string org_;
  uint64_t position_ = 0;
};

// The cell of `column` (by id) in the first row whose first cell is the text `key`.
inline Cell CellOf(const Section& s, std::string_view key, std::string_view column) {
  size_t col = s.columns.size();
  for (size_t i = 0; i < s.columns.size(); ++i) {
    if (s.columns[i].id == column) col = i;
  }
  EXPECT_LT(col, s.columns.size()) << "no column " << column << " in " << s.id;
  for (const auto& row : s.rows) {
    const auto* k = std::get_if<std::string>(&row[0]);
    if (k != nullptr && *k == key && col < row.size()) return row[col];
  }
  ADD_FAILURE() << "no row " << key << " in " << s.id;
  return {};
}

// The text of a decimal cell ("" when the cell is not a number).
inline std::string Text(const Cell& c) {
  const auto* d = std::get_if<Decimal>(&c);
  return d ? d->ToString() : "";
}

inline std::string KpiText(const Section& s, std::string_view label) {
  for (const KpiItem& item : s.items) {
    if (item.label == label) return item.value.ToString();
  }
  ADD_FAILURE() << "no KPI " << label << " in " << s.id;
  return "";
}

}  // namespace readside::report::testing
