-- wrk script: POSTs the lines of a file as JSON bodies, one line per request, from a given line on.
-- Arguments (after `--`): the file, the 0-based line to start at. At the end prints one line starting
-- with "BENCH " holding the summary as JSON, which bench/load.ts reads.
local bodies = {}
local start = 0
-- Global, so that done() can read it from the thread with thread:get.
sent = 0

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  start = tonumber(args[2]) or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[(start + sent) % #bodies + 1]
  sent = sent + 1
  return wrk.format(nil, nil, nil, body)
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("sent")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
      '"p50Us":%d,"p99Us":%d,"maxUs":%d,"sent":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, total))
end
