-- wrk script of the benchmark harness (bench/run.py).
--
-- Arguments (after `--`): the path to request, "1" to make every request's URL unique
-- (a `_nocache=<thread>-<n>` parameter, so that no URL-keyed cache can answer it), and
-- "1" to send a distinct X-Forwarded-For per request (the throttles key anonymous
-- clients on it, with TRUSTED_PROXY_COUNT=1, so that the load looks like many clients
-- rather than one).
--
-- At the end it prints one line, `BENCH_JSON {...}`, with the request and error
-- counts and the latency percentiles in microseconds; bench/wrk.py parses it.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  bench_path = args[1] or "/"
  bench_unique = args[2] == "1"
  bench_clients = args[3] == "1"
  if string.find(bench_path, "?", 1, true) then
    bench_separator = "&"
  else
    bench_separator = "?"
  end
end

function request()
  counter = counter + 1
  local path = bench_path
  if bench_unique then
    path = path .. bench_separator .. "_nocache=" .. thread_id .. "-" .. counter
  end
  local headers = {}
  if bench_clients then
    local n = (thread_id * 1000003 + counter) % 16777216
    headers["X-Forwarded-For"] = string.format(
      "10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256
    )
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"bytes": %d', summary.bytes),
    string.format('"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}',
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)),
  }
  io.write("BENCH_JSON {" .. table.concat(parts, ", ") .. "}\n")
end
