#include "projection/snapshot_file.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crash_point.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {
namespace {

constexpr std::string_view kMagic = "readside-model\n";

// Detects damage (not tampering): four independent multiply-xor lanes over 8-byte words, so
// it runs at memory speed on a snapshot of a hundred megabytes (a byte-at-a-time FNV-1a took
// a tenth of a second there), then the tail and the length.
uint64_t Checksum(std::string_view data) {
  constexpr uint64_t kPrime = 0x9e3779b97f4a7c15ull;
  uint64_t lane[4] = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull,
                      0x082efa98ec4e6c89ull};
  const char* p = data.data();
  size_t n = data.size();
  for (; n >= 32; p += 32, n -= 32) {
    for (int i = 0; i < 4; ++i) {
      uint64_t word;
      std::memcpy(&word, p + 8 * i, 8);
      uint64_t h = (lane[i] ^ word) * kPrime;
      lane[i] = (h << 31) | (h >> 33);
    }
  }
  uint64_t h = data.size() * kPrime;
  for (uint64_t l : lane) h = ((h ^ l) * kPrime) ^ (h >> 29);
  for (; n > 0; ++p, --n) h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ull;
  return h ^ (h >> 32);
}

void PutFixed64(std::string& out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}

uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

std::string EncodeModelSnapshot(uint64_t position, const TenantMap& tenants) {
  SnapshotWriter w;
  w.buffer().append(kMagic);
  w.U64(kSnapshotFormatVersion);
  w.U64(position);
  // Each tenant after its length (8 bytes, little-endian), so a restart decodes tenants in
  // parallel. (A null entry, a tenant whose rebuild failed, is not saved: a restart from this
  // snapshot replays nothing of it, and the next full replay rebuilds it.)
  w.U64(std::count_if(tenants.begin(), tenants.end(), [](const auto& t) { return t.second != nullptr; }));
  for (const auto& [org, tenant] : tenants) {
    if (!tenant) continue;
    size_t at = w.buffer().size();
    w.buffer().append(8, '\0');
    tenant->Save(w);
    PutFixed64(w.buffer(), at, w.buffer().size() - at - 8);
  }
  std::string& data = w.buffer();
  uint64_t sum = Checksum(data);
  for (int i = 0; i < 8; ++i) data.push_back(static_cast<char>(sum >> (8 * i)));
  return std::move(data);
}

absl::StatusOr<size_t> WriteSnapshotFile(const std::string& dir, std::string_view data,
                                         Env* env) {
  // WriteFileAtomically's steps, spelled out for the crash points between them (a crash
  // anywhere leaves the previous model.snap whole, or the new one whole).
  if (absl::Status s = env->CreateDirs(dir); !s.ok()) return s;
  const std::string path = dir + "/model.snap", tmp = path + ".tmp";
  absl::StatusOr<std::unique_ptr<WritableFile>> file = env->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  const size_t half = data.size() / 2;
  absl::Status s = (*file)->Append(data.substr(0, half));
  if (s.ok()) {
    READSIDE_CRASH_POINT("snapshot.write.mid");
    s = (*file)->Append(data.substr(half));
  }
  if (s.ok()) s = (*file)->Sync();
  if (absl::Status closed = (*file)->Close(); s.ok()) s = closed;
  if (s.ok()) {
    READSIDE_CRASH_POINT("snapshot.write.before_rename");
    s = env->RenameFile(tmp, path);
  }
  if (!s.ok()) {
    env->RemoveFile(tmp).IgnoreError();
    return s;
  }
  READSIDE_CRASH_POINT("snapshot.write.after_rename");
  if (absl::Status synced = env->SyncDir(dir); !synced.ok()) return synced;
  return data.size();
}

absl::StatusOr<size_t> WriteModelSnapshot(const std::string& dir, uint64_t position,
                                          const TenantMap& tenants, Env* env) {
  return WriteSnapshotFile(dir, EncodeModelSnapshot(position, tenants), env);
}

absl::StatusOr<LoadedModel> ReadModelSnapshot(const std::string& dir, Env* env) {
  std::string path = dir + "/model.snap";
  absl::StatusOr<std::string> read = env->ReadFile(path);
  if (absl::IsNotFound(read.status())) return absl::NotFoundError("no snapshot at " + path);
  if (!read.ok()) return read.status();
  std::string data = std::move(*read);
  if (data.size() < kMagic.size() + 8 || !std::string_view(data).starts_with(kMagic)) {
    return absl::DataLossError(path + " is not a readside snapshot");
  }
  std::string_view body(data.data(), data.size() - 8);
  SnapshotReader r(body.substr(kMagic.size()));
  // The version first: an older format's checksum is computed differently.
  if (uint64_t version = r.U64(); version != kSnapshotFormatVersion) {
    return absl::DataLossError(absl::StrCat(path, " was written by another version of the read models (format ",
                                            version, ", this one reads ", kSnapshotFormatVersion, ")"));
  }
  if (Checksum(body) != GetFixed64(data.data() + data.size() - 8)) {
    return absl::DataLossError(path + " is damaged (checksum)");
  }
  LoadedModel model;
  model.position = r.U64();
  std::vector<std::string_view> slices;
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string_view rest = r.Rest();
    if (rest.size() < 8) return absl::DataLossError(path + " is malformed");
    uint64_t size = GetFixed64(rest.data());
    if (size > rest.size() - 8) return absl::DataLossError(path + " is malformed");
    slices.push_back(rest.substr(8, size));
    r.Skip(8 + size);
  }
  if (!r.ok() || !r.done()) return absl::DataLossError(path + " is malformed");
  // Tenants are independent: decode them on up to as many threads as there are cores.
  std::vector<std::unique_ptr<TenantProjection>> loaded(slices.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < slices.size();) {
      SnapshotReader tr(slices[i]);
      std::unique_ptr<TenantProjection> tenant = TenantProjection::Load(tr);
      if (tenant && tr.ok() && tr.done()) loaded[i] = std::move(tenant);
    }
  };
  size_t threads = std::min<size_t>({slices.size(), std::max(1u, std::thread::hardware_concurrency()), 8});
  std::vector<std::thread> helpers;
  try {
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  } catch (const std::system_error&) {  // no thread to be had: fewer decode, never none
  }
  work();
  for (std::thread& t : helpers) t.join();
  for (std::unique_ptr<TenantProjection>& tenant : loaded) {
    if (!tenant) return absl::DataLossError(path + " holds a malformed tenant");
    std::string org = tenant->settings().organization_id;
    model.tenants[org] = std::move(tenant);
  }
  return model;
}

}  // namespace readside::projection
