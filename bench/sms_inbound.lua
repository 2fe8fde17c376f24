-- wrk script: POST /webhooks/twilio/inbound, a signed Twilio webhook per request, read
-- from $SMS_INBOUND_REQUESTS (lines of "<signature>\t<form body>", see
-- bench/sms_inbound_requests.py); each thread starts at its own offset, so no two
-- requests in flight carry the same MessageSid; the warm-up ($WARM_UP set) starts each
-- thread half-way through its share, so the measured run sends only messages not yet seen.
local requests = {}
for line in io.lines(os.getenv("SMS_INBOUND_REQUESTS")) do
  local signature, body = line:match("([^\t]+)\t(.*)")
  requests[#requests + 1] = {signature, body}
end
local threads = 0

function setup(thread)
  threads = threads + 1
  local share = math.floor(#requests / 4)
  local skip = os.getenv("WARM_UP") and math.floor(share / 2) or 0
  thread:set("offset", (threads - 1) * share + skip)
end

local counter = 0

function request()
  counter = counter + 1
  local r = requests[(offset + counter) % #requests + 1]
  return wrk.format("POST", "/webhooks/twilio/inbound", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[1],
  }, r[2])
end
