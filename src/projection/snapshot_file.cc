#include "projection/snapshot_file.h"

#include "projection/snapshot_codec.h"

namespace readside::projection {
namespace {

constexpr std::string_view kMagic = "readside-model\n";

uint64_t Fnv1a(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

absl::StatusOr<size_t> WriteModelSnapshot(const std::string& dir, uint64_t position,
                                          const TenantMap& tenants, Env* env) {
  if (absl::Status s = env->CreateDirs(dir); !s.ok()) return s;
  SnapshotWriter w;
  w.buffer().append(kMagic);
  w.U64(kSnapshotFormatVersion);
  w.U64(position);
  w.U64(tenants.size());
  for (const auto& [org, tenant] : tenants) tenant->Save(w);
  std::string& data = w.buffer();
  uint64_t sum = Fnv1a(data);
  for (int i = 0; i < 8; ++i) data.push_back(static_cast<char>(sum >> (8 * i)));
  std::string path = dir + "/model.snap", tmp = path + ".tmp";
  // Temporary file, fsync, rename, fsync of the directory: a crash or a failed write at any
  // point leaves either the old snapshot or the new one, whole.
  absl::StatusOr<std::unique_ptr<WritableFile>> file = env->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(data);
  if (s.ok()) s = (*file)->Sync();
  if (absl::Status closed = (*file)->Close(); s.ok()) s = closed;
  if (s.ok()) s = env->RenameFile(tmp, path);
  if (!s.ok()) {
    env->RemoveFile(tmp).IgnoreError();
    return s;
  }
  if (s = env->SyncDir(dir); !s.ok()) return s;
  return data.size();
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
  uint64_t sum = 0;
  for (int i = 0; i < 8; ++i) {
    sum |= static_cast<uint64_t>(static_cast<uint8_t>(data[data.size() - 8 + i])) << (8 * i);
  }
  if (Fnv1a(body) != sum) return absl::DataLossError(path + " is damaged (checksum)");
  SnapshotReader r(body.substr(kMagic.size()));
  if (r.U64() != kSnapshotFormatVersion) {
    return absl::DataLossError(path + " was written by another version of the read models");
  }
  LoadedModel model;
  model.position = r.U64();
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::unique_ptr<TenantProjection> tenant = TenantProjection::Load(r);
    if (!tenant) return absl::DataLossError(path + " holds a malformed tenant");
    std::string org = tenant->settings().organization_id;
    model.tenants[org] = std::move(tenant);
  }
  if (!r.ok() || !r.done()) return absl::DataLossError(path + " is malformed");
  return model;
}

}  // namespace readside::projection
