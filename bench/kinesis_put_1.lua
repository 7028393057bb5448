-- wrk: Kinesis PutRecord, one pin row (base64) per request, AWS JSON 1.1, keep-alive; the same
-- request for pinpipe and for moto. Stream "bench" must exist.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "Kinesis_20131202.PutRecord"
wrk.headers["X-Amz-Date"] = "20261205T000000Z"  -- kinesalite refuses a signature without it
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"
RECORDS = 1
wrk.body = "{\"StreamName\": \"bench\", \"Data\": \"eyJpbmRleCI6IDc1MjgsICJ1bmlxdWVfaWQiOiAiZmJlNTNjNjYtMzQ0Mi00NzczLWIxOWUtZDNlYzZmNTRkZGRmIiwgInRpdGxlIjogIk5vIFRpdGxlIERhdGEgQXZhaWxhYmxlIiwgImRlc2NyaXB0aW9uIjogIk5vIGRlc2NyaXB0aW9uIGF2YWlsYWJsZSBTdG9yeSBmb3JtYXQiLCAicG9zdGVyX25hbWUiOiAiVXNlciBJbmZvIEVycm9yIiwgImZvbGxvd2VyX2NvdW50IjogIlVzZXIgSW5mbyBFcnJvciIsICJ0YWdfbGlzdCI6ICJOLG8sICxULGEsZyxzLCAsQSx2LGEsaSxsLGEsYixsLGUiLCAiaXNfaW1hZ2Vfb3JfdmlkZW8iOiAibXVsdGktdmlkZW8oc3RvcnkgcGFnZSBmb3JtYXQpIiwgImltYWdlX3NyYyI6ICJJbWFnZSBzcmMgZXJyb3IuIiwgImRvd25sb2FkZWQiOiAwLCAic2F2ZV9sb2NhdGlvbiI6ICJMb2NhbCBzYXZlIGluIC9kYXRhL21lbnMtZmFzaGlvbiIsICJjYXRlZ29yeSI6ICJtZW5zLWZhc2hpb24ifQ==\", \"PartitionKey\": \"partition-1\"}"

-- No response() callback (it would cost the client; wrk counts statuses >= 400 itself).
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests_per_s=%.0f records_per_s=%.0f p50_ms=%.3f p99_ms=%.3f http_errors=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), RECORDS * summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
