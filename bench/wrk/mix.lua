-- 95% GET of a comment list, 5% POST of a new comment (unique body).
--   LIST_PATH     the list to read     (default /api/v1/articles/a0/comments?limit=50)
--   POST_PATH     where to post        (default /api/v1/articles/bench-mix/comments)
--   EXPECT_BYTES  body length of every list reply (default: not checked)
-- Ends with the RESULT line of result.lua; app_fail counts every reply that
-- is neither a list of the expected length nor a 201 with the new comment.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "result.lua")
local list_path = os.getenv("LIST_PATH") or "/api/v1/articles/a0/comments?limit=50"
local post_path = os.getenv("POST_PATH") or "/api/v1/articles/bench-mix/comments"
local expect = tonumber(os.getenv("EXPECT_BYTES") or "")
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  n, post_ok, bad = 0, 0, 0
  salt = os.time() % 100000
end

function request()
  n = n + 1
  if n % 20 == 0 then
    local body = string.format(
      '{"author":"Bạn đọc %d","body":"Bình luận %d-%d-%d: bài viết rất hay, cảm ơn tác giả."}',
      tid, salt, tid, n)
    return wrk.format("POST", post_path, {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", list_path)
end

-- Responses arrive after later requests were made, so tell them apart by
-- status: 201 is a stored comment (its body names it pending), 200 a list
-- (of the expected length); anything else is a failure.
function response(status, headers, body)
  if status == 201 and body and body:find('"status":"pending"', 1, true) then
    post_ok = post_ok + 1
  elseif not (status == 200 and (not expect or (body and #body == expect))) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local ok, fail = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + (t:get("post_ok") or 0)
    fail = fail + (t:get("bad") or 0)
  end
  write_result(summary, latency, ok, fail)
end
