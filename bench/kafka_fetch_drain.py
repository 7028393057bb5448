"""The broker's side of consumption: one connection drains a 1-partition or many-partition topic
with raw Fetch v4 requests (max 1 MiB per partition, max wait 500 ms), reading only the batch
headers it needs to move on — no record decoding, so unlike kafka-consumer-perf-test (whose Java
consumer is the limit on a small machine) the figure is the broker's. Used by kafka.bench.sh for
pinpipe and for Apache Kafka alike.
Usage: kafka_fetch_drain.py HOST:PORT TOPIC PARTITIONS  → prints records_per_s=… fetches=… bytes=…"""
import os
import struct
import sys
import time

# The wire helpers of the Kafka tests (framing, a loopback connection), as batch_duckdb.mjs uses
# the interop tests' queries.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import kafka_wire as kw  # noqa: E402


def fetch_v4(topic, offsets):
    body = struct.pack(">iiiib", -1, 500, 1, 64 << 20, 0) + struct.pack(">i", 1) + kw.string(topic)
    body += struct.pack(">i", len(offsets))
    for p, off in enumerate(offsets):
        body += struct.pack(">iqi", p, off, 1 << 20)
    return body


def main():
    port = int(sys.argv[1].rsplit(":", 1)[1])  # loopback: kafka_wire connects to 127.0.0.1
    topic, parts = sys.argv[2], int(sys.argv[3])
    c = kw.Conn(port, timeout=30)
    offsets, hws, done = [0] * parts, [None] * parts, [False] * parts
    fetches = nbytes = records = 0
    t0 = time.perf_counter()
    while not all(done):
        answer = c.call(1, 4, fetch_v4(topic, offsets))
        if answer is None:
            sys.exit("the broker closed the connection")
        body = answer[1]
        fetches += 1
        pos = 4 + 4 + 2 + len(topic.encode()) + 4  # throttle, topics count, name, partitions count
        for _ in range(parts):
            p, err, hw, _lso, aborted, size = struct.unpack_from(">ihqqii", body, pos)
            pos += 30
            if aborted > 0:
                pos += 16 * aborted
            recs = body[pos:pos + size]
            pos += size
            if err:
                sys.exit(f"fetch error {err} on partition {p}")
            hws[p] = hw
            at = 0
            while at + 61 <= len(recs):
                base, blen = struct.unpack_from(">qi", recs, at)
                if at + 12 + blen > len(recs):
                    break  # a partial batch at the end of the answer
                (last_delta,) = struct.unpack_from(">i", recs, at + 23)
                (count,) = struct.unpack_from(">i", recs, at + 57)
                records += count
                offsets[p] = base + last_delta + 1
                at += 12 + blen
            nbytes += size
            done[p] = offsets[p] >= hw
    secs = time.perf_counter() - t0
    print(f"records_per_s={records / secs:.0f} fetches={fetches} bytes={nbytes} records={records} seconds={secs:.3f}")


if __name__ == "__main__":
    main()
