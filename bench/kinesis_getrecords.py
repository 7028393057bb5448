#!/usr/bin/env python3
"""GetRecords throughput of one Kinesis endpoint (pinpipe, moto or kinesalite), the same client
for each: a 1-shard stream gets N pin rows through PutRecords (not timed), then one reader
drains it from TRIM_HORIZON with GetRecords (Limit 10000) over one keep-alive connection.
Prints `RESULT records_per_s=… p99_ms=… http_errors=…` (p99 of the GetRecords calls).

Usage: kinesis_getrecords.py http://127.0.0.1:PORT [N]
"""
import base64
import http.client
import json
import sys
import time
import urllib.parse

HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Date": "20261205T000000Z",  # kinesalite refuses a signature without it
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/kinesis/aws4_request, "
                     "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
}
ROW = json.dumps({"index": 7528, "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
                  "title": "No Title Data Available", "description": "No description available Story format",
                  "poster_name": "User Info Error", "follower_count": "User Info Error",
                  "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "is_image_or_video": "multi-video(story page format)",
                  "image_src": "Image src error.", "downloaded": 0,
                  "save_location": "Local save in /data/mens-fashion", "category": "mens-fashion"})


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        self.errors = 0

    def call(self, op, body):
        h = dict(HEADERS)
        h["X-Amz-Target"] = "Kinesis_20131202." + op
        self.conn.request("POST", "/", body=json.dumps(body), headers=h)
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            self.errors += 1
            raise RuntimeError(f"{op}: HTTP {r.status}: {data[:300]!r}")
        return json.loads(data) if data else {}


def main():
    url = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    c = Client(url)
    stream = "bench-get-%d" % int(time.time() * 1000)
    c.call("CreateStream", {"StreamName": stream, "ShardCount": 1})
    for _ in range(600):
        d = c.call("DescribeStreamSummary", {"StreamName": stream})
        if d["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    data = base64.b64encode(ROW.encode()).decode()
    for start in range(0, n, 500):
        recs = [{"Data": data, "PartitionKey": f"pk-{i}"} for i in range(start, min(n, start + 500))]
        out = c.call("PutRecords", {"StreamName": stream, "Records": recs})
        if out.get("FailedRecordCount"):
            raise RuntimeError(f"PutRecords: {out['FailedRecordCount']} records failed")
    shard = c.call("ListShards", {"StreamName": stream})["Shards"][0]["ShardId"]
    it = c.call("GetShardIterator", {"StreamName": stream, "ShardId": shard,
                                     "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
    got, lat = 0, []
    t0 = time.perf_counter()
    while got < n:
        s = time.perf_counter()
        out = c.call("GetRecords", {"ShardIterator": it, "Limit": 10000})
        lat.append(time.perf_counter() - s)
        got += len(out["Records"])
        it = out["NextShardIterator"]
        if time.perf_counter() - t0 > 120:
            raise RuntimeError(f"GetRecords: {got} of {n} records after 120 s")
    secs = time.perf_counter() - t0
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    print(f"RESULT records_per_s={got / secs:.0f} p99_ms={p99:.3f} http_errors={c.errors} calls={len(lat)}")


if __name__ == "__main__":
    main()
