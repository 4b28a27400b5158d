-- wrk script of the catalog benchmark: rotate over the request paths listed in a file (one per
-- line) and print the figures as one JSON line in done().
--   wrk -s rotate.lua http://127.0.0.1:PORT -- PATHS_FILE THREADS
-- Thread n of N starts n/N of the way through the list, so threads do not send the same path.

local counter = 0

function setup(thread)
  thread:set("thread_no", counter)
  counter = counter + 1
end

local paths = {}
local idx = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  local threads = tonumber(args[2]) or 1
  idx = math.floor((thread_no or 0) * #paths / threads)
end

function request()
  idx = idx + 1
  if idx > #paths then
    idx = 1
  end
  return wrk.format("GET", paths[idx])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
