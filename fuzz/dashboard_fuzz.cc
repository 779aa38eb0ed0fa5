// libFuzzer target: the dashboard layout and widget bodies (dashboard/widget_rules.h,
// http/routes_dashboards.cc) through the routes over a real DashboardService, store and
// projector (route_stack.h), as the fuzz-a admin changing their own dashboard (the executive
// template's widgets "executive-1"… until the first change). The first byte chooses the
// route the rest is the body of:
//   % 3 == 0  PUT /dashboards/fuzz-a/layout            {positions: [{widget_id, x, y, w, h}]}
//   % 3 == 1  POST /dashboards/fuzz-a/widgets          a widget
//   % 3 == 2  PUT /dashboards/fuzz-a/widgets/executive-1  a widget's members
// Invariants: the answer is a success or a problem+json 400 (a member), 404, 409, 412 or 422
// (the layout rules); after a success the dashboard as GET shows it keeps the rules: at most
// kMaxWidgets widgets, each on the 12-column grid (x, y ≥ 0, w, h ≥ 1, x + w ≤ 12,
// y + h ≤ kMaxRows, h ≤ kMaxHeight), no two overlapping. Then the own dashboard is deleted
// (back to the template), so every input starts from the same state.

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dashboard/widget_rules.h"
#include "route_stack.h"

namespace {

using namespace readside;
namespace json = boost::json;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "dashboard_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

struct Box {
  int64_t x, y, w, h;
};

void CheckDashboard(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("widgets")) Fail("dashboard JSON", body);
  const json::array& widgets = v.at("widgets").as_array();
  if (widgets.size() > dashboard::kMaxWidgets) Fail("too many widgets", body);
  std::vector<Box> boxes;
  for (const json::value& w : widgets) {
    const json::object& g = w.at("grid").as_object();
    Box b{g.at("x").as_int64(), g.at("y").as_int64(), g.at("w").as_int64(), g.at("h").as_int64()};
    if (b.x < 0 || b.y < 0 || b.w < 1 || b.h < 1 || b.x + b.w > dashboard::kColumns ||
        b.y + b.h > dashboard::kMaxRows || b.h > dashboard::kMaxHeight) {
      Fail("a widget is off the grid", body);
    }
    for (const Box& o : boxes) {
      if (b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h) {
        Fail("two widgets overlap", body);
      }
    }
    boxes.push_back(b);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  fuzz::RouteStack& stack = fuzz::TheRouteStack();
  static const std::string own = dashboard::OwnDashboardId("fuzzer");
  http::Request req;
  switch (data[0] % 3) {
    case 0:
      req.method = "PUT", req.path = "/dashboards/fuzz-a/layout";
      break;
    case 1:
      req.method = "POST", req.path = "/dashboards/fuzz-a/widgets";
      break;
    default:
      req.method = "PUT", req.path = "/dashboards/fuzz-a/widgets/executive-1";
      break;
  }
  req.headers["content-type"] = "application/json";
  req.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  http::Request sent = req;
  http::Response r = stack.Call(std::move(req));
  fuzz::CheckAnswer(sent, r, {200, 201, 400, 404, 409, 412, 422});
  if (r.status >= 300) return 0;
  http::Response shown = stack.Call({.method = "GET", .path = "/dashboards/fuzz-a"});
  fuzz::CheckAnswer(sent, shown, {200});
  CheckDashboard(shown.body);
  http::Request reset{.method = "DELETE", .path = "/dashboards/fuzz-a/" + own};
  http::Response deleted = stack.Call(reset);
  fuzz::CheckAnswer(reset, deleted, {200, 204});
  return 0;
}
