-- wrk script: PUT /recipients/{external_id}, a new recipient each request (ids unique per
-- thread and run), as the admin whose bearer token is in $HERALD_BENCH_TOKEN.
local counter = 0
local run = tostring(os.time())

function setup(thread)
  thread:set("tid", tostring(math.random(1, 1000000000)))
end

function request()
  counter = counter + 1
  local id = "bench-" .. run .. "-" .. tid .. "-" .. counter
  local body = '{"name": "Bench Person ' .. counter .. '", "email": "p' .. counter
    .. '@example.com", "phone": "+1510555' .. string.format("%04d", counter % 10000)
    .. '", "locale": "en-US", "timezone": "America/New_York"}'
  return wrk.format("PUT", "/recipients/" .. id, {
    ["Authorization"] = "Bearer " .. os.getenv("HERALD_BENCH_TOKEN"),
    ["Content-Type"] = "application/json",
  }, body)
end
