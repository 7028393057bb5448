"""The live view's resident memory under sustained joined streaming (issue 18 §2/§5 "RSS flat"):
pin, geo and user rows of each interaction (one ind, posted together as the emulator does) into
the embedded streams streaming-pinterest-pin|geo|user of a fresh `pinpipe serve` (stream job and
live view on, sink and scheduler off), paced at RATE interactions/s (3 x RATE records/s) for
SECONDS s, so every row joins (Q1-Q8, the medians over ~5000 distinct follower counts).

RSS of the server is sampled every second; at the end the script waits until the live view holds
every row of the pin, geo and user streams (GET /analytics/category_by_country: rows_in.live). Prints:
  rate=… records_per_s=… put=… (interactions) live={pin,geo,user rows} caught_up_s=…
  rss_at_mb=10s:…,30s:…,60s:…,… rss_max_mb=… rss_slope_mb_per_min=… (last 40 s) server_cpu_s=…
  load=… load_end=…
Usage: live_rss.py BIN RATE SECONDS [SERVER ARGS...]"""
import base64
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stream_sustained import HEADERS, cpu_s, free_port, rss_mb, slope_per_min  # noqa: E402

BIN, RATE, SECONDS, EXTRA = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
PER_REQUEST = 500
COUNTRIES = ["Albania", "Chile", "India", "Peru", "Togo", "Yemen"]
CATEGORIES = ["travel", "art", "diy", "quotes", "beauty"]


def row(kind, i, rng):
    if kind == "pin":
        return {"index": i, "unique_id": f"u{i}", "title": "t", "category": rng.choice(CATEGORIES),
                "poster_name": f"p{rng.randrange(2000)}", "follower_count": str(rng.randrange(5000)),
                "save_location": "Local save in /data/x"}
    if kind == "geo":
        return {"ind": i, "timestamp": f"20{18 + rng.randrange(5)}-0{1 + rng.randrange(9)}-11 10:00:00",
                "latitude": 1.5, "longitude": 2.5, "country": rng.choice(COUNTRIES)}
    return {"ind": i, "first_name": f"f{rng.randrange(300)}", "last_name": f"l{rng.randrange(300)}",
            "age": 18 + rng.randrange(60), "date_joined": f"201{5 + rng.randrange(3)}-0{1 + rng.randrange(9)}-02 08:00:00"}


def body(kind, first):
    rng = random.Random(first)  # the three kinds of one interaction: same ind, own values
    recs = ",".join('{"Data":"%s","PartitionKey":"p%d"}' % (
        base64.b64encode(json.dumps(row(kind, i, rng)).encode()).decode(), i) for i in range(first, first + PER_REQUEST))
    return ('{"StreamName":"streaming-pinterest-%s","Records":[%s]}' % (kind, recs)).encode()


def call(port, target, payload):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(HEADERS, **{"X-Amz-Target": target})
    c.request("POST", "/", body=payload if isinstance(payload, bytes) else json.dumps(payload).encode(), headers=h)
    r = c.getresponse()
    return r.status, r.read()


def live_counts(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/analytics/category_by_country")
    r = c.getresponse()
    doc = json.loads(r.read()) if r.status == 200 else {}
    return doc.get("rows_in", {}).get("live", {})


def main():
    d = tempfile.mkdtemp(prefix="live-rss-")
    port = free_port()
    proc = subprocess.Popen([BIN, "--set", f"data.dir={d}/data", "--set", f"http.port={port}",
                             "--set", f"kafka.port={free_port()}", "--set", "sink.enabled=false",
                             "--set", "scheduler.enabled=false", "--set", "stream.compact_interval_ms=0",
                             *EXTRA, "serve"], stdout=open(f"{d}/serve.log", "w"), stderr=subprocess.STDOUT)
    try:
        run(port, proc)
    finally:
        proc.terminate()
        proc.wait(30)
        subprocess.run(["rm", "-rf", d])


def run(port, proc):
    for _ in range(400):
        try:
            call(port, "Kinesis_20131202.ListStreams", {})
            break
        except OSError:
            time.sleep(0.05)
    for kind in ("pin", "geo", "user"):
        call(port, "Kinesis_20131202.CreateStream", {"StreamName": f"streaming-pinterest-{kind}", "ShardCount": 1})
    time.sleep(1)
    load0, cpu0 = os.getloadavg(), cpu_s(proc.pid)
    rss, stop = [], threading.Event()
    t0 = time.monotonic()

    def sampler():
        while not stop.is_set():
            rss.append((time.monotonic() - t0, rss_mb(proc.pid)))
            stop.wait(1.0)

    n_requests = int(RATE * SECONDS / PER_REQUEST)
    put = [0]

    def sender(kind):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        h = dict(HEADERS, **{"X-Amz-Target": "Kinesis_20131202.PutRecords"})
        for k in range(n_requests):
            delay = t0 + k * PER_REQUEST / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            c.request("POST", "/", body=body(kind, k * PER_REQUEST), headers=h)
            r = c.getresponse()
            out = json.loads(r.read())
            if r.status == 200 and not out.get("FailedRecordCount") and kind == "pin":
                put[0] += PER_REQUEST

    s = threading.Thread(target=sampler)
    s.start()
    senders = [threading.Thread(target=sender, args=(k,)) for k in ("pin", "geo", "user")]
    for x in senders:
        x.start()
    for x in senders:
        x.join()
    sent_s = time.monotonic() - t0
    counts = {}
    while time.monotonic() - t0 < sent_s + 120:
        counts = live_counts(port)
        if min(counts.get(k, 0) for k in ("pin", "geo", "user")) >= put[0]:
            break
        time.sleep(0.2)
    caught_up = time.monotonic() - t0 - sent_s
    time.sleep(1.2)
    stop.set()
    s.join()
    marks = [m for m in [10, 30] + list(range(60, int(SECONDS) + 1, 60)) if m <= SECONDS]
    curve = ",".join(f"{m}s:{min(rss, key=lambda x: abs(x[0] - m))[1]:.1f}" for m in marks)
    tail = [(t, v) for t, v in rss if SECONDS - 40 <= t <= SECONDS]
    load1 = os.getloadavg()
    print(f"rate={RATE} records_per_s={3 * put[0] / sent_s:.0f} put={put[0]} live={counts} "
          f"caught_up_s={caught_up:.1f} rss_at_mb={curve} rss_max_mb={max(v for _, v in rss):.1f} "
          f"rss_slope_mb_per_min={slope_per_min(tail):.2f} server_cpu_s={cpu_s(proc.pid) - cpu0:.1f} "
          f"load={load0[0]:.2f},{load0[1]:.2f},{load0[2]:.2f} load_end={load1[0]:.2f},{load1[1]:.2f},{load1[2]:.2f}",
          flush=True)


if __name__ == "__main__":
    main()
