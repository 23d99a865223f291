-- wrk script for benches/serve.sh: POSTs one lead to `decide` and checks
-- every answer: status 200 and a `sha256` that is one of the policy
-- versions in $LQ_SHAS (comma-separated; none: the status only). wrk itself counts only non-2xx
-- answers; this counts wrong bodies too, per thread, and sums them in done().

local shas = {}
for sha in string.gmatch(os.getenv("LQ_SHAS") or "", "[^,]+") do
  shas[sha] = true
end

-- $LQ_METHOD=GET (for /health) sends no body and checks only the status.
wrk.method = os.getenv("LQ_METHOD") or "POST"
if wrk.method == "POST" then
  wrk.body = os.getenv("LQ_BODY")
  wrk.headers["Content-Type"] = "application/json"
end
local check_sha = next(shas) ~= nil

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  answers, not_ok, unknown_sha = 0, 0, 0
  seen = {}
end

function response(status, headers, body)
  answers = answers + 1
  if status ~= 200 then
    not_ok = not_ok + 1
    return
  end
  if not check_sha then
    return
  end
  local sha = string.match(body, '"sha256":"(%x+)"')
  if sha == nil or not shas[sha] then
    unknown_sha = unknown_sha + 1
  else
    seen[sha] = (seen[sha] or 0) + 1
  end
end

function done(summary, latency, requests)
  local answered, bad_status, bad_sha = 0, 0, 0
  local by_sha = {}
  for _, thread in ipairs(threads) do
    answered = answered + thread:get("answers")
    bad_status = bad_status + thread:get("not_ok")
    bad_sha = bad_sha + thread:get("unknown_sha")
    for sha, n in pairs(thread:get("seen")) do
      by_sha[sha] = (by_sha[sha] or 0) + n
    end
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("CHECK answered=%d not_200=%d unknown_sha=%d socket_errors=%d timeouts=%d wrk_non2xx=%d\n",
    answered, bad_status, bad_sha, e.connect + e.read + e.write, e.timeout, e.status))
  for sha, n in pairs(by_sha) do
    io.write(string.format("SHA %s %d\n", sha, n))
  end
end
