#pragma once
// The process metrics every Prometheus client library exports, with the same names
// (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds, …), read from
// /proc/self at scrape time. Linux only; on a read failure the metric is left out.

#include "common/metrics.h"

namespace readside {

void RegisterProcessMetrics(MetricsRegistry* registry);

}  // namespace readside
