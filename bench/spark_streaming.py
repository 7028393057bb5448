"""pinpipe's streaming job vs Spark Structured Streaming on the same machine and the same input
(run under the spark peer's Python; bench/spark_streaming.bench.sh drives it).

Input, both sides: pin records produced to `pinpipe serve` over the REST Proxy (acknowledged
when durable), each {"index": n, ...}. pinpipe: its stream job (stream.source=rest) → Delta
`pinterest_pin_table`. Spark: local[2], the Kafka source reading the same topic from pinpipe's
own Kafka listener (kafka.port; pinpipe's stream job off), decoded and cleaned by the functions
of the job `pinpipe dag export --spark` writes (imported from that file: decode_record,
clean_pin), appended to a Delta table, trigger processingTime=0 (as fast as it goes).

- latency: RATE records/s for SECONDS s; a watcher lists the table's _delta_log every 2 ms and
  takes each new commit's add stats (min/max ind) as the rows made visible then; latency =
  visible − acknowledged, p50/p99 over every record.
- throughput: BACKLOG records produced before the consumer starts; records/s = BACKLOG / (last
  row visible − consumer start) (pinpipe: `serve` start; Spark: query start, session excluded).
  A drain rate, the ceiling a sustained load can approach.
Prints key=value figures. Usage: spark_streaming.py BIN JOB_DIR WORK RATE SECONDS BACKLOG"""
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "peers"))

BIN, JOB_DIR, WORK = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
RATE, SECONDS, BACKLOG = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
PER_REQUEST = max(10, RATE // 200)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    def __init__(self, data, *sets):
        self.port, self.kport = free_port(), free_port()
        cmd = [BIN]
        for s in (f"data.dir={data}", f"http.port={self.port}", f"kafka.port={self.kport}",
                  "stream.source=rest", "sink.enabled=false", "scheduler.enabled=false",
                  "logging.level=warn", *sets):
            cmd += ["--set", s]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd + ["serve"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(400):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=0.5)
                return
            except Exception:  # noqa: BLE001
                time.sleep(0.025)
        raise RuntimeError("serve did not start")

    def produce(self, topic, first, n):
        body = json.dumps({"records": [{"value": {"index": i, "unique_id": f"u{i}", "title": "t",
                                                   "category": "travel"}}
                                       for i in range(first, first + n)]}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/topics/{topic}", data=body,
                                     headers={"Content-Type": "application/vnd.kafka.json.v2+json"})
        urllib.request.urlopen(req, timeout=30).read()
        return time.monotonic()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(60)


class Watcher:
    """ind -> monotonic time its row first appeared in a commit of the table at `table`."""

    def __init__(self, table):
        self.log_dir = Path(table) / "_delta_log"
        self.visible, self.stop = {}, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        seen = set()
        while not self.stop.is_set():
            try:
                names = os.listdir(self.log_dir)
            except FileNotFoundError:
                time.sleep(0.002)
                continue
            now = time.monotonic()
            for n in sorted(names):
                if not n.endswith(".json") or n.startswith(".") or n in seen:
                    continue
                seen.add(n)
                for line in (self.log_dir / n).read_text().splitlines():
                    a = json.loads(line).get("add")
                    if a and a.get("dataChange", True) and a.get("stats"):
                        st = json.loads(a["stats"])
                        lo, hi = st["minValues"]["ind"], st["maxValues"]["ind"]
                        for i in (range(lo, hi + 1) if hi - lo < 10**7 else (lo, hi)):
                            self.visible.setdefault(i, now)
            time.sleep(0.002)

    def wait_for(self, count, timeout):
        deadline = time.monotonic() + timeout
        while len(self.visible) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        self.stop.set()
        self.thread.join()
        return len(self.visible) >= count


def paced_feed(serve, topic):
    """RATE records/s for SECONDS s; ind -> acknowledgement time."""
    acked, n = {}, 0
    start = next_at = time.monotonic()
    while time.monotonic() - start < SECONDS:
        t = serve.produce(topic, n, PER_REQUEST)
        for k in range(n, n + PER_REQUEST):
            acked[k] = t
        n += PER_REQUEST
        next_at += PER_REQUEST / RATE
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return acked, n / (time.monotonic() - start)


def backlog(serve, topic):
    for first in range(0, BACKLOG, 500):
        serve.produce(topic, first, min(500, BACKLOG - first))


def percentiles(acked, visible):
    lat = sorted(max(0.0, visible[i] - t) * 1000 for i, t in acked.items() if i in visible)
    if not lat:
        return float("nan"), float("nan"), len(acked)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    return pick(0.5), pick(0.99), len(acked) - len(lat)


def out(**kv):
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in kv.items()),
          flush=True)


def bench_pinpipe():
    table = "lake/delta/pinterest_pin_table"
    # latency
    data = WORK / "pp-live"
    s = Serve(data)
    w = Watcher(data / table)
    acked, rate = paced_feed(s, "pinterest.pin")
    w.wait_for(len(acked), 60)
    s.stop()
    p50, p99, missing = percentiles(acked, w.visible)
    out(pinpipe_p50_ms=p50, pinpipe_p99_ms=p99, pinpipe_missing=missing, offered_rate=rate)
    # throughput: the backlog is in the log before the job starts
    data = WORK / "pp-backlog"
    s = Serve(data, "stream.enabled=false")
    backlog(s, "pinterest.pin")
    s.stop()
    w = Watcher(data / table)
    s = Serve(data)
    ok = w.wait_for(BACKLOG, 300)
    last = max(w.visible.values()) if w.visible else time.monotonic()
    s.stop()
    out(pinpipe_drain_rps=BACKLOG / (last - s.started) if ok else 0.0)


def bench_spark():
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
    from spark_session import jvm_rss_mib, make_session
    t0 = time.monotonic()
    spark = make_session(WORK / "spark-work", "pinpipe-spark-streaming-bench")
    spark.range(1).count()
    session_s = time.monotonic() - t0
    spec = importlib.util.spec_from_file_location("pinterest_batch_spark",
                                                  JOB_DIR / "pinterest_batch_spark.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    sys.modules["pinterest_batch_spark"] = job
    spark.sparkContext.addPyFile(str(JOB_DIR / "pinterest_batch_spark.py"))
    fields = job.FIELDS["pin"]
    decoded = T.StructType([T.StructField(n, job.SPARK_TYPE[t]) for n, t in fields] +
                           [T.StructField("_reason", T.StringType())])

    def decode(text):
        values, reason = job.decode_record("pin", text)
        return tuple(values) + (None,) if reason is None else (None,) * len(fields) + (reason,)

    decode_udf = F.udf(decode, decoded)
    s = Serve(WORK / "spark-input", "stream.enabled=false")

    def start(topic, out_dir):
        raw = (spark.readStream.format("kafka")
               .option("kafka.bootstrap.servers", f"127.0.0.1:{s.kport}")
               .option("subscribe", topic).option("startingOffsets", "earliest").load())
        good = (raw.select(decode_udf(F.col("value").cast("string")).alias("r")).select("r.*")
                .where("_reason IS NULL"))
        return (job.clean_pin(good).writeStream.format("delta")
                .option("checkpointLocation", str(WORK / (out_dir + "-checkpoint")))
                .trigger(processingTime="0 seconds").start(str(WORK / out_dir)))

    try:
        # throughput: drain a backlog
        backlog(s, "bench.backlog")
        w = Watcher(WORK / "spark-backlog")
        t = time.monotonic()
        q = start("bench.backlog", "spark-backlog")
        ok = w.wait_for(BACKLOG, 600)
        last = max(w.visible.values()) if w.visible else time.monotonic()
        q.stop()
        out(spark_drain_rps=BACKLOG / (last - t) if ok else 0.0)
        # latency: the query runs, then the paced feed
        s.produce("bench.live", 10**9, 10)  # the topic exists before the query subscribes
        w = Watcher(WORK / "spark-live")
        q = start("bench.live", "spark-live")
        deadline = time.monotonic() + 120
        while 10**9 not in w.visible and time.monotonic() < deadline:
            time.sleep(0.05)
        acked, rate = paced_feed(s, "bench.live")
        w.wait_for(len(acked) + 10, 120)
        rss = jvm_rss_mib(spark)
        q.stop()
        p50, p99, missing = percentiles(acked, w.visible)
        out(spark_p50_ms=p50, spark_p99_ms=p99, spark_missing=missing, spark_offered_rate=rate,
            spark_session_s=session_s, spark_jvm_rss_mb=rss)
    finally:
        s.stop()
        spark.stop()


if __name__ == "__main__":
    WORK.mkdir(parents=True, exist_ok=True)
    bench_pinpipe()
    bench_spark()
