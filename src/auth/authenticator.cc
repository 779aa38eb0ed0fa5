#include "auth/authenticator.h"

#include <array>
#include <atomic>
#include <string>

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
        cache(cache_entries, this->options.leeway_seconds),
        memoize(cache_entries > 0) {}

  const KeySources sources;
  const VerifyOptions options;
  std::atomic<std::shared_ptr<const KeyState>> state;
  absl::Mutex reload_mu;  // one Reload at a time, so generations are not skipped or repeated
  PrincipalCache cache;
  // The generation of `state`, readable without touching the shared_ptr (whose atomic load
  // takes a lock shared by every thread).
  std::atomic<uint64_t> generation{0};
  const bool memoize;  // false with a cache of 0 entries: every call verifies
  const uint64_t id = NextId();  // tells Authenticators apart in the per-thread memo

  static uint64_t NextId() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1);
  }
};

namespace {

// Each HTTP thread remembers the last few tokens it verified, with a Principal of its own:
// a client reusing its token then costs a string compare, with no lock and no reference
// count shared with other threads (one shared cache entry would bounce between cores on
// every request).
struct Memo {
  uint64_t owner = 0;
  uint64_t generation = 0;
  std::string token;
  std::shared_ptr<const Principal> principal;
};
constexpr size_t kMemoSlots = 4;
thread_local std::array<Memo, kMemoSlots> memo;
thread_local size_t memo_next = 0;

}  // namespace

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
  uint64_t generation = impl_->generation.load(std::memory_order_acquire);
  int64_t leeway = impl_->options.leeway_seconds;
  for (Memo& m : memo) {
    if (impl_->memoize && m.owner == impl_->id && m.generation == generation && m.token == *token &&
        now_seconds <= m.principal->expires_at + leeway &&
        (m.principal->valid_from == INT64_MIN || now_seconds >= m.principal->valid_from - leeway)) {
      return m.principal;
    }
  }
  std::shared_ptr<const KeyState> state = impl_->state.load();
  // Returns this thread's own copy, so that later hits on this thread hand out the same one.
  auto remember = [&](const std::shared_ptr<const Principal>& p) {
    if (!impl_->memoize) return p;
    Memo& m = memo[memo_next++ % kMemoSlots];
    m = {impl_->id, state->generation, std::string(*token), std::make_shared<const Principal>(*p)};
    return m.principal;
  };
  if (auto cached = impl_->cache.Lookup(*token, state->generation, now_seconds)) {
    return remember(cached);
  }
  absl::StatusOr<Principal> principal =
      VerifyToken(*token, *state->keys, impl_->options, now_seconds);
  if (!principal.ok()) return principal.status();  // failures are not cached
  auto shared = std::make_shared<const Principal>(std::move(*principal));
  impl_->cache.Insert(*token, state->generation, shared, now_seconds);
  return remember(shared);
}

absl::Status Authenticator::Reload() {
  absl::MutexLock lock(&impl_->reload_mu);
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::Load(impl_->sources);
  if (!keys.ok()) return keys.status();
  uint64_t next = impl_->state.load()->generation + 1;
  impl_->state.store(std::make_shared<const KeyState>(KeyState{std::move(*keys), next}));
  impl_->generation.store(next, std::memory_order_release);
  // Entries of the old generation are unusable already; dropping them frees the memory. A
  // request still verifying with the old keys may insert after this, and its entry is ignored.
  impl_->cache.Clear();
  return absl::OkStatus();
}

uint64_t Authenticator::generation() const { return impl_->state.load()->generation; }

}  // namespace readside::auth
