#pragma once
// Turns an `Authorization` header value into a Principal: the bearer token is verified once
// and the result cached (keyed by the whole token) until the token expires, so a client
// reusing its token pays a hash lookup, not an RSA/ECDSA verification, per request; each
// thread also remembers its last few tokens with a Principal of its own (no lock, no shared
// reference count on the hot path).
// Reload() re-reads the key files (SIGHUP): it swaps the key set atomically and empties the
// cache; requests in flight finish with the keys they started with.
// Thread-safety: every member is safe for concurrent calls.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/jwt.h"

namespace readside::auth {

class Authenticator {
 public:
  // Loads the keys; fails when none are configured or a file is bad.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(KeySources sources,
                                                               VerifyOptions options,
                                                               size_t cache_entries = 100'000);
  ~Authenticator();

  // `authorization` is the header value. Missing header, another scheme or a bad token →
  // Unauthenticated with the reason.
  absl::StatusOr<std::shared_ptr<const Principal>> Authenticate(std::string_view authorization,
                                                                int64_t now_seconds) const;
  // Re-reads the key sources; on error keeps the old keys and returns the error.
  absl::Status Reload();
  uint64_t generation() const;  // bumped by each successful Reload

 private:
  struct Impl;
  explicit Authenticator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace readside::auth
