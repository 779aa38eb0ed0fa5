#include "auth/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "auth/absl_view.h"
#include "auth/principal_cache.h"

namespace readside::auth {

namespace {

// A key set with the generation it was loaded in. Published as one immutable snapshot, so a
// request always pairs a key set with its own generation.
struct KeyState {
  std::shared_ptr<const KeySet> keys;
  uint64_t generation = 0;
};

// The token of "Bearer <token>" (RFC 6750 §2.1; the scheme is case-insensitive).
absl::StatusOr<std::string_view> BearerToken(std::string_view authorization) {
  absl::string_view stripped = absl::StripAsciiWhitespace(View(authorization));
  std::string_view value(stripped.data(), stripped.size());
  if (value.empty()) return absl::UnauthenticatedError("missing bearer token");
  size_t space = value.find(' ');
  std::string_view scheme = value.substr(0, space);
  if (!absl::EqualsIgnoreCase(View(scheme), "Bearer")) {
    return absl::UnauthenticatedError("authorization scheme is not Bearer");
  }
  if (space == std::string_view::npos) return absl::UnauthenticatedError("missing bearer token");
  std::string_view token = value.substr(space + 1);
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) {
    return absl::UnauthenticatedError("authorization must be 'Bearer <token>'");
  }
  return token;
}

}  // namespace

struct Authenticator::Impl {
  Impl(KeySources sources, VerifyOptions options, size_t cache_entries)
      : sources(std::move(sources)),
        options(std::move(options)),
        cache(cache_entries, this->options.leeway_seconds) {}

  const KeySources sources;
  const VerifyOptions options;
  std::atomic<std::shared_ptr<const KeyState>> state;
  absl::Mutex reload_mu;  // one Reload at a time, so generations are not skipped or repeated
  PrincipalCache cache;
};

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(KeySources sources,
                                                                     VerifyOptions options,
                                                                     size_t cache_entries) {
  // KeySet::Load refuses empty sources with a message naming the flags.
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::Load(sources);
  if (!keys.ok()) return keys.status();
  auto impl = std::make_unique<Impl>(std::move(sources), std::move(options), cache_entries);
  impl->state.store(std::make_shared<const KeyState>(KeyState{std::move(*keys), 0}));
  return std::unique_ptr<Authenticator>(new Authenticator(std::move(impl)));
}

Authenticator::Authenticator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Authenticator::~Authenticator() = default;

absl::StatusOr<std::shared_ptr<const Principal>> Authenticator::Authenticate(
    std::string_view authorization, int64_t now_seconds) const {
  absl::StatusOr<std::string_view> token = BearerToken(authorization);
  if (!token.ok()) return token.status();
  std::shared_ptr<const KeyState> state = impl_->state.load();
  if (auto cached = impl_->cache.Lookup(*token, state->generation, now_seconds)) return cached;
  absl::StatusOr<Principal> principal =
      VerifyToken(*token, *state->keys, impl_->options, now_seconds);
  if (!principal.ok()) return principal.status();  // failures are not cached
  auto shared = std::make_shared<const Principal>(std::move(*principal));
  impl_->cache.Insert(*token, state->generation, shared, now_seconds);
  return shared;
}

absl::Status Authenticator::Reload() {
  absl::MutexLock lock(&impl_->reload_mu);
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::Load(impl_->sources);
  if (!keys.ok()) return keys.status();
  uint64_t next = impl_->state.load()->generation + 1;
  impl_->state.store(std::make_shared<const KeyState>(KeyState{std::move(*keys), next}));
  // Entries of the old generation are unusable already; dropping them frees the memory. A
  // request still verifying with the old keys may insert after this, and its entry is ignored.
  impl_->cache.Clear();
  return absl::OkStatus();
}

uint64_t Authenticator::generation() const { return impl_->state.load()->generation; }

}  // namespace readside::auth
