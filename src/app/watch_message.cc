// simdjson On-Demand reader of live messages: raw_json_token keeps a number's text.

#include "app/watch_message.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace readside::app::watch {
namespace {

namespace od = simdjson::ondemand;

absl::Status Bad(std::string_view what, simdjson::error_code e) {
  return absl::InvalidArgumentError(std::string(what) + ": " + simdjson::error_message(e));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

double NumberOf(std::string_view text) {
  double d = std::numeric_limits<double>::quiet_NaN();
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

absl::StatusOr<std::string> DisplayValue(od::value v, int depth);

// {"web":3,"email":5} → "{2} email 5, web 3": biggest first, the renderer cuts the tail.
absl::StatusOr<std::string> DisplayObject(od::object o, int depth) {
  struct Entry {
    std::string key, text;
    double number;
  };
  std::vector<Entry> entries;
  for (auto field : o) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Bad("key", e);
    absl::StatusOr<std::string> text = DisplayValue(field.value(), depth + 1);
    if (!text.ok()) return text.status();
    entries.push_back({std::string(key), *text, NumberOf(*text)});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (std::isnan(a.number) || std::isnan(b.number)) {
      return !std::isnan(a.number) && std::isnan(b.number);  // numbers before the rest
    }
    return a.number > b.number;
  });
  std::string out = "{" + std::to_string(entries.size()) + "}";
  for (size_t i = 0; i < entries.size(); ++i) {
    out += (i == 0 ? " " : ", ") + entries[i].key + " " + entries[i].text;
  }
  return out;
}

// [{"user_id":"u-1","won_value":1500.00}] → "[1] u-1 1500.00".
absl::StatusOr<std::string> DisplayArray(od::array a, int depth) {
  std::vector<std::string> items;
  for (auto element : a) {
    od::value v;
    if (auto e = element.get(v)) return Bad("array element", e);
    od::json_type type;
    if (auto e = v.type().get(type)) return Bad("array element", e);
    std::string text;
    if (type == od::json_type::object) {
      od::object o;
      if (auto e = v.get_object().get(o)) return Bad("array element", e);
      for (auto field : o) {
        absl::StatusOr<std::string> member = DisplayValue(field.value(), depth + 1);
        if (!member.ok()) return member.status();
        text += (text.empty() ? "" : " ") + *member;
      }
    } else {
      absl::StatusOr<std::string> item = DisplayValue(v, depth + 1);
      if (!item.ok()) return item.status();
      text = *item;
    }
    items.push_back(std::move(text));
  }
  std::string out = "[" + std::to_string(items.size()) + "]";
  for (size_t i = 0; i < items.size(); ++i) out += (i == 0 ? " " : ", ") + items[i];
  return out;
}

absl::StatusOr<std::string> DisplayValue(od::value v, int depth) {
  if (depth > 8) return std::string("…");
  od::json_type type;
  if (auto e = v.type().get(type)) return Bad("value", e);
  switch (type) {
    case od::json_type::number:
      return std::string(Trim(v.raw_json_token()));
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return Bad("string", e);
      return std::string(s);
    }
    case od::json_type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) return Bad("boolean", e);
      return std::string(b ? "true" : "false");
    }
    case od::json_type::null:
      return std::string("null");
    case od::json_type::object: {
      od::object o;
      if (auto e = v.get_object().get(o)) return Bad("object", e);
      return DisplayObject(o, depth);
    }
    case od::json_type::array: {
      od::array a;
      if (auto e = v.get_array().get(a)) return Bad("array", e);
      return DisplayArray(a, depth);
    }
  }
  return std::string("?");
}

absl::Status ReadMetrics(od::value v, LiveMessage* m) {
  od::object o;
  if (auto e = v.get_object().get(o)) return Bad("metrics", e);
  for (auto field : o) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Bad("metrics", e);
    absl::StatusOr<std::string> text = DisplayValue(field.value(), 0);
    if (!text.ok()) return text.status();
    m->metrics.emplace_back(std::string(key), std::move(*text));
  }
  return absl::OkStatus();
}

// One top-level member into `m`; members the watch does not show are skipped.
absl::Status ReadMember(std::string_view key, od::value v, LiveMessage* m) {
  auto text = [&](std::string* out) -> absl::Status {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return Bad(key, e);
    *out = std::string(s);
    return absl::OkStatus();
  };
  if (key == "type") return text(&m->type);
  if (key == "domain") return text(&m->domain);
  if (key == "period") return text(&m->period);
  if (key == "title") return text(&m->title);
  if (key == "detail") return text(&m->detail);
  if (key == "metrics") return ReadMetrics(v, m);
  if (key == "position") {
    if (auto e = v.get_uint64().get(m->position)) return Bad(key, e);
  } else if (key == "full") {
    if (auto e = v.get_bool().get(m->full)) return Bad(key, e);
  } else if (key == "status") {
    int64_t status = 0;
    if (auto e = v.get_int64().get(status)) return Bad(key, e);
    m->status = static_cast<int>(status);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LiveMessage> DecodeLiveMessage(std::string_view text) {
  od::parser parser;
  simdjson::padded_string padded(text);
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) return Bad("message", e);
  od::object o;
  if (auto e = doc.get_object().get(o)) return Bad("message", e);
  LiveMessage m;
  for (auto field : o) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Bad("message", e);
    if (absl::Status s = ReadMember(key, field.value(), &m); !s.ok()) return s;
  }
  return m;
}

}  // namespace readside::app::watch
