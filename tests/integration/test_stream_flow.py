"""The original's streaming flow end to end on the real binary (issue 18 §4, first bullet):
`pinpipe emulate --mode stream` → the API-Gateway facade → the Kinesis streams
`streaming-<id>-pin|geo|user` → the streaming job inside `pinpipe serve` → the Delta tables
`<id>_pin_table` …, compared row for row with the batch DAG's cleaning of the same rows (the same
CPython row sequence posted by `emulate --mode batch` through the REST Proxy and the S3 sink).
Also: boto3 PutRecords straight into the streams lands in the tables, and `pinpipe stream status`
shows the streams' shards with zero lag once the job caught up."""
import base64
import json
import time
from collections import Counter

from emulator_helpers import DOCUMENTED_ROWS, run
from kinesis_helpers import boto3_client
from test_dag import pinpipe

KINDS = ("pin", "geo", "user")
# Several shards per stream (shard i is partition i of the stream's log topic).
SETS = ["sink.rotate_schedule_interval_ms=300", "sink.flush_size=100", "scheduler.enabled=false",
        "stream.compact_interval_ms=0", "kinesis.auto_create_shards=4"]


def key(row):
    return json.dumps(row, sort_keys=True)


def table_rows(data, table):
    path = data / "lake" / "delta" / table
    if not (path / "_delta_log").exists():
        return []
    out = pinpipe(data, "lake", "show", str(path), "--format", "json", "--limit", "10000000").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def stream_status(data):
    return json.loads(pinpipe(data, "stream", "status", "--json").stdout)


def wait_caught_up(data, expected, timeout=60):
    """expected: {topic: records}. Waits until the job committed that many records of each topic
    and reports no lag on any partition."""
    deadline = time.time() + timeout
    while True:
        try:
            st = stream_status(data)
        except (AssertionError, json.JSONDecodeError):
            st = {"partitions": []}
        got = Counter()
        for p in st.get("partitions", []):
            got[p["topic"]] += p["committed"]
        if all(got[t] >= n for t, n in expected.items()) and \
                all(p["lag_records"] == 0 for p in st["partitions"]):
            return st
        assert time.time() < deadline, f"stream did not catch up to {expected}: {st}"
        time.sleep(0.1)


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

    st = wait_caught_up(data, {f"streaming-pinterest-{t}": 2 * n for t in KINDS})
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
        "--format", "json").stdout.splitlines() if line]
    assert {h.get("operation") for h in hist[:-1]} == {"STREAMING UPDATE"}, hist
