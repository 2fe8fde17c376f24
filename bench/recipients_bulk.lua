-- wrk script: POST /recipients/bulk, 1,000 recipients a request, as the admin whose bearer
-- token is in $HERALD_BENCH_TOKEN.
--   BULK_MODE=new (the default): new recipients every request (ids unique per thread and run).
--   BULK_MODE=replace: each thread cycles over 64 batches of its own, fixed by $BULK_RUN,
--     so that after the first pass every entry replaces one; requests in flight at once
--     (at most a thread's connections, <= 64) never share a recipient.
--     One connection a thread makes the 64 batches in order (bench/recipients_bulk.sh).
local size = 1000
local mode = os.getenv("BULK_MODE") or "new"
local run = os.getenv("BULK_RUN") or tostring(os.time())
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", mode == "replace" and tostring(threads) or tostring(math.random(1, 1000000000)))
end

function request()
  counter = counter + 1
  local batch = mode == "replace" and counter % 64 or counter
  local entries = {}
  for i = 1, size do
    local n = batch * size + i
    entries[i] = '{"external_id": "bulk-' .. run .. "-" .. tid .. "-" .. n .. '", "name": "Bench Person '
      .. n .. '", "email": "p' .. n .. '@example.com", "phone": "+1510555'
      .. string.format("%04d", n % 10000) .. '", "locale": "en-US", "timezone": "America/New_York"}'
  end
  return wrk.format("POST", "/recipients/bulk", {
    ["Authorization"] = "Bearer " .. os.getenv("HERALD_BENCH_TOKEN"),
    ["Content-Type"] = "application/json",
  }, '{"items": [' .. table.concat(entries, ", ") .. "]}")
end
