#pragma once
// Dashboards and their widgets (../shared/spec/dashboards.md "Widgets and dashboards"),
// stored as events so that a restart, a rebuild or another node sees the same dashboards:
//   readside.dashboard.saved    the dashboard, whole, after a change, with the version it
//                               replaced (`expected_version`, 0: it did not exist)
//   readside.dashboard.deleted  the dashboard was deleted (with the version it replaced)
// A change takes effect only when the stored dashboard's version still equals the expected
// one when the event is applied (projection/dashboard_projection.h): the log order decides
// between two concurrent changes, the same on every node, and the loser is told (409/412),
// never silently overwritten.
// Versions are store positions: a dashboard's version is the position of the event that last
// changed it, a widget's the position of the event that last changed that widget (the
// projection fills them in; a saved event carries 0 for the widgets it changes). So a version
// never repeats, not even after a dashboard is deleted and made again: a stale ETag never
// matches a different state.
// This file is the one place the events' JSON is written and read.
// Thread-safety: value types and pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_writer.h"

namespace readside::own_state {

inline constexpr std::string_view kDashboardEventPrefix = "readside.dashboard.";
inline constexpr std::string_view kDashboardSavedType = "readside.dashboard.saved";
inline constexpr std::string_view kDashboardDeletedType = "readside.dashboard.deleted";

// The organization's default dashboard (everyone's until they change their own).
inline constexpr std::string_view kDefaultDashboardId = "default";

struct Grid {
  int x = 0, y = 0, w = 0, h = 0;  // on a 12-column grid, in cells
  bool operator==(const Grid&) const = default;
};

// The metric a widget shows and its query parameters, as given (periods are resolved when
// the widget is computed: an absent period is "the current month" at that time).
struct WidgetQuery {
  std::string metric;
  std::string period;                 // metric, table, list
  std::string from, to, granularity;  // chart (and table over a scalar metric)
  int limit = 0;                      // list, table: rows shown (0: the default)
  bool operator==(const WidgetQuery&) const = default;
};

struct Widget {
  std::string id;
  std::string type;         // metric | chart | table | list
  std::string title;
  std::string data_source;  // crm | hrm | finance | inventory | projects | cross
  WidgetQuery query;
  int refresh_interval = 300;  // seconds
  std::string chart_type;      // line | bar | pie | donut (charts only)
  Grid grid;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  int64_t version = 0;  // the position of its latest change (its grid included); 0: not stored
};

struct Dashboard {
  std::string id;
  std::string organization_id;
  std::string name;
  std::string owner;  // the owner's token subject; "" for the organization's default
  std::vector<std::string> shared_users, shared_roles;  // sorted, unique
  std::vector<Widget> widgets;                          // in creation order
  std::vector<std::string> deleted_widgets;  // recently deleted widget ids (for 409s), newest last
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  int64_t version = 0;  // the position of its latest change; 0: never stored

  const Widget* FindWidget(std::string_view widget_id) const;
  Widget* FindWidget(std::string_view widget_id);
};

// At most this many deleted widget ids are remembered per dashboard.
inline constexpr size_t kDeletedWidgetsKept = 200;

struct DashboardSaved {
  Dashboard dashboard;
  int64_t expected_version = 0;
  std::string event_id;
};
struct DashboardDeleted {
  std::string organization_id, dashboard_id;
  int64_t expected_version = 0;
  std::string event_id;
};
using DashboardEvent = std::variant<DashboardSaved, DashboardDeleted>;

std::string EncodeDashboardSaved(const Dashboard& d, int64_t expected_version,
                                 std::string_view event_id, int64_t timestamp_micros);
std::string EncodeDashboardDeleted(std::string_view organization_id,
                                   std::string_view dashboard_id, int64_t expected_version,
                                   std::string_view event_id, int64_t timestamp_micros);
// Decodes a stored readside.dashboard.* event. InvalidArgument naming the member when it is
// not one or a member is missing or of the wrong type.
absl::StatusOr<DashboardEvent> DecodeDashboardEvent(std::string_view event_json);

// A dashboard as one JSON object (the payload's "dashboard" member; also the snapshot form).
void WriteDashboard(const Dashboard& d, JsonBuilder& out);
absl::StatusOr<Dashboard> DecodeDashboard(std::string_view json);

}  // namespace readside::own_state
