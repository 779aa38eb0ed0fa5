// libFuzzer target: read-model snapshot files (projection/snapshot_file.h). A damaged file
// must be refused (DataLoss, then a full replay), never crash, hang or allocate without bound.
// The file is handed to ReadModelSnapshot through an Env whose ReadFile returns the input (no
// disk). The first byte chooses what the rest is:
//   % 3 == 0  the whole file, as is: the framing (magic, format version, checksum) refuses
//             nearly everything, as it must;
//   % 3 == 1  the file after its header: the magic and version are put before it and the
//             checksum after it, so the tenant framing and every tenant's decoder see the
//             bytes (damage that the checksum would not catch, or a file written by a bug);
//   % 3 == 2  one tenant's encoding, decoded by TenantProjection::Load directly.
// Invariants: the answer is OK or DataLoss; a loaded model encodes, and reads back from that
// encoding, to the same position and tenants, each tenant encoding to as many bytes again
// (not the same bytes: hash maps inside a tenant are saved in their iteration order).
//
// The checksum is copied from snapshot_file.cc (it is internal there); at start-up the copy
// is checked against a real snapshot, so a change there stops this target instead of
// silently fuzzing only the checksum's refusal. With SNAPSHOT_FUZZ_SEEDS=dir set, start-up
// also writes seeds (real snapshots of simulated tenants, in each mode) to dir.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "event/parser.h"
#include "projection/snapshot_codec.h"
#include "projection/snapshot_file.h"
#include "projection/tenant_projection.h"
#include "sim/generator.h"

namespace {

using namespace readside;
using namespace readside::projection;

constexpr std::string_view kMagic = "readside-model\n";
constexpr char kDir[] = "/fuzz-snapshot";

// snapshot_file.cc's Checksum, verbatim.
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

std::string Header() {
  SnapshotWriter w;
  w.buffer().append(kMagic);
  w.U64(kSnapshotFormatVersion);
  return w.buffer();
}

std::string WithChecksum(std::string data) {
  uint64_t sum = Checksum(data);
  for (int i = 0; i < 8; ++i) data.push_back(static_cast<char>(sum >> (8 * i)));
  return data;
}

// Serves one file's bytes from memory; everything else goes to the real filesystem.
class OneFileEnv final : public EnvWrapper {
 public:
  OneFileEnv() : EnvWrapper(Env::Default()) {}
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    if (path != std::string(kDir) + "/model.snap") return absl::NotFoundError(path);
    return bytes;
  }
  std::string bytes;
};

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "snapshot_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

std::string Encoded(const TenantProjection& t) {
  SnapshotWriter w;
  t.Save(w);
  return w.buffer();
}

// A loaded model encodes and reads back as itself.
void CheckRoundTrip(OneFileEnv& env, const LoadedModel& model) {
  env.bytes = EncodeModelSnapshot(model.position, model.tenants);
  absl::StatusOr<LoadedModel> again = ReadModelSnapshot(kDir, &env);
  if (!again.ok()) Fail("a loaded model does not load again", again.status().ToString());
  if (again->position != model.position || again->tenants.size() != model.tenants.size()) {
    Fail("reloaded model differs", "position or tenant count");
  }
  for (const auto& [org, tenant] : model.tenants) {
    auto it = again->tenants.find(org);
    if (it == again->tenants.end() || Encoded(*it->second).size() != Encoded(*tenant).size()) {
      Fail("reloaded tenant differs", org);
    }
  }
}

TenantMap SimulatedTenants(uint64_t* position) {
  const std::vector<std::string> orgs = {"snap-a", "snap-b"};
  sim::Generator gen({.seed = 7, .tenants = orgs, .total_events = 400, .events_per_second = 0.2});
  TenantMap tenants;
  for (const std::string& org : orgs) {
    TenantSettings settings{.organization_id = org, .timezone = "Europe/Berlin"};
    tenants[org] =
        std::make_unique<TenantProjection>(settings, *LocalCalendar::Create("Europe/Berlin"));
  }
  event::EventParser parser;
  std::string line;
  int64_t ts;
  std::vector<event::FieldError> errors;
  *position = 0;
  while (gen.Next(&line, &ts)) {
    event::Event e;
    if (!parser.ParseOne(line, &e, &errors)) continue;
    tenants.at(e.organization_id)->Apply(e, ++*position, 0);
  }
  return tenants;
}

void WriteSeed(const char* dir, const std::string& name, char mode, std::string_view bytes) {
  std::ofstream(std::string(dir) + "/" + name, std::ios::binary) << mode << bytes;
}

// Checks the checksum copy against a real snapshot; writes seeds when asked.
int Setup() {
  uint64_t position = 0;
  TenantMap tenants = SimulatedTenants(&position);
  std::string file = EncodeModelSnapshot(position, tenants);
  std::string_view body(file.data(), file.size() - 8);
  if (WithChecksum(std::string(body)) != file) {
    Fail("the checksum copy differs from snapshot_file.cc's", "update snapshot_fuzz.cc");
  }
  std::string header = Header();
  if (!body.starts_with(header)) Fail("the header differs", "update snapshot_fuzz.cc");
  if (const char* dir = std::getenv("SNAPSHOT_FUZZ_SEEDS")) {
    WriteSeed(dir, "file", '\0', file);
    WriteSeed(dir, "body", '\1', body.substr(header.size()));
    WriteSeed(dir, "tenant", '\2', Encoded(*tenants.at("snap-a")));
    WriteSeed(dir, "empty-model", '\1', std::string("\0\0", 2));  // position 0, no tenants
    std::string old = file;
    old[kMagic.size()] = static_cast<char>(kSnapshotFormatVersion - 1);
    WriteSeed(dir, "old-version", '\0', old);
    WriteSeed(dir, "truncated", '\0', file.substr(0, file.size() / 2));
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int setup = Setup();
  static OneFileEnv* env = new OneFileEnv();
  (void)setup;
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 3 == 2) {
    SnapshotReader r(rest);
    std::unique_ptr<TenantProjection> tenant = TenantProjection::Load(r);
    if (tenant && r.ok() && r.done()) {
      std::string bytes = Encoded(*tenant);
      SnapshotReader again(bytes);
      std::unique_ptr<TenantProjection> reloaded = TenantProjection::Load(again);
      if (!reloaded || !again.ok() || !again.done() || Encoded(*reloaded).size() != bytes.size()) {
        Fail("a loaded tenant does not load again as itself", tenant->settings().organization_id);
      }
    }
    return 0;
  }
  env->bytes = data[0] % 3 == 0 ? std::string(rest) : WithChecksum(Header() + std::string(rest));
  absl::StatusOr<LoadedModel> model = ReadModelSnapshot(kDir, env);
  if (!model.ok()) {
    if (!absl::IsDataLoss(model.status()))
      Fail("refused without DataLoss", model.status().ToString());
    return 0;
  }
  CheckRoundTrip(*env, *model);
  return 0;
}
