// GET /docs: the API reference as one HTML page, rendered on the server from the OpenAPI
// document (no script: the page keeps a strict Content-Security-Policy).

#include "http/docs_page.h"

#include <boost/json.hpp>

#include <string>

namespace readside::http {
namespace {

namespace json = boost::json;

void Escape(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      default: out->push_back(c);
    }
  }
}

std::string_view Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// Follows a local "$ref" ("#/components/parameters/Org") to its object.
const json::object* Resolve(const json::object& root, const json::object& o) {
  std::string_view ref = Str(o, "$ref");
  if (ref.empty()) return &o;
  if (!ref.starts_with("#/")) return nullptr;
  const json::value* at = nullptr;
  const json::object* cur = &root;
  size_t pos = 2;
  while (pos <= ref.size()) {
    size_t slash = ref.find('/', pos);
    std::string_view part = ref.substr(pos, slash == std::string_view::npos ? ref.npos : slash - pos);
    at = cur->if_contains(part);
    if (!at || !at->is_object()) return nullptr;
    cur = &at->get_object();
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return cur;
}

// Inline Markdown of the descriptions: `code` and **bold**, everything else escaped.
void Inline(std::string_view text, std::string* out) {
  bool code = false, bold = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') {
      out->append(code ? "</code>" : "<code>");
      code = !code;
    } else if (!code && text.substr(i, 2) == "**") {
      out->append(bold ? "</strong>" : "<strong>");
      bold = !bold;
      ++i;
    } else {
      Escape(text.substr(i, 1), out);
    }
  }
  if (code) out->append("</code>");
  if (bold) out->append("</strong>");
}

// The subset of Markdown the OpenAPI descriptions use: "## " headings, "- " lists, pipe
// tables (the |---| rule skipped), paragraphs; inline code and bold.
void Prose(std::string_view text, std::string* out) {
  enum class Block { kNone, kParagraph, kList, kTable } open = Block::kNone;
  auto close = [&] {
    static constexpr std::string_view kEnd[] = {"", "</p>", "</ul>", "</table>"};
    out->append(kEnd[static_cast<int>(open)]);
    open = Block::kNone;
  };
  auto start = [&](Block b, std::string_view tag) {
    if (open == b) return;
    close();
    out->append(tag);
    open = b;
  };
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty()) {
      close();
    } else if (line.starts_with("## ")) {
      close();
      out->append("<h3>");
      Inline(line.substr(3), out);
      out->append("</h3>");
    } else if (line.starts_with("- ")) {
      start(Block::kList, "<ul>");
      out->append("<li>");
      Inline(line.substr(2), out);
      out->append("</li>");
    } else if (line.starts_with("|")) {
      if (line.find_first_not_of("|-: ") == std::string_view::npos) continue;  // the rule
      bool head = open != Block::kTable;
      start(Block::kTable, "<table>");
      out->append("<tr>");
      line.remove_prefix(1);
      while (!line.empty()) {
        size_t bar = line.find('|');
        std::string_view cell = line.substr(0, bar);
        out->append(head ? "<th>" : "<td>");
        Inline(cell, out);
        out->append(head ? "</th>" : "</td>");
        line = bar == std::string_view::npos ? std::string_view() : line.substr(bar + 1);
      }
      out->append("</tr>");
    } else {
      if (open == Block::kParagraph) {
        out->push_back(' ');
      } else {
        start(Block::kParagraph, "<p>");
      }
      Inline(line, out);
    }
  }
  close();
}

void Parameters(const json::object& root, const json::array& params, std::string* out) {
  out->append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>");
  for (const json::value& v : params) {
    if (!v.is_object()) continue;
    const json::object* p = Resolve(root, v.get_object());
    if (!p) continue;
    out->append("<tr><td><code>");
    Escape(Str(*p, "name"), out);
    out->append("</code></td><td>");
    Escape(Str(*p, "in"), out);
    const json::value* req = p->if_contains("required");
    out->append("</td><td>");
    out->append(req && req->is_bool() && req->get_bool() ? "yes" : "no");
    out->append("</td><td>");
    Inline(Str(*p, "description"), out);
    out->append("</td></tr>");
  }
  out->append("</table>");
}

void Operation(const json::object& root, std::string_view path, std::string_view method,
               const json::object& op, const json::value* shared_params, std::string* out) {
  std::string id(method);
  id += path;
  out->append("<section class=\"op\"><h3 id=\"");
  Escape(id, out);
  out->append("\"><span class=\"method ");
  out->append(method);
  out->append("\">");
  for (char c : method) out->push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  out->append("</span> <code>");
  Escape(path, out);
  out->append("</code></h3>");
  const json::value* security = op.if_contains("security");
  if (security && security->is_array() && security->get_array().empty()) {
    out->append("<p class=\"public\">public: no token needed</p>");
  }
  out->append("<p class=\"summary\">");
  Inline(Str(op, "summary"), out);
  out->append("</p>");
  Prose(Str(op, "description"), out);
  json::array params;
  if (shared_params && shared_params->is_array()) params = shared_params->get_array();
  if (const json::value* own = op.if_contains("parameters"); own && own->is_array()) {
    for (const json::value& v : own->get_array()) params.push_back(v);
  }
  if (!params.empty()) Parameters(root, params, out);
  if (const json::value* responses = op.if_contains("responses"); responses && responses->is_object()) {
    out->append("<table><tr><th>status</th><th>meaning</th></tr>");
    for (const auto& [code, v] : responses->get_object()) {
      const json::object* r = v.is_object() ? Resolve(root, v.get_object()) : nullptr;
      out->append("<tr><td>");
      Escape(code, out);
      out->append("</td><td>");
      if (r) Inline(Str(*r, "description"), out);
      out->append("</td></tr>");
    }
    out->append("</table>");
  }
  out->append("</section>");
}

constexpr std::string_view kStyle =
    "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1d232b}h1{margin-bottom:0}code{font:13px ui-monospace,monospace}"
    "h3{margin:1.2rem 0 .3rem}.op{border-top:1px solid #d7dce2;padding:.5rem 0}"
    ".method{display:inline-block;min-width:4.5rem;text-align:center;border-radius:4px;"
    "color:#fff;font-size:13px;padding:1px 6px;background:#5b6673}.get{background:#2f6fb3}"
    ".post{background:#2e8a57}.put{background:#a86b16}.delete{background:#b3382f}"
    "table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{text-align:left;"
    "border-bottom:1px solid #eceff2;padding:3px 8px;vertical-align:top}th{font-weight:600}"
    ".public{color:#2e8a57;margin:0}.summary{font-weight:600;margin:.25rem 0}"
    "nav a{display:block;font:13px ui-monospace,monospace}";

}  // namespace

std::string RenderDocsPage(std::string_view openapi_json) {
  boost::system::error_code ec;
  json::value doc = json::parse(openapi_json, ec);
  std::string out = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width\">";
  if (ec || !doc.is_object()) {
    return out + "<title>API</title></head><body><p>The OpenAPI document could not be read; "
                 "see <a href=\"/openapi.json\">/openapi.json</a>.</p></body></html>";
  }
  const json::object& root = doc.get_object();
  json::object info;
  if (const json::value* v = root.if_contains("info"); v && v->is_object()) info = v->get_object();
  out.append("<title>");
  Escape(Str(info, "title"), &out);
  out.append(" API</title><style>");
  out.append(kStyle);
  out.append("</style></head><body><h1>");
  Escape(Str(info, "title"), &out);
  out.append(" API <small>");
  Escape(Str(info, "version"), &out);
  out.append("</small></h1><p>The machine-readable document: <a href=\"/openapi.json\">"
             "/openapi.json</a> (OpenAPI ");
  Escape(Str(root, "openapi"), &out);
  out.append(").</p>");
  Prose(Str(info, "description"), &out);
  const json::value* paths = root.if_contains("paths");
  if (!paths || !paths->is_object()) return out + "</body></html>";
  static constexpr std::string_view kMethods[] = {"get", "put", "post", "delete", "patch"};
  out.append("<h2>Operations</h2><nav>");
  for (const auto& [path, item] : paths->get_object()) {
    if (!item.is_object()) continue;
    for (std::string_view m : kMethods) {
      if (!item.get_object().contains(m)) continue;
      out.append("<a href=\"#");
      Escape(std::string(m) + std::string(path), &out);
      out.append("\">");
      for (char c : m) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      out.push_back(' ');
      Escape(path, &out);
      out.append("</a>");
    }
  }
  out.append("</nav>");
  for (const auto& [path, item] : paths->get_object()) {
    if (!item.is_object()) continue;
    const json::object& ops = item.get_object();
    for (std::string_view m : kMethods) {
      const json::value* op = ops.if_contains(m);
      if (op && op->is_object()) {
        Operation(root, path, m, op->get_object(), ops.if_contains("parameters"), &out);
      }
    }
  }
  out.append("</body></html>");
  return out;
}

}  // namespace readside::http
