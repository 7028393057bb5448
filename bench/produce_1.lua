-- wrk: single-record REST Proxy produce, ~350 B of JSON like one pin row, keep-alive.
-- Usage: wrk -t2 -c64 -d10s -s bench/produce_1.lua http://127.0.0.1:8082/topics/bench.pin
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/vnd.kafka.json.v2+json"
wrk.body = '{"records":[{"value":{"index": 7528, "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf", ' ..
  '"title": "No Title Data Available", "description": "No description available Story format", ' ..
  '"poster_name": "User Info Error", "follower_count": "User Info Error", "tag_list": ' ..
  '"N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "is_image_or_video": "multi-video(story page format)", ' ..
  '"image_src": "Image src error.", "downloaded": 0, "save_location": "Local save in /data/mens-fashion", ' ..
  '"category": "mens-fashion"}}]}'

-- No response() callback: defining one makes wrk parse every response's headers into Lua
-- (costing the client a few percent of this 2-core machine), and a counter kept there lives in
-- the thread's Lua state, which done() never sees. wrk counts statuses >= 400 itself.
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests_per_s=%.0f p50_ms=%.3f p99_ms=%.3f http_errors=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
