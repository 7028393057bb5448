"""The broker's side of consumption: one connection drains a 1-partition or many-partition topic
with raw Fetch v4 requests (max 1 MiB per partition, max wait 500 ms), reading only the batch
headers it needs to move on — no record decoding, so unlike kafka-consumer-perf-test (whose Java
consumer is the limit on a small machine) the figure is the broker's. Used by kafka.bench.sh for
pinpipe and for Apache Kafka alike.
The answers are read with recv_into into one buffer and parsed in place: the client's Python
must not be the limit it measures. The figure is the median of KAFKA_DRAIN_REPEATS drains (7).
Usage: kafka_fetch_drain.py HOST:PORT TOPIC PARTITIONS  → prints records_per_s=… fetches=… bytes=…"""
import os
import socket
import statistics
import struct
import sys
import time

# The wire helpers of the Kafka tests (framing, a loopback connection), as batch_duckdb.mjs uses
# the interop tests' queries.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import kafka_wire as kw  # noqa: E402

REPEATS = int(os.environ.get("KAFKA_DRAIN_REPEATS", "7"))


def fetch_v4(topic, offsets):
    body = struct.pack(">iiiib", -1, 500, 1, 64 << 20, 0) + struct.pack(">i", 1) + kw.string(topic)
    body += struct.pack(">i", len(offsets))
    for p, off in enumerate(offsets):
        body += struct.pack(">iqi", p, off, 1 << 20)
    return body


def recv_answer(sock, buf):
    """Reads one answer frame into `buf` (grown as needed) with recv_into: no per-chunk bytes
    objects and no copies, so the client's Python does not hide the broker's speed. Returns the
    buffer and the frame's size (after the 4-byte size), or (buf, None) when the broker closed."""
    head = bytearray(4)
    if not recv_into_exact(sock, memoryview(head), 4):
        return buf, None
    (size,) = struct.unpack(">i", head)
    if size > len(buf):
        buf = bytearray(size)
    if not recv_into_exact(sock, memoryview(buf), size):
        return buf, None
    return buf, size


def recv_into_exact(sock, view, n):
    got = 0
    while got < n:
        k = sock.recv_into(view[got:n])
        if k == 0:
            return False
        got += k
    return True


def drain(c, buf, topic, parts):
    """One drain from offset 0 to the high watermarks → (records, fetches, bytes, seconds, buf)."""
    offsets, hws, done = [0] * parts, [None] * parts, [False] * parts
    fetches = nbytes = records = 0
    t0 = time.perf_counter()
    while not all(done):
        c.send(kw.request(1, 4, fetch_v4(topic, offsets)))
        buf, size = recv_answer(c.sock, buf)
        if size is None:
            sys.exit("the broker closed the connection")
        fetches += 1
        # correlation id, throttle, topics count, name, partitions count
        pos = 4 + 4 + 4 + 2 + len(topic.encode()) + 4
        for _ in range(parts):
            p, err, hw, _lso, aborted, rsize = struct.unpack_from(">ihqqii", buf, pos)
            pos += 30
            if aborted > 0:
                pos += 16 * aborted
            start, end = pos, pos + rsize
            pos = end
            if err:
                sys.exit(f"fetch error {err} on partition {p}")
            hws[p] = hw
            at = start
            while at + 61 <= end:
                base, blen = struct.unpack_from(">qi", buf, at)
                if at + 12 + blen > end:
                    break  # a partial batch at the end of the answer
                (last_delta,) = struct.unpack_from(">i", buf, at + 23)
                (count,) = struct.unpack_from(">i", buf, at + 57)
                records += count
                offsets[p] = base + last_delta + 1
                at += 12 + blen
            nbytes += rsize
            done[p] = offsets[p] >= hw
    return records, fetches, nbytes, time.perf_counter() - t0, buf


def main():
    port = int(sys.argv[1].rsplit(":", 1)[1])  # loopback: kafka_wire connects to 127.0.0.1
    topic, parts = sys.argv[2], int(sys.argv[3])
    c = kw.Conn(port, timeout=30)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    buf = bytearray(1 << 20)
    # A drain of a few million records takes a fraction of a second: the median of several
    # (on one connection, the first one warming both sides) is the figure.
    rounds = []
    for _ in range(REPEATS):
        records, fetches, nbytes, secs, buf = drain(c, buf, topic, parts)
        rounds.append(secs)
    secs = statistics.median(rounds)
    print(f"records_per_s={records / secs:.0f} fetches={fetches} bytes={nbytes} records={records} "
          f"seconds={secs:.3f} repeats={REPEATS}")


if __name__ == "__main__":
    main()
