"""Sustained load on the streaming job through the Kinesis path (issue 18 §5): PutRecords (500 pin
rows per request, AWS JSON 1.1, keep-alive) into the embedded stream `streaming-pinterest-pin`
(one shard) of a fresh `pinpipe serve` (stream job and live view on, sink and scheduler off), paced
at RATE records/s for SECONDS s.

Latency per record = the moment a Delta commit of pinterest_pin_table holding it exists − the
moment its PutRecords was acknowledged. The shard is one ordered log and the job commits it in
order, so the commits' cumulative `numRecords` say which log positions are visible; each
record's position is the seqIx of the sequence number PutRecords returned for it (protocols.md
§2.4). The watcher polls for the next commit file only (no directory listing).

RSS of the server is sampled every second (/proc/PID/status VmRSS). Prints one line:
  rate=… achieved=… p50_ms=… p99_ms=… max_ms=… put=… rows=… missing=… rss_start_mb=… rss_max_mb=…
  rss_end_mb=… rss_slope_mb_per_min=… (least squares over the last 40 s, or the run's second half
  when shorter) rss_at_mb=10s:…,30s:…,60s:…,120s:… (the curve: the samples nearest those moments)
  client_cpu_pct=… (this script's CPU: near 100 = the client limits) server_cpu_s=… (the server's
  CPU seconds from the first PutRecords to the last row visible) load=1m,5m,15m (at the start)
  load_end=…
Usage: stream_sustained.py BIN RATE SECONDS [SERVER ARGS...]"""
import base64
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1]
RATE = int(sys.argv[2])
SECONDS = float(sys.argv[3])
EXTRA = sys.argv[4:]  # more server arguments, e.g. --set live.enabled=false
PER_REQUEST = 500
SENDERS = 8  # connections: a slow acknowledgement does not hold back the schedule
HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "Kinesis_20131202.PutRecords",
    "X-Amz-Date": "20261205T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/kinesis/aws4_request, "
                     "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
}
STREAM = "streaming-pinterest-pin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seq_ix(sequence_number):
    digits = f"{int(sequence_number):x}"  # '2', shard time (9), shard index (1), seqIx (16), …
    return int(digits[11:27], 16)


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return float("nan")


def cpu_s(pid):
    """The server's user + system CPU seconds so far (/proc/PID/stat fields 14 and 15)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, IndexError, ValueError):
        return float("nan")


def slope_per_min(samples):
    """Least-squares slope of (t s, MB) in MB/min."""
    if len(samples) < 3:
        return float("nan")
    n = len(samples)
    mt = sum(t for t, _ in samples) / n
    mv = sum(v for _, v in samples) / n
    den = sum((t - mt) ** 2 for t, _ in samples)
    return 60 * sum((t - mt) * (v - mv) for t, v in samples) / den if den else float("nan")


def body(first):
    recs = []
    for i in range(first, first + PER_REQUEST):
        data = ('{"index": %d, "unique_id": "u%d", "title": "t", "category": "travel", '
                '"follower_count": "1k", "save_location": "Local save in /data/travel"}' % (i, i))
        recs.append('{"Data":"%s","PartitionKey":"p%d"}' % (base64.b64encode(data.encode()).decode(), i))
    return ('{"StreamName":"%s","Records":[%s]}' % (STREAM, ",".join(recs))).encode()


def call(conn, target, payload):
    h = dict(HEADERS)
    h["X-Amz-Target"] = target
    conn.request("POST", "/", body=json.dumps(payload).encode(), headers=h)
    r = conn.getresponse()
    return r.status, r.read()


def main():
    d = tempfile.mkdtemp(prefix="stream-sustained-")
    port = free_port()
    log = open(f"{d}/serve.log", "w")
    proc = subprocess.Popen([BIN, "--set", f"data.dir={d}/data", "--set", f"http.port={port}",
                             "--set", f"kafka.port={free_port()}", "--set", "sink.enabled=false",
                             "--set", "scheduler.enabled=false", "--set", "stream.compact_interval_ms=0",
                             *EXTRA, "serve"], stdout=log, stderr=subprocess.STDOUT)
    try:
        run(d, port, proc)
    finally:
        proc.terminate()
        proc.wait(30)
        subprocess.run(["rm", "-rf", d])


def run(d, port, proc):
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    call(c, "Kinesis_20131202.CreateStream", {"StreamName": STREAM, "ShardCount": 1})
    for _ in range(200):
        st, out = call(c, "Kinesis_20131202.DescribeStreamSummary", {"StreamName": STREAM})
        if st == 200 and json.loads(out)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    log_dir = f"{d}/data/lake/delta/pinterest_pin_table/_delta_log"
    load0 = os.getloadavg()
    cpu0 = cpu_s(proc.pid)

    # The watcher: (cumulative rows, moment visible), one entry per data commit.
    visible, stop = [], threading.Event()
    total = [0]

    def watcher():
        v = 0
        while not stop.is_set():
            path = f"{log_dir}/{v:020d}.json"
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                time.sleep(0.0005)
                continue
            if not text.endswith("\n"):  # written by rename, but be safe
                time.sleep(0.0005)
                continue
            now = time.monotonic()
            rows = 0
            for line in text.splitlines():
                if '"add"' in line:
                    a = json.loads(line)["add"]
                    if a.get("dataChange", True) and a.get("stats"):
                        rows += json.loads(a["stats"])["numRecords"]
            if rows:
                total[0] += rows
                visible.append((total[0], now))
            v += 1

    rss = []
    t_start = time.monotonic()

    def sampler():
        while not stop.is_set():
            rss.append((time.monotonic() - t_start, rss_mb(proc.pid)))
            stop.wait(1.0)

    # Senders: request k is due at start + k * interval; each sender takes the next due request.
    interval = PER_REQUEST / RATE
    n_requests = int(RATE * SECONDS / PER_REQUEST)
    acks = [None] * n_requests  # (ack moment, [seqIx, ...])
    lock = threading.Lock()
    nxt = [0]
    errors = [0]

    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                k = nxt[0]
                nxt[0] += 1
            if k >= n_requests:
                return
            payload = body(k * PER_REQUEST)
            delay = t_start + k * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            conn.request("POST", "/", body=payload, headers=HEADERS)
            r = conn.getresponse()
            out = r.read()
            t = time.monotonic()
            if r.status != 200:
                errors[0] += 1
                continue
            res = json.loads(out)
            if res.get("FailedRecordCount"):
                errors[0] += 1
            acks[k] = (t, [seq_ix(x["SequenceNumber"]) for x in res["Records"] if "SequenceNumber" in x])

    w = threading.Thread(target=watcher)
    s = threading.Thread(target=sampler)
    w.start()
    s.start()
    t_start = time.monotonic()
    senders = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for x in senders:
        x.start()
    for x in senders:
        x.join()
    elapsed = time.monotonic() - t_start
    ru = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = 100 * (ru.ru_utime + ru.ru_stime) / elapsed  # % of one core: is the client the limit?
    put = sum(len(a[1]) for a in acks if a)
    deadline = time.monotonic() + 60
    while total[0] < put and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # one more RSS sample after the tail
    stop.set()
    w.join()
    s.join()

    # Latency: the first commit whose cumulative rows exceed the record's seqIx.
    import bisect
    cum = [c for c, _ in visible]
    lat = []
    for a in acks:
        if not a:
            continue
        t_ack, ixs = a
        for ix in ixs:
            j = bisect.bisect_right(cum, ix)
            if j < len(visible):
                lat.append(max(0.0, visible[j][1] - t_ack) * 1000)
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")  # noqa: E731
    tail_from = SECONDS - 40 if SECONDS >= 50 else SECONDS / 2
    tail = [(t, v) for t, v in rss if t >= tail_from and t <= SECONDS]
    load1 = os.getloadavg()
    server_cpu = cpu_s(proc.pid) - cpu0
    # The RSS curve: the sample nearest to 10 s, 30 s, 60 s, then every 60 s while the run lasts.
    marks = [m for m in [10, 30] + list(range(60, int(SECONDS) + 1, 60)) if m <= SECONDS]
    near = lambda m: min(rss, key=lambda s: abs(s[0] - m))[1]  # noqa: E731
    curve = ",".join(f"{m}s:{near(m):.1f}" for m in marks)
    print(f"rate={RATE} achieved={put / elapsed:.0f} p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f} "
          f"max_ms={lat[-1] if lat else float('nan'):.1f} put={put} rows={total[0]} missing={put - len(lat)} "
          f"errors={errors[0]} client_cpu_pct={client_cpu:.0f} server_cpu_s={server_cpu:.1f} rss_start_mb={rss[0][1]:.1f} rss_max_mb={max(v for _, v in rss):.1f} "
          f"rss_end_mb={rss[-1][1]:.1f} rss_slope_mb_per_min={slope_per_min(tail):.2f} rss_at_mb={curve} "
          f"load={load0[0]:.2f},{load0[1]:.2f},{load0[2]:.2f} load_end={load1[0]:.2f},{load1[1]:.2f},{load1[2]:.2f}",
          flush=True)


if __name__ == "__main__":  # live_rss.py imports the helpers
    main()
