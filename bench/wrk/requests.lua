-- Replays requests from a file, one line per request, cycling; counts answers without an expected marker.
-- Usage: wrk ... -s requests.lua URL -- LINES_FILE METHOD PATH [AUTHORIZATION] [EXPECT] [FIRST_LINE]
-- A line is a JSON body, or "AUTHORIZATION<TAB>BODY" (body may be empty) to send each request as another user.
-- LINES_FILE "-" sends no body. FIRST_LINE (0-based) continues where an earlier slice of the same run stopped, so no
-- request of a slice repeats one of an earlier slice. Prints one JSON line with the totals in done().

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  if args[1] ~= "-" then
    for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  end
  method = args[2]
  path = args[3]
  headers = {}
  if args[4] ~= nil and args[4] ~= "" then headers["Authorization"] = args[4] end
  if #bodies > 0 then headers["Content-Type"] = "application/json" end
  expect = args[5]
  if expect == "" then expect = nil end
  step = tonumber(args[6] or "0") or 0
  unexpected = 0
  if #bodies > 0 then wrk.body = nil end
end

function request()
  local body = nil
  if #bodies > 0 then
    -- Each thread walks the lines from its own offset (setup's thread list lives in another Lua state).
    body = bodies[((id * 7919 + step) % #bodies) + 1]
    step = step + 1
    local tab = string.find(body, "\t", 1, true)
    if tab ~= nil then
      headers["Authorization"] = string.sub(body, 1, tab - 1)
      body = string.sub(body, tab + 1)
      if body == "" then body = nil end
    end
  end
  return wrk.format(method, path, headers, body)
end

function response(status, resp_headers, body)
  if status >= 400 and not shown then
    -- The first failure's answer, so a failing run says why (stderr; stdout carries the JSON totals).
    io.stderr:write("first failure: " .. status .. " " .. string.sub(body or "", 1, 300) .. "\n")
    shown = true
  end
  if status < 400 and expect ~= nil and not string.find(body, expect, 1, true) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"unexpected":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, bad,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
