#include "sink/redis_url.h"

#include <cctype>
#include <charconv>


namespace readside::sink {
namespace {

absl::Status Bad(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError("--redis-url '" + std::string(url) + "': " + std::string(why) +
                                    " (expected redis://HOST:PORT[/DB])");
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

bool ParseNumber(std::string_view text, int64_t max, int64_t* out) {
  if (text.empty()) return false;
  auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && *out >= 0 && *out <= max;
}

}  // namespace

std::string RedisEndpoint::ToString() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "redis://" + h + ":" + std::to_string(port) + "/" + std::to_string(db);
}

absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (StartsWithIgnoreCase(url, "rediss://")) {
    return Bad(url, "TLS (rediss://) is not supported; use redis:// on a trusted network");
  }
  if (!StartsWithIgnoreCase(url, kScheme)) return Bad(url, "the scheme must be redis://");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Bad(url, "query strings and fragments are not supported");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (authority.find('@') != std::string_view::npos) {
    return Bad(url, "credentials are not supported");
  }
  RedisEndpoint e;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(url, "unclosed '[' in the host");
    e.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Bad(url, "expected ':PORT' after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return Bad(url, "the port is empty");
    }
  } else {
    size_t colon = authority.find(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Bad(url, "the port is empty");
    }
  }
  if (e.host.empty()) return Bad(url, "the host is missing");
  if (e.host.find_first_of(" \t/:") != std::string::npos && authority.front() != '[') {
    return Bad(url, "the host is not a name or an address");
  }
  int64_t n = 0;
  if (!port_text.empty()) {
    if (!ParseNumber(port_text, 65535, &n) || n == 0) return Bad(url, "the port must be 1..65535");
    e.port = static_cast<uint16_t>(n);
  }
  if (!path.empty()) {
    if (!ParseNumber(path, 1 << 30, &n)) return Bad(url, "the database must be a number ≥ 0");
    e.db = static_cast<int>(n);
  }
  return e;
}

}  // namespace readside::sink
