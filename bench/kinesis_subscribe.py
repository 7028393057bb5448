"""SubscribeToShard push latency: one subscription (HTTP/1.1 chunked event stream, JSON, read
from a raw socket so the client adds little), PutRecords one at a time over a kept-alive
connection, and for each record the time from PutRecord's answer to its event's arrival (and
from the request's start). Prints one RESULT line.
Usage: kinesis_subscribe.py <url> <consumer ARN> <records> <gap ms>"""
import http.client
import json
import socket
import struct
import sys
import threading
import time
import base64

url, consumer, n, gap_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
host, port = url.split("//")[1].split(":")
port = int(port)
AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/kinesis/aws4_request, SignedHeaders=host, "
        "Signature=" + "0" * 64)

arrival = [0.0] * n


def subscriber(ready):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = json.dumps({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
                       "StartingPosition": {"Type": "LATEST"}}).encode()
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
              b"X-Amz-Target: Kinesis_20131202.SubscribeToShard\r\nAuthorization: " + AUTH.encode() +
              b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, buf = buf.split(b"\r\n\r\n", 1)
    assert b" 200 " in head.split(b"\r\n")[0], head
    stream = b""  # de-chunked event-stream bytes
    got = 0
    while got < n:
        # de-chunk what we have
        while True:
            i = buf.find(b"\r\n")
            if i < 0:
                break
            size = int(buf[:i], 16)
            if len(buf) < i + 2 + size + 2:
                break
            stream += buf[i + 2:i + 2 + size]
            buf = buf[i + 2 + size + 2:]
        while len(stream) >= 12:
            total, hlen = struct.unpack(">II", stream[:8])
            if len(stream) < total:
                break
            msg, stream = stream[:total], stream[total:]
            payload = msg[12 + hlen:total - 4]
            if b"SubscribeToShardEvent" in msg[12:12 + hlen]:
                now = time.perf_counter()
                for r in json.loads(payload)["Records"]:
                    arrival[int(base64.b64decode(r["Data"]))] = now
                    got += 1
            elif not ready.is_set():
                ready.set()  # initial-response
        if got >= n:
            break
        data = s.recv(65536)
        if not data:
            raise SystemExit("subscription ended early")
        buf += data
    s.close()


ready = threading.Event()
t = threading.Thread(target=subscriber, args=(ready,), daemon=True)
t.start()
assert ready.wait(10)
time.sleep(0.2)
conn = http.client.HTTPConnection(host, port)
sent, answered = [0.0] * n, [0.0] * n
for i in range(n):
    body = json.dumps({"StreamName": "sub", "PartitionKey": "k",
                       "Data": base64.b64encode(str(i).encode()).decode()})
    sent[i] = time.perf_counter()
    conn.request("POST", "/", body, {"Content-Type": "application/x-amz-json-1.1",
                                     "X-Amz-Target": "Kinesis_20131202.PutRecord", "Authorization": AUTH})
    r = conn.getresponse()
    r.read()
    answered[i] = time.perf_counter()
    assert r.status == 200
    time.sleep(gap_ms / 1000)
t.join(30)
assert not t.is_alive(), "events missing"
after_answer = sorted((arrival[i] - answered[i]) * 1000 for i in range(n))
after_send = sorted((arrival[i] - sent[i]) * 1000 for i in range(n))


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))]


print(f"RESULT records={n} p50_ms={pct(after_answer, .5):.3f} p99_ms={pct(after_answer, .99):.3f} "
      f"max_ms={after_answer[-1]:.3f} e2e_p50_ms={pct(after_send, .5):.3f} e2e_p99_ms={pct(after_send, .99):.3f}")
