-- wrk: 500 records (~350 B each) per REST Proxy produce request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/vnd.kafka.json.v2+json"
local rec = '{"value":{"ind": 7528, "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf", ' ..
  '"title": "No Title Data Available", "description": "No description available Story format", ' ..
  '"poster_name": "User Info Error", "follower_count": "User Info Error", "tag_list": ' ..
  '"N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "is_image_or_video": "multi-video(story page format)", ' ..
  '"image_src": "Image src error.", "downloaded": 0, "category": "mens-fashion"}}'
local parts = {}
for i = 1, 500 do parts[i] = rec end
wrk.body = '{"records":[' .. table.concat(parts, ",") .. ']}'

-- No response() callback: defining one makes wrk parse every response's headers into Lua
-- (costing the client a few percent of this 2-core machine), and a counter kept there lives in
-- the thread's Lua state, which done() never sees. wrk counts statuses >= 400 itself.
done = function(summary, latency, requests)
  local rps = summary.requests / (summary.duration / 1e6)
  io.write(string.format("RESULT requests_per_s=%.0f records_per_s=%.0f p50_ms=%.3f p99_ms=%.3f http_errors=%d\n",
    rps, rps * 500, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status))
end
