#include "projection/snapshot_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "projection/snapshot_codec.h"

namespace readside::projection {
namespace {

constexpr std::string_view kMagic = "readside-model\n";

uint64_t Fnv1a(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::UnavailableError(what + " " + path + ": " + std::strerror(errno));
}

absl::Status WriteAndSync(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", path);
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = Errno("cannot write", path);
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    absl::Status s = Errno("cannot fsync", path);
    ::close(fd);
    return s;
  }
  ::close(fd);
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? absl::OkStatus() : Errno("cannot fsync", dir);
}

}  // namespace

absl::StatusOr<size_t> WriteModelSnapshot(const std::string& dir, uint64_t position,
                                          const TenantMap& tenants) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError("cannot create " + dir + ": " + ec.message());
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
  if (absl::Status s = WriteAndSync(tmp, data); !s.ok()) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename", tmp);
  if (absl::Status s = SyncDirectory(dir); !s.ok()) return s;
  return data.size();
}

absl::StatusOr<LoadedModel> ReadModelSnapshot(const std::string& dir) {
  std::string path = dir + "/model.snap";
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("no snapshot at " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string data = std::move(buffer).str();
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
