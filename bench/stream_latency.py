"""End-to-end latency of the streaming job: REST produce acknowledged → row visible in a Delta
snapshot of <id>_pin_table. `pinpipe serve` (stream.source=rest, durable acks) gets RATE
records/s (about 200 requests/s, at least 10 records each) for SECONDS s; a watcher lists _delta_log every millisecond
and, for each new commit, takes its add's stats (min/max ind) as the rows made visible at that
moment. Prints "p50_ms=… p99_ms=… max_ms=… records=… rate=…".
Usage: stream_latency.py BIN [RATE] [SECONDS]"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BIN = sys.argv[1]
RATE = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 10
PER_REQUEST = max(10, RATE // 200)  # about 200 requests/s at most


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    d = tempfile.mkdtemp(prefix="stream-bench-")
    port = free_port()
    proc = subprocess.Popen([BIN, "--set", f"data.dir={d}/data", "--set", f"http.port={port}",
                             "--set", f"kafka.port={free_port()}", "--set", "stream.source=rest",
                             "--set", "sink.enabled=false", "--set", "scheduler.enabled=false",
                             "serve"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/topics/pinterest.pin"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
            break
        except Exception:  # noqa: BLE001
            time.sleep(0.05)
    log_dir = f"{d}/data/lake/delta/pinterest_pin_table/_delta_log"
    acked, visible, stop = {}, {}, threading.Event()

    def watcher():
        seen = set()
        while not stop.is_set() or len(visible) < len(acked):
            try:
                names = os.listdir(log_dir)
            except FileNotFoundError:
                time.sleep(0.001)
                continue
            now = time.monotonic()
            for n in names:
                if not n.endswith(".json") or n in seen:
                    continue
                seen.add(n)
                with open(os.path.join(log_dir, n)) as f:
                    for line in f:
                        a = json.loads(line).get("add")
                        if a and a.get("stats"):
                            st = json.loads(a["stats"])
                            for i in range(st["minValues"]["ind"], st["maxValues"]["ind"] + 1):
                                visible.setdefault(i, now)
            if stop.is_set() and time.monotonic() > stop_time[0] + 30:
                break
            time.sleep(0.001)

    stop_time = [0.0]
    w = threading.Thread(target=watcher)
    w.start()
    interval = PER_REQUEST / RATE
    start = time.monotonic()
    n = 0
    next_at = start
    while time.monotonic() - start < SECONDS:
        body = json.dumps({"records": [{"value": {"index": n + k, "unique_id": f"u{n + k}",
                                                   "title": "t", "category": "travel"}}
                                       for k in range(PER_REQUEST)]}).encode()
        req = urllib.request.Request(url, data=body, headers={
            "Content-Type": "application/vnd.kafka.json.v2+json"})
        urllib.request.urlopen(req, timeout=10).read()
        t = time.monotonic()
        for k in range(PER_REQUEST):
            acked[n + k] = t
        n += PER_REQUEST
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - start
    stop_time[0] = time.monotonic()
    stop.set()
    w.join()
    proc.terminate()
    proc.wait(30)
    lat = sorted(max(0.0, visible[i] - acked[i]) * 1000 for i in acked if i in visible)
    missing = len(acked) - len(lat)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")  # noqa: E731
    print(f"p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f} max_ms={lat[-1] if lat else 0:.1f} "
          f"records={len(acked)} rate={len(acked) / elapsed:.0f} missing={missing}")
    subprocess.run(["rm", "-rf", d])


main()
