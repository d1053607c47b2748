-- wrk script: GET /api/v1/machines/{mac} for MACs bench/admin_load.py registered (52:54:00:00:xx:xx).
local count = tonumber(os.getenv("BENCH_COUNT") or "10000")
local token = os.getenv("BENCH_TOKEN")
local counter = 0

request = function()
  counter = counter + 1
  local number = (counter * 7919) % count
  local path = string.format("/api/v1/machines/52:54:00:00:%02x:%02x", math.floor(number / 256) % 256, number % 256)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

done = function(summary, latency, requests)
  io.write(string.format("errors_status=%d\n", summary.errors.status))
end
