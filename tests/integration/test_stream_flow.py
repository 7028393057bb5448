"""The original's streaming flow end to end on the real binary (issue 18 §4, first bullet):
`pinpipe emulate --mode stream` → the API-Gateway facade → the Kinesis streams
`streaming-<id>-pin|geo|user` → the streaming job inside `pinpipe serve` → the Delta tables
`<id>_pin_table` …, compared row for row with the batch DAG's cleaning of the same rows (the same
CPython row sequence posted by `emulate --mode batch` through the REST Proxy and the S3 sink).
Also: boto3 PutRecords straight into the streams lands in the tables, and `pinpipe stream status`
shows the streams' shards with zero lag once the job caught up."""
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter

import requests

from emulator_helpers import DOCUMENTED_ROWS, run
from kinesis_helpers import boto3_client
from rest_helpers import JSON_V2
from stream_helpers import (fixture_rows, kill9_under_load, pin_rows, stream_status, table_rows,
                            wait_caught_up)
from test_dag import pinpipe
from conftest import BIN

KINDS = ("pin", "geo", "user")
# Several shards per stream (shard i is partition i of the stream's log topic).
SETS = ["sink.rotate_schedule_interval_ms=300", "sink.flush_size=100", "scheduler.enabled=false",
        "stream.compact_interval_ms=0", "kinesis.auto_create_shards=4"]


def key(row):
    return json.dumps(row, sort_keys=True)


def seq_ix(sequence_number):
    """The seqIx of a sequence number (protocols.md §2.4, kinesalite's version-2 layout: 47 hex
    digits written in decimal; '2', shard creation time (9), shard index (1), seqIx (16), …)."""
    digits = f"{int(sequence_number):x}"
    assert len(digits) == 47 and digits[0] == "2", sequence_number
    return int(digits[11:27], 16)


def wait_sink(data, topics, timeout=60):
    deadline = time.time() + timeout
    while True:
        parts = [p for p in json.loads(pinpipe(data, "sink", "status", "--json").stdout)["partitions"]
                 if p["topic"] in topics]
        if {p["topic"] for p in parts} == set(topics) and all(p["committed"] == p["log_end"] for p in parts):
            return
        assert time.time() < deadline, parts
        time.sleep(0.2)


def test_emulate_stream_mode_lands_as_the_batch_cleans_it(server_factory, tmp_path):
    db = tmp_path / "source.db"
    run("db", "init", "--db", f"sqlite://{db}", check=True)
    srv = server_factory(SETS).start()
    data = srv.data_dir
    n = 150
    common = ("--db", f"sqlite://{db}", "--api", srv.url, "--id", "pinterest", "--count", n,
              "--python-compatible", "--no-sleep", "--quiet")
    # Each mode runs twice: the second run resends the same CPython row sequence, duplicates
    # that both cleanings must drop.
    for mode in ("stream", "batch", "stream", "batch"):
        p = run("emulate", "--mode", mode, *common)
        assert p.returncode == 0 and f"sent {n} interactions" in p.stdout and "failed 0" in p.stdout, \
            p.stdout + p.stderr

    st = wait_caught_up(data, {f"streaming-pinterest-{t}": 2 * n for t in KINDS}, no_lag=True)
    assert st["errors"] == 0 and st["last_error"] == "" and st["quarantined"] == 0, st
    # The facade auto-created each stream with 4 shards; the job follows all of them.
    assert sorted((p["topic"], p["partition"]) for p in st["partitions"]) == \
        sorted((f"streaming-pinterest-{t}", i) for t in KINDS for i in range(4)), st["partitions"]
    wait_sink(data, [f"pinterest.{t}" for t in KINDS])
    srv.stop()
    pinpipe(data, "dag", "run", "--date", "2026-11-21", timeout=180)

    for t in KINDS:
        stream = sorted(map(key, table_rows(data, f"pinterest_{t}_table")))
        batch = sorted(map(key, table_rows(data, t)))
        assert len(batch) > 0 and stream == batch, t
        assert len(stream) == len(set(stream)) and len(stream) <= n, t
    # The rows are the emulated ones: the CPython sequence's first rows, in the pin table.
    inds = {r["ind"] for r in table_rows(data, "pinterest_pin_table")}
    assert set(DOCUMENTED_ROWS) <= inds, sorted(set(DOCUMENTED_ROWS) - inds)
    assert table_rows(data, "pinterest_pin_quarantine") == []
    hist = [json.loads(line) for line in pinpipe(
        data, "lake", "history", str(data / "lake" / "delta" / "pinterest_pin_table"),
        "--format", "ndjson").stdout.splitlines() if line]
    assert {h.get("operation") for h in hist[:-1]} == {"STREAMING UPDATE"}, hist


def test_boto3_put_records_land_in_the_stream_tables(server_factory, shared_data):
    srv = server_factory(SETS).start()
    data = srv.data_dir
    c = boto3_client(srv.url)
    fx = fixture_rows()
    for t in KINDS:
        c.create_stream(StreamName=f"streaming-pinterest-{t}", ShardCount=3)
    # PutRecords (boto3 base64-encodes Data on the wire), distinct partition keys so that every
    # shard gets records; the last pin row with PutRecord. The same rows through the REST Proxy
    # for the batch.
    sent, acked = Counter(), []
    for t, rows in fx.items():
        name = f"streaming-pinterest-{t}"
        body = rows[:-1] if t == "pin" else rows
        for i in range(0, len(body), 40):
            chunk = body[i:i + 40]
            r = c.put_records(StreamName=name, Records=[
                {"Data": json.dumps(row).encode(), "PartitionKey": f"k{i + j}"} for j, row in enumerate(chunk)])
            assert r["FailedRecordCount"] == 0, r
            sent[name] += len(chunk)
            acked += [(name, a["ShardId"], a["SequenceNumber"]) for a in r["Records"]]
        if t == "pin":
            a = c.put_record(StreamName=name, Data=json.dumps(rows[-1]).encode(), PartitionKey="last")
            sent[name] += 1
            acked.append((name, a["ShardId"], a["SequenceNumber"]))
        r = requests.post(f"{srv.url}/topics/pinterest.{t}", headers={"Content-Type": JSON_V2},
                          data=json.dumps({"records": [{"value": v} for v in rows]}), timeout=10)
        assert r.status_code == 200, r.text
    st = wait_caught_up(data, sent, no_lag=True)
    assert st["errors"] == 0 and st["quarantined"] == 0, st
    # The status names every shard of the three streams with its position: all records read,
    # no lag. The positions add up to what was acknowledged, and every shard got records.
    shards = {(p["topic"], p["shard"]): p for p in st["partitions"]}
    assert sorted(shards) == sorted((f"streaming-pinterest-{t}", f"shardId-00000000000{i}")
                                    for t in KINDS for i in range(3)), st["partitions"]
    for (topic, shard), p in shards.items():
        assert p["partition"] == int(shard[-1]) and p["committed"] > 0, p
        assert p["committed"] == p["log_end"] and p["lag_records"] == 0 and p["lag_ms"] == 0, p
    for name, n in sent.items():
        assert sum(p["committed"] for (topic, _), p in shards.items() if topic == name) == n
    # A position is the shard's seqIx of the next record: one past the highest seqIx among the
    # sequence numbers the puts acknowledged on that shard.
    last = {}
    for name, shard, seq in acked:
        last[(name, shard)] = max(last.get((name, shard), -1), seq_ix(seq))
    assert {k: p["committed"] for k, p in shards.items()} == {k: v + 1 for k, v in last.items()}
    text = pinpipe(data, "stream", "status").stdout
    for (topic, shard), p in shards.items():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"{topic}/{shard} ")), None)
        assert line is not None and line.split()[1:] == [str(p["committed"]), str(p["log_end"]), "0", "0"], text
    wait_sink(data, [f"pinterest.{t}" for t in KINDS])
    srv.stop()
    pinpipe(data, "dag", "run", "--date", "2026-11-21", timeout=180)
    for t in KINDS:
        stream = sorted(map(key, table_rows(data, f"pinterest_{t}_table")))
        batch = sorted(map(key, table_rows(data, t)))
        assert len(batch) > 0 and stream == batch, t



def test_facade_variants_decode_as_the_batch_decodes_the_same_values(server_factory, shared_data):
    """The facade's two templates store Data differently (protocols.md §3): /record the JSON text
    of $.Data (a string keeps its quotes), /records the string itself. The job decodes what is
    stored exactly as the batch decodes the same value posted to the REST Proxy: a row object is a
    row, a JSON string (a client that json.dumps'ed the row first) goes to the quarantine with its
    raw text, in both."""
    srv = server_factory(SETS).start()
    data = srv.data_dir
    pins = fixture_rows()["pin"]
    name = "streaming-pinterest-pin"
    reqs = [
        ("record", {"StreamName": name, "Data": json.dumps(pins[0]), "PartitionKey": "a"}),
        ("record", {"StreamName": name, "Data": pins[1], "PartitionKey": "a"}),
        ("records", {"records": [{"data": json.dumps(pins[2]), "partition-key": "b"}]}),
        ("records", {"records": [{"data": pins[3], "partition-key": "b"}]}),
        ("record", {"StreamName": name, "Data": "some data", "PartitionKey": "a"}),
    ]
    for path, body in reqs:
        r = requests.put(f"{srv.url}/streams/{name}/{path}", json=body, timeout=5)
        assert r.status_code == 200 and "__type" not in r.json(), r.text
    # The values as the Kinesis records hold them, produced to the REST Proxy for the batch.
    values = [json.dumps(pins[0]), pins[1], pins[2], pins[3], "some data"]
    r = requests.post(f"{srv.url}/topics/pinterest.pin", headers={"Content-Type": JSON_V2},
                      data=json.dumps({"records": [{"value": v} for v in values]}), timeout=10)
    assert r.status_code == 200, r.text
    st = wait_caught_up(data, {name: len(reqs)}, no_lag=True)
    assert st["quarantined"] == 2, st
    wait_sink(data, ["pinterest.pin"])
    srv.stop()
    pinpipe(data, "dag", "run", "--date", "2026-11-21", timeout=180)
    stream = sorted(map(key, table_rows(data, "pinterest_pin_table")))
    assert len(stream) == 3 and stream == sorted(map(key, table_rows(data, "pin")))
    quarantine = sorted(map(key, table_rows(data, "pinterest_pin_quarantine")))
    assert len(quarantine) == 2 and quarantine == sorted(map(key, table_rows(data, "quarantine_pin")))


class PinPutter:
    """producer(stop) for kill9_under_load: boto3 PutRecords of 20 new pin rows at a time into
    stream `name` of `srv`, each (row, its answer entry) passed to answered() under one lock; a
    call that fails (the server is down) acknowledges nothing and is tried again."""

    def __init__(self, srv, name, answered, pause_s=0.0):
        self.srv, self.name, self.answered, self.pause_s = srv, name, answered, pause_s
        self.lock, self.next_id = threading.Lock(), 0

    def __call__(self, stop):
        c = boto3_client(self.srv.url)
        while not stop.is_set():
            with self.lock:
                first, self.next_id = self.next_id, self.next_id + 20
            rows = pin_rows(first, 20)
            try:
                r = c.put_records(StreamName=self.name, Records=[
                    {"Data": json.dumps(row).encode(), "PartitionKey": str(row["index"])} for row in rows])
            except Exception:  # noqa: BLE001 - the server is down: not acknowledged
                time.sleep(0.02)
                c = boto3_client(self.srv.url)
                continue
            with self.lock:
                for row, a in zip(rows, r["Records"]):
                    self.answered(row, a)
            if self.pause_s:
                time.sleep(self.pause_s)


def test_kill9_under_put_records_every_acknowledged_record_once(server_factory):
    """kill -9 of the whole server at random points while boto3 PutRecords load runs into a
    2-shard stream (the Kinesis put path and the stream job together): every acknowledged record
    is in the Delta table exactly once, and no shard hands out a sequence number twice across the
    restarts."""
    srv = server_factory(["sink.enabled=false", "scheduler.enabled=false", "stream.max_batch_records=300"],
                         env={"PINPIPE_TEST_STREAM_DELAY_MS": "20"}).start()
    data = srv.data_dir
    name = "streaming-pinterest-pin"
    boto3_client(srv.url).create_stream(StreamName=name, ShardCount=2)
    acked, seqs = set(), []

    def answered(row, a):
        if "SequenceNumber" in a:
            acked.add(row["index"])
            seqs.append((a["ShardId"], seq_ix(a["SequenceNumber"])))

    producer = PinPutter(srv, name, answered)
    rounds = 10
    kill9_under_load(srv, producer, rounds, 1.2)
    # Caught up: no lag, and nothing changes any more (log_end is what the job last saw).
    deadline = time.time() + 60
    while True:
        st = wait_caught_up(data, {name: 1}, no_lag=True)
        time.sleep(0.3)
        if stream_status(data)["partitions"] == st["partitions"]:
            break
        assert time.time() < deadline, st
    srv.stop()
    seen = Counter(r["ind"] for r in table_rows(data, "pinterest_pin_table"))
    duplicates = {i: n for i, n in seen.items() if n > 1}
    print(f"\nkinesis stream kill -9: {rounds} rounds, {len(acked)} acknowledged records, "
          f"{sum(seen.values())} rows, {len(duplicates)} duplicated, {len(acked - set(seen))} lost")
    assert len(acked) > 500
    assert not duplicates, list(duplicates.items())[:10]
    assert not acked - set(seen), sorted(acked - set(seen))[:10]
    # A sequence number is never handed out twice on a shard, before or after a restart.
    per_shard = Counter(seqs)
    assert max(per_shard.values()) == 1


class StandaloneStream:
    """A `pinpipe stream` process (the job on its own, outside `serve`) over data directory
    `data`, reading the streams of a running server through its Kinesis API."""

    def __init__(self, data, sets, env):
        self.data, self.sets, self.env = data, sets, dict(os.environ, **env)
        self.proc, self.log_path = None, data.parent / f"{data.name}-stream.log"
        self.killed_running = 0  # kill9() calls that found the job running (not exited by itself)

    def start(self):
        cmd = [BIN, "--set", f"data.dir={self.data}"]
        for s in self.sets:
            cmd += ["--set", s]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd + ["stream"], stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        return self.proc.returncode

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.killed_running += self.alive()
        assert self.stop(signal.SIGKILL) == -signal.SIGKILL, self.log_path.read_text()[-3000:]


def test_kill9_of_the_standalone_stream_job_every_acknowledged_record_once(server_factory, tmp_path):
    """issue 18 §4: kill -9 of the stream job itself (not of the server). `serve` runs with its
    in-process job off and takes boto3 PutRecords into a 2-shard stream without interruption; a
    separate `pinpipe stream` process reads the stream through the server's Kinesis API and is
    killed with SIGKILL 10 times at random points (a 20 ms pause at each step of the batch
    protocol makes the kills land between plan, table commit and state). Every acknowledged
    record is in its Delta table exactly once."""
    srv = server_factory(["stream.enabled=false", "sink.enabled=false", "scheduler.enabled=false"]).start()
    name = "streaming-pinterest-pin"
    boto3_client(srv.url).create_stream(StreamName=name, ShardCount=2)
    job = StandaloneStream(tmp_path / "job", [
        f"stream.source=kinesis://127.0.0.1:{srv.port}", "stream.max_batch_records=300",
        "stream.compact_interval_ms=0", "sink.enabled=false", "scheduler.enabled=false"],
        {"PINPIPE_TEST_STREAM_DELAY_MS": "20", "AWS_ACCESS_KEY_ID": "testing",
         "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"})
    acked, failed = set(), []

    def answered(row, a):
        (acked.add(row["index"]) if "SequenceNumber" in a else failed.append(a))

    producer = PinPutter(srv, name, answered, pause_s=0.01)
    rounds = 10
    job.start()
    kill9_under_load(job, producer, rounds, 1.5)
    try:
        st = wait_caught_up(job.data, {name: len(acked)}, timeout=90, no_lag=True)
        committed = sum(p["committed"] for p in st["partitions"] if p["topic"] == name)
        assert st["last_error"] == "", st
    finally:
        assert job.stop() == 0, job.log_path.read_text()[-3000:]
    seen = Counter(r["ind"] for r in table_rows(job.data, "pinterest_pin_table"))
    duplicates = {i: n for i, n in seen.items() if n > 1}
    lost = acked - set(seen)
    print(f"\nstream kill -9: {rounds} rounds, {len(acked)} acknowledged records, "
          f"{len(duplicates)} duplicated, {len(lost)} lost")
    assert job.killed_running == rounds and not failed and len(acked) > 1000
    assert not duplicates, list(duplicates.items())[:10]
    assert not lost, sorted(lost)[:10]
    # Nothing but the acknowledged records, and the job's positions say so too.
    assert set(seen) == acked and committed == len(acked)
    # Ten processes wrote the table: every STREAMING UPDATE commit is one batch (epochId) once.
    history = [json.loads(line) for line in pinpipe(
        job.data, "lake", "history", str(job.data / "lake" / "delta" / "pinterest_pin_table"),
        "--format", "ndjson", "--limit", "100000").stdout.splitlines() if line.strip()]
    epochs = [h["operationParameters"]["epochId"] for h in history if h["operation"] == "STREAMING UPDATE"]
    assert len(epochs) == len(set(epochs)) > rounds, history[:3]


def test_a_deleted_streams_records_are_never_read(server_factory, tmp_path):
    """DeleteStream deletes the stream's log topic (kinesis/README.md): a stream created again
    under the name starts empty at offset 0 and the deleted stream's records are gone. The job
    reads only the new stream's records — standalone (`pinpipe stream --once` over the stopped
    server's data) and inside `pinpipe serve` — and shows no lag."""
    srv = server_factory(["stream.enabled=false", "sink.enabled=false", "scheduler.enabled=false"]).start()
    data = srv.data_dir
    c = boto3_client(srv.url)
    name = "streaming-pinterest-pin"
    pins = fixture_rows()["pin"]

    def put(rows):
        r = c.put_records(StreamName=name, Records=[
            {"Data": json.dumps(row).encode(), "PartitionKey": f"k{i}"} for i, row in enumerate(rows)])
        assert r["FailedRecordCount"] == 0, r

    c.create_stream(StreamName=name, ShardCount=2)
    put(pins[:6])
    c.delete_stream(StreamName=name)
    c.create_stream(StreamName=name, ShardCount=2)
    put(pins[6:8])
    srv.stop()
    standalone = tmp_path / "standalone"
    shutil.copytree(data, standalone)

    srv.extra_sets = ["sink.enabled=false", "scheduler.enabled=false"]  # the job runs inside serve
    srv.start()
    put(pins[8:10])
    # The topic holds the new stream's 4 records only, from offset 0; no lag anywhere.
    st = wait_caught_up(data, {name: 4}, no_lag=True)
    assert sum(p["log_end"] for p in st["partitions"]) == 4, st
    inds = sorted(r["ind"] for r in table_rows(data, "pinterest_pin_table"))
    assert inds == sorted(int(r["index"]) for r in pins[6:10])
    srv.stop()

    p = run("stream", "--once", data_dir=standalone)
    assert p.returncode == 0, p.stderr
    inds = sorted(r["ind"] for r in table_rows(standalone, "pinterest_pin_table"))
    assert inds == sorted(int(r["index"]) for r in pins[6:8])


def test_a_stream_deleted_and_created_again_while_the_job_runs(server_factory):
    """The job inside `serve` has committed the first stream's records when the stream is
    deleted and created again: its positions are past the new topic's end, so it restarts
    those partitions at the new stream's start, reads the new records, and keeps running
    without an error (first_offset seam, stream/README.md)."""
    srv = server_factory(["sink.enabled=false", "scheduler.enabled=false",
                          "stream.compact_interval_ms=0"]).start()
    data = srv.data_dir
    c = boto3_client(srv.url)
    name = "streaming-pinterest-pin"
    pins = fixture_rows()["pin"]

    def put(rows):
        r = c.put_records(StreamName=name, Records=[
            {"Data": json.dumps(row).encode(), "PartitionKey": f"k{i}"} for i, row in enumerate(rows)])
        assert r["FailedRecordCount"] == 0, r

    c.create_stream(StreamName=name, ShardCount=2)
    put(pins[:6])
    wait_caught_up(data, {name: 6}, no_lag=True)
    c.delete_stream(StreamName=name)
    assert requests.get(f"{srv.url}/topics/{name}").status_code == 404
    c.create_stream(StreamName=name, ShardCount=2)
    put(pins[6:8])
    deadline = time.time() + 60
    while True:
        inds = sorted(r["ind"] for r in table_rows(data, "pinterest_pin_table"))
        if len(inds) >= 8 or time.time() > deadline:
            break
        time.sleep(0.2)
    # The first stream's rows landed before the deletion and stay; the new ones follow.
    assert inds == sorted(int(r["index"]) for r in pins[:8])
    st = wait_caught_up(data, {name: 2}, no_lag=True)
    assert sum(p["log_end"] for p in st["partitions"]) == 2, st
    assert st.get("errors", 0) == 0 and not st.get("last_error"), st
    assert srv.proc.poll() is None  # still serving

