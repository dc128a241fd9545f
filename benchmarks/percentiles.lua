-- wrk prints no p95: this prints one machine-readable line at the end (latencies in µs).
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50=%d p90=%d p95=%d p99=%d max=%d mean=%.0f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
