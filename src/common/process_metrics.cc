#include "common/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_writer.h"

namespace readside {
namespace {

// Fields of /proc/self/stat after the command name (which may hold spaces and parentheses).
bool ReadStat(std::vector<std::string>* fields) {
  std::ifstream f("/proc/self/stat");
  std::string line;
  if (!std::getline(f, line)) return false;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  while (rest >> field) fields->push_back(field);
  return fields->size() > 21;
}

double BootTimeSeconds() {
  std::ifstream f("/proc/stat");
  std::string key;
  while (f >> key) {
    if (key == "btime") {
      double t = 0;
      f >> t;
      return t;
    }
    f.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

int64_t OpenFds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int64_t n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

void RegisterProcessMetrics(MetricsRegistry* registry) {
  static const double boot = BootTimeSeconds();
  static const long ticks = sysconf(_SC_CLK_TCK);
  static const long page = sysconf(_SC_PAGESIZE);
  registry->Add([](std::string* out) {
    // Fields after "(comm)": state is [0], utime [11], stime [12], num_threads [17],
    // starttime [19], vsize [20], rss [21] (proc(5) numbering minus 3).
    std::vector<std::string> f;
    if (ReadStat(&f) && ticks > 0) {
      double cpu = (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) /
                   static_cast<double>(ticks);
      out->append("# HELP process_cpu_seconds_total user and system CPU time spent\n"
                  "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ");
      AppendJsonDouble(out, cpu);
      out->push_back('\n');
      RenderGauge("process_resident_memory_bytes", "resident memory size",
                  std::strtod(f[21].c_str(), nullptr) * static_cast<double>(page), out);
      RenderGauge("process_virtual_memory_bytes", "virtual memory size",
                  std::strtod(f[20].c_str(), nullptr), out);
      RenderGauge("process_threads", "threads of the process", std::strtod(f[17].c_str(), nullptr),
                  out);
      if (boot > 0) {
        RenderGauge("process_start_time_seconds", "start time since the Unix epoch",
                    boot + std::strtod(f[19].c_str(), nullptr) / static_cast<double>(ticks), out);
      }
    }
    int64_t fds = OpenFds();
    if (fds >= 0) RenderGauge("process_open_fds", "open file descriptors", double(fds), out);
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
      RenderGauge("process_max_fds", "limit of open file descriptors",
                  static_cast<double>(lim.rlim_cur), out);
    }
  });
}

}  // namespace readside
