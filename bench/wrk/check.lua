-- wrk -s check.lua: plain GET that checks every reply.  A reply counts as
-- good when its status is 2xx and, with EXPECT_BYTES set, its body is
-- exactly that long (a short or truncated page is a failure).
--   EXPECT_BYTES  body length every reply must have (default: not checked)
-- Ends with the RESULT line (result.lua):
--   RESULT {"requests":..,"rps":..,"p50_ms":..,...,"app_ok":N,"app_fail":N}
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "result.lua")
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
  write_result(summary, latency, app_ok, app_fail)
end
