#pragma once
// `--redis-url redis://HOST[:PORT][/DB]` parsed into where to connect. HOST is a name, an
// IPv4 address or a bracketed IPv6 one; PORT defaults to 6379, DB to 0. Credentials, TLS
// (rediss://), paths beyond the database number and query strings are refused: the sink
// (hiredis 0.14) supports none of them, and a silently ignored part would surprise.
// Thread-safety: pure function.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace readside::sink {

struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  int db = 0;
  std::string ToString() const;  // "redis://host:port/db"
};

// On failure: InvalidArgument whose message names the flag (`--redis-url`), quotes the value
// and says what is expected.
absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace readside::sink
