-- wrk script: POST /webhooks/landbot, a MessageHooks delivery of one customer message per
-- request, each with a message id of its own (so each is stored: none is a repeat), from
-- 10,000 customers in turn; the token from $LANDBOT_TOKEN. $RUN names the run in the
-- ids, so the measured run repeats none of the warm-up's messages.
local token = os.getenv("LANDBOT_TOKEN")
local run = os.getenv("RUN") or "measured"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread", threads)
end

local counter = 0

function request()
  counter = counter + 1
  local customer = (thread * 1000003 + counter) % 10000
  local body = string.format(
    '{"messages":[{"_id":"bench-%s-%d-%d","type":"text","timestamp":%d,' ..
    '"data":{"body":"Hi, my order has not arrived"},' ..
    '"sender":{"id":%d,"name":"Lena","type":"customer"},' ..
    '"customer":{"id":%d,"name":"Lena","email":"lena%d@example.com"},' ..
    '"channel":{"id":1,"name":"Web","type":"landbot"}}]}',
    run, thread, counter, 1764687600 + counter, customer, customer, customer)
  return wrk.format("POST", "/webhooks/landbot", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Token " .. token,
  }, body)
end
