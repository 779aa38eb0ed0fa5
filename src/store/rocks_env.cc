#include "store/rocks_env.h"

#include <rocksdb/file_system.h>

namespace readside::store {
namespace {

rocksdb::IOStatus ToIo(const absl::Status& s) {
  if (s.ok()) return rocksdb::IOStatus::OK();
  std::string msg(s.message());
  if (absl::IsResourceExhausted(s)) return rocksdb::IOStatus::NoSpace(msg);
  return rocksdb::IOStatus::IOError(msg);
}
absl::Status FromIo(const rocksdb::IOStatus& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(s.ToString());
  return absl::UnavailableError(s.ToString());
}

// RocksDB's own file seen as a readside WritableFile (what the Env intercepts).
class RocksFile final : public WritableFile {
 public:
  explicit RocksFile(rocksdb::FSWritableFile* file) : file_(file) {}
  absl::Status Append(std::string_view data) override {
    return FromIo(file_->Append(rocksdb::Slice(data.data(), data.size()), {}, nullptr));
  }
  absl::Status Sync() override { return FromIo(file_->Sync({}, nullptr)); }
  absl::Status Close() override { return FromIo(file_->Close({}, nullptr)); }

 private:
  rocksdb::FSWritableFile* file_;
};

// What RocksDB writes through: appends, syncs and closes go through the intercepting file;
// everything else (preallocation, size, range syncs) to RocksDB's own file.
class InterceptedFile final : public rocksdb::FSWritableFileWrapper {
 public:
  InterceptedFile(std::unique_ptr<rocksdb::FSWritableFile> base,
                  std::unique_ptr<WritableFile> through)
      : FSWritableFileWrapper(base.get()), base_(std::move(base)), through_(std::move(through)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions&,
                           rocksdb::IODebugContext*) override {
    return ToIo(through_->Append(data.ToStringView()));
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return ToIo(through_->Sync());
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return ToIo(through_->Sync());
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return ToIo(through_->Close());
  }

 private:
  std::unique_ptr<rocksdb::FSWritableFile> base_;
  std::unique_ptr<WritableFile> through_;
};

class InterceptingFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit InterceptingFileSystem(Env* env)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), env_(env) {}
  const char* Name() const override { return "readside.InterceptingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(fname, opts, result, dbg);
    if (s.ok()) Wrap(fname, result);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReopenWritableFile(fname, opts, result, dbg);
    if (s.ok()) Wrap(fname, result);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& opts,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReuseWritableFile(fname, old_fname, opts, result, dbg);
    if (s.ok()) Wrap(fname, result);
    return s;
  }

 private:
  void Wrap(const std::string& fname, std::unique_ptr<rocksdb::FSWritableFile>* file) {
    auto through = env_->Intercept(fname, std::make_unique<RocksFile>(file->get()));
    *file = std::make_unique<InterceptedFile>(std::move(*file), std::move(through));
  }
  Env* env_;
};

}  // namespace

std::unique_ptr<rocksdb::Env> NewRocksEnv(Env* env) {
  if (env == nullptr || !env->Intercepts()) return nullptr;
  return rocksdb::NewCompositeEnv(std::make_shared<InterceptingFileSystem>(env));
}

}  // namespace readside::store
