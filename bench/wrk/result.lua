-- The one machine-readable line every wrk script of bench/ ends with:
--   RESULT {"requests":..,"rps":..,"p50_ms":..,...,"app_ok":N,"app_fail":N}
-- Loaded by check.lua and mix.lua (dofile, from their own folder); they
-- count app_ok/app_fail, the replies they judged good and bad.
function write_result(summary, latency, app_ok, app_fail)
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
