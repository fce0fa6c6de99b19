-- wrk -s check.lua: plain GET that checks every reply.  A reply counts as
-- good when its status is 2xx and, with EXPECT_BYTES set, its body is
-- exactly that long (a short or truncated page is a failure).
--   EXPECT_BYTES  body length every reply must have (default: not checked)
-- Ends with one machine-readable line:
--   RESULT {"requests":..,"rps":..,"p50_ms":..,...,"app_ok":N,"app_fail":N}
local expect = tonumber(os.getenv("EXPECT_BYTES") or "")
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, fail = 0, 0
end

function response(status, headers, body)
  if status >= 200 and status < 300 and (not expect or (body and #body == expect)) then
    ok = ok + 1
  else
    fail = fail + 1
  end
end

function done(summary, latency, requests)
  local app_ok, app_fail = 0, 0
  for _, t in ipairs(threads) do
    app_ok = app_ok + (t:get("ok") or 0)
    app_fail = app_fail + (t:get("fail") or 0)
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.2f,"rps":%.1f,"bytes":%d,' ..
    '"lat_mean_ms":%.3f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"app_ok":%d,"app_fail":%d}\n',
    summary.requests, secs, summary.requests / secs, summary.bytes,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout, app_ok, app_fail))
end
