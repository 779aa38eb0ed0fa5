#include "http/exact_json.h"

#include <boost/json/basic_parser_impl.hpp>

namespace readside::http {
namespace {

namespace json = boost::json;

// Builds JsonNodes on a stack as the SAX parser reports values.
class TreeHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return Open(JsonNode::Kind::kArray); }
  bool on_array_end(std::size_t, json::error_code&) { return Close(); }
  bool on_object_begin(json::error_code&) { return Open(JsonNode::Kind::kObject); }
  bool on_object_end(std::size_t, json::error_code&) { return Close(); }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    part_.append(s.data(), s.size());
    return Scalar(JsonNode{.kind = JsonNode::Kind::kString, .text = std::exchange(part_, {})});
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    part_.append(s.data(), s.size());
    stack_.back().keys.push_back(std::exchange(part_, {}));
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t, json::string_view s, json::error_code&) { return Number(s); }
  bool on_uint64(uint64_t, json::string_view s, json::error_code&) { return Number(s); }
  bool on_double(double, json::string_view s, json::error_code&) { return Number(s); }
  bool on_bool(bool b, json::error_code&) {
    return Scalar(JsonNode{.kind = JsonNode::Kind::kBool, .boolean = b});
  }
  bool on_null(json::error_code&) { return Scalar(JsonNode{}); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

  JsonNode Take() { return std::move(root_); }

 private:
  bool Open(JsonNode::Kind kind) {
    stack_.push_back(JsonNode{.kind = kind});
    return true;
  }
  bool Close() {
    JsonNode done = std::move(stack_.back());
    stack_.pop_back();
    return Scalar(std::move(done));
  }
  bool Number(json::string_view s) {
    part_.append(s.data(), s.size());
    return Scalar(JsonNode{.kind = JsonNode::Kind::kNumber, .text = std::exchange(part_, {})});
  }
  bool Scalar(JsonNode node) {
    if (stack_.empty()) {
      root_ = std::move(node);
    } else {
      stack_.back().items.push_back(std::move(node));
    }
    return true;
  }

  std::vector<JsonNode> stack_;
  JsonNode root_;
  std::string part_;
};

}  // namespace

const JsonNode* JsonNode::Find(std::string_view key) const {
  for (size_t i = 0; i < keys.size() && i < items.size(); ++i) {
    if (keys[i] == key) return &items[i];
  }
  return nullptr;
}

std::string_view JsonNode::KindName(Kind k) {
  switch (k) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "value";
}

absl::StatusOr<JsonNode> ParseExactJson(std::string_view text, size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  json::basic_parser<TreeHandler> parser(options);
  json::error_code ec;
  size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    return absl::InvalidArgumentError("not JSON: " + ec.message() + " at byte " +
                                      std::to_string(used));
  }
  return parser.handler().Take();
}

}  // namespace readside::http
