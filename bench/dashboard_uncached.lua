-- wrk script for bench/dashboard_bench.sh: every request carries its own `as_of` (a distinct
-- instant after the period's end, so the answer is the same bytes), and as_of is part of
-- readside's response-cache key: every request is a cache miss and builds the dashboard.
--   wrk -s bench/dashboard_uncached.lua 'http://HOST:PORT/analytics/dashboard/ORG?period=P'
local n = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function request()
  n = n + 1
  local sec = math.floor(n / 1000000)
  local as_of = string.format("2100-01-%02dT%02d:%02d:%02d.%06dZ", 1 + (id or 0) % 28,
                              math.floor(sec / 3600) % 24, math.floor(sec / 60) % 60, sec % 60,
                              n % 1000000)
  return wrk.format(nil, wrk.path .. "&as_of=" .. as_of)
end
