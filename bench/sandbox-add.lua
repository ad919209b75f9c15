-- wrk script: POST the vendor's example to add-update, each request with a
-- new phone number so every request adds a customer (the sandbox's slow path).
local body_template = nil
local counter = 0

function init(args)
  local f = assert(io.open(args[1], "r"))
  body_template = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic " .. args[2]
end

function request()
  counter = counter + 1
  local phone = string.format("7%09d", counter)
  local body = body_template:gsub("9380491387", phone)
  return wrk.format(nil, "/ms/customer/customer/api/v1/add-update", nil, body)
end
