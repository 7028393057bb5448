#!/usr/bin/env python3
"""Dashboard JSON endpoint latency while REST produce load runs (issue 20 §5): starts
`pinpipe serve` on a free loopback port, seeds N topics, runs produce threads and samples
the UI endpoints; prints p50/p99 per endpoint and the produce rate with and without an
open dashboard's polling. Usage: bench/ui_api.py [BIN] [SECONDS] [TOPICS]"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/pinpipe"
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 8
TOPICS = int(sys.argv[3]) if len(sys.argv) > 3 else 100


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def produce_loop(url, stop, counter):
    s = requests.Session()
    body = json.dumps({"records": [{"value": {"i": i, "pad": "x" * 200}} for i in range(50)]})
    h = {"Content-Type": "application/vnd.kafka.json.v2+json"}
    while not stop.is_set():
        if s.post(url + "/topics/bench.load", data=body, headers=h).status_code == 200:
            counter[0] += 50


def phase(url, seconds, poll_ui):
    stop, counter = threading.Event(), [0]
    threads = [threading.Thread(target=produce_loop, args=(url, stop, counter)) for _ in range(2)]
    for t in threads:
        t.start()
    lat = {}
    s = requests.Session()
    t0 = time.time()
    while time.time() - t0 < seconds:
        if poll_ui:
            for ep in ("overview", "topics", "groups", "dags"):
                a = time.perf_counter()
                assert s.get(f"{url}/ui/api/{ep}").status_code == 200
                lat.setdefault(ep, []).append((time.perf_counter() - a) * 1000)
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    return counter[0] / seconds, lat


def main():
    with tempfile.TemporaryDirectory(prefix="pinpipe-ui-bench-") as d:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        p = subprocess.Popen([BIN, "--data-dir", d, "--port", str(port), "--set", "scheduler.enabled=false",
                              "--set", "log.flush=os", "serve"], stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    if requests.get(url + "/healthz").ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            for i in range(TOPICS):
                requests.post(f"{url}/topics/bench.t{i:03d}", data=json.dumps({"records": [{"value": i}]}),
                              headers={"Content-Type": "application/vnd.kafka.json.v2+json"})
            rates = {"without": [], "with": []}
            lat = {}
            for _ in range(2):  # interleaved
                r, _ = phase(url, SECONDS / 4, False)
                rates["without"].append(r)
                r, l = phase(url, SECONDS / 4, True)
                rates["with"].append(r)
                for k, v in l.items():
                    lat.setdefault(k, []).extend(v)
            print(f"topics: {TOPICS}, produce load: 2 threads x 50-record requests, log.flush=os")
            for k, v in lat.items():
                v.sort()
                print(f"  /ui/api/{k:9s} n={len(v):4d} p50={statistics.median(v):6.2f} ms "
                      f"p99={v[min(len(v) - 1, int(len(v) * 0.99))]:6.2f} ms")
            w, wo = statistics.mean(rates["with"]), statistics.mean(rates["without"])
            print(f"  produce records/s without dashboard polling {wo:,.0f}, with {w:,.0f} ({(w - wo) / wo * 100:+.1f}%)")
        finally:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
