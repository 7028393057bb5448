#!/usr/bin/env python3
"""Interleaved A/B of REST Proxy consume throughput between two pinpipe binaries (e.g. before
and after a change to the consumer manager). Each run: a fresh `pinpipe serve` (log.flush=os),
RECORDS 100-byte records produced over REST into a 4-partition topic, then CONSUMERS subscribed
instances of one group (binary format, earliest) drain it with GET .../records on their own
threads; the figure is records/s over the drain and the server's CPU µs per 1000 records.
The binaries alternate A,B,B,A,... so a drifting machine moves both alike; medians at the end.
Usage: bench/rest_consume_ab.py BASE_BIN NEW_BIN  (env PAIRS=3 RECORDS=200000 CONSUMERS=2)
(Not a *.bench.sh: bench/run_all runs those with one binary.)"""
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

V2 = "application/vnd.kafka.v2+json"
BIN_V2 = "application/vnd.kafka.binary.v2+json"
PAIRS = int(os.environ.get("PAIRS", "3"))
RECORDS = int(os.environ.get("RECORDS", "200000"))
CONSUMERS = int(os.environ.get("CONSUMERS", "2"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def run(binary):
    d = tempfile.mkdtemp(prefix="rest-consume-")
    port = free_port()
    proc = subprocess.Popen([binary, "--set", f"data.dir={d}", "--set", f"http.port={port}", "--set", "kafka.port=0",
                             "--set", "log.flush=os", "--set", "sink.enabled=false", "serve"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(url + "/healthz", timeout=0.5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)
        r = requests.post(f"{url}/v3/clusters/pinpipe/topics", json={"topic_name": "bench", "partitions_count": 4})
        assert r.status_code == 201, r.text
        value = base64.b64encode(b"x" * 100).decode()
        s = requests.Session()
        for first in range(0, RECORDS, 500):
            body = json.dumps({"records": [{"value": value}] * min(500, RECORDS - first)})
            assert s.post(f"{url}/topics/bench", data=body, headers={"Content-Type": BIN_V2}).status_code == 200
        bases = []
        for i in range(CONSUMERS):
            r = requests.post(f"{url}/consumers/bench-group", headers={"Content-Type": V2},
                              data=json.dumps({"name": f"c{i}", "format": "binary", "auto.offset.reset": "earliest"}))
            bases.append(r.json()["base_uri"])
        for b in bases:
            r = requests.post(f"{b}/subscription", headers={"Content-Type": V2}, data=json.dumps({"topics": ["bench"]}))
            assert r.status_code == 204, r.text
        counts = [0] * CONSUMERS
        total = [0]
        lock = threading.Lock()

        def drain(i):
            cs = requests.Session()
            while True:
                with lock:
                    if total[0] >= RECORDS:
                        return
                got = cs.get(f"{bases[i]}/records", params={"timeout": 200, "max_bytes": 1 << 20},
                             headers={"Accept": BIN_V2}).json()
                with lock:
                    counts[i] += len(got)
                    total[0] += len(got)
        c0, t0 = cpu_ticks(proc.pid), time.time()
        threads = [threading.Thread(target=drain, args=(i,)) for i in range(CONSUMERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t1, c1 = time.time(), cpu_ticks(proc.pid)
        assert total[0] == RECORDS, total
        hz = os.sysconf("SC_CLK_TCK")
        return RECORDS / (t1 - t0), (c1 - c0) / hz * 1e6 / (RECORDS / 1000)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)


def main():
    base, new = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
    res = {base: [], new: []}
    order = []
    for i in range(PAIRS):
        order += [base, new] if i % 2 == 0 else [new, base]
    for b in order:
        rps, cpu = run(b)
        res[b].append((rps, cpu))
        print(f"{'A' if b == base else 'B'} {rps:10.0f} records/s {cpu:8.1f} cpu_us/1000rec  load={os.getloadavg()[0]:.2f}",
              flush=True)
    for name, b in (("A (base)", base), ("B (new)", new)):
        print(f"{name}: median {statistics.median(r for r, _ in res[b]):.0f} records/s, "
              f"{statistics.median(c for _, c in res[b]):.1f} cpu_us/1000rec")


if __name__ == "__main__":
    main()
