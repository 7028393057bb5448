#!/usr/bin/env python3
"""Dashboard JSON endpoint latency while REST produce load runs (issue 20 §5): starts
`pinpipe serve` on a free loopback port, seeds N topics, runs produce threads and samples
every UI endpoint a page reads (the message browser, search and trace of the loaded topic
too); prints p50/p99 per endpoint and the produce rate with and without an open dashboard
(one SSE feed with the live tail on and a page's document every 2 s, as a tab holds), in
interleaved phases; the endpoint latencies come from separate probe phases that read every
endpoint every 0.2 s under the same load. Usage: bench/ui_api.py [BIN] [SECONDS] [TOPICS]"""
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
    body = json.dumps({"records": [{"key": f"k{i}", "value": {"i": i, "pad": "x" * 200}} for i in range(50)]})
    h = {"Content-Type": "application/vnd.kafka.json.v2+json"}
    while not stop.is_set():
        if s.post(url + "/topics/bench.load", data=body, headers=h).status_code == 200:
            counter[0] += 50


# Every endpoint a page reads (src/ui/web/app.js), the message browser, search and trace on the
# loaded topic.
ENDPOINTS = ("overview", "topics", "groups", "dags?limit=50", "sink", "streams", "stream", "delta", "analytics",
             "lake?prefix=", "history?window=3600&names=ingest.records,produce.p99",
             "topics/bench.load/messages?partition=all&from=newest&arg=50&limit=50",
             "topics/bench.load/search?key=k7&max_scan=20000", "trace?topic=bench.load&partition=0&offset=0")


def sse_feed(url, stop):
    """An open tab's one SSE connection with the live tail of the loaded topic: the feed answers
    in long-poll form (src/ui/dashboard_feed.cc), so it is asked again with the last event id,
    as EventSource does."""
    s = requests.Session()
    last = None
    while not stop.is_set():
        try:
            r = s.get(f"{url}/ui/api/events?topic=bench.load", timeout=20,
                      headers={"Last-Event-ID": last} if last else {})
            ids = [line[4:] for line in r.text.splitlines() if line.startswith("id: ")]
            if ids:
                last = ids[-1]
        except requests.RequestException:
            time.sleep(0.1)


def phase(url, seconds, mode):
    """mode "none": produce only; "tab": an open tab as the pages behave (one SSE feed with the
    live tail, and its page's document every 2 s — src/ui/web/app.js polls every 2–5 s; here
    the 14 endpoints in turn); "probe": every endpoint every 0.2 s, for their latencies."""
    stop = threading.Event()
    # The produce load: wrk, one record per request, 64 connections (bench/produce_1.lua), so
    # that the server's CPU, not a client's round trips, bounds the rate.
    wrk = subprocess.Popen(["wrk", "-t1", "-c64", f"-d{max(1, round(seconds))}s", "-s", "bench/produce_1.lua",
                            f"{url}/topics/bench.load"], stdout=subprocess.PIPE, text=True)
    threads = []
    if mode != "none":
        threads.append(threading.Thread(target=sse_feed, args=(url, stop)))
    for t in threads:
        t.start()
    lat = {}
    s = requests.Session()
    t0 = time.time()
    turn = 0
    while time.time() - t0 < seconds:
        eps = ENDPOINTS if mode == "probe" else (ENDPOINTS[turn % len(ENDPOINTS)],) if mode == "tab" else ()
        turn += 1
        for ep in eps:
            a = time.perf_counter()
            r = s.get(f"{url}/ui/api/{ep}")
            assert r.status_code == 200, (ep, r.status_code, r.text[:200])
            lat.setdefault(ep.split("?")[0], []).append((time.perf_counter() - a) * 1000)
        time.sleep(0.2 if mode == "probe" else 2.0 if mode == "tab" else 0.2)
    out = wrk.communicate()[0]
    stop.set()
    for t in threads:
        t.join()
    rate = float(out.split("requests_per_s=")[1].split()[0]) if "requests_per_s=" in out else 0.0
    return rate, lat


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
            # Keyed records first (k0..k49), for the search probe to find.
            stop, counter = threading.Event(), [0]
            seeders = [threading.Thread(target=produce_loop, args=(url, stop, counter)) for _ in range(2)]
            for t in seeders:
                t.start()
            time.sleep(2)
            stop.set()
            for t in seeders:
                t.join()
            rounds = 4
            for i in range(rounds):  # interleaved, the order alternating (ABBA)
                for mode in (("none", "tab") if i % 2 == 0 else ("tab", "none")):
                    r, _ = phase(url, SECONDS / (3 * rounds), mode)
                    rates["without" if mode == "none" else "with"].append(r)
            # The first search of a partition builds its index (then kept up in the background):
            # timed apart, once, after the produce phases filled the topic.
            a = time.perf_counter()
            first = requests.get(f"{url}/ui/api/{ENDPOINTS[-2]}").json()
            first_ms = (time.perf_counter() - a) * 1000
            for _ in range(rounds):
                _, l = phase(url, SECONDS / (3 * rounds), "probe")
                for k, v in l.items():
                    lat.setdefault(k, []).extend(v)
            print(f"topics: {TOPICS}, produce load: wrk, 64 connections x 1-record requests, log.flush=os")
            for k, v in lat.items():
                v.sort()
                print(f"  /ui/api/{k:28s} n={len(v):4d} p50={statistics.median(v):6.2f} ms "
                      f"p99={v[min(len(v) - 1, int(len(v) * 0.99))]:6.2f} ms")
            print(f"  first search of the partition (builds its index): {first_ms:.1f} ms for "
                  f"{first.get('indexed', 0):,} records")
            w, wo = statistics.mean(rates["with"]), statistics.mean(rates["without"])
            print(f"  produce records/s without an open dashboard {wo:,.0f}, with {w:,.0f} ({(w - wo) / wo * 100:+.1f}%; "
                  f"{rounds} interleaved pairs: without {[round(x) for x in rates['without']]}, "
                  f"with {[round(x) for x in rates['with']]})")
            print(f"  worst p99 {max(v[min(len(v) - 1, int(len(v) * 0.99))] for v in lat.values()):.2f} ms "
                  f"(goal <= 20 ms); load average {os.getloadavg()[0]:.1f}")
        finally:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
