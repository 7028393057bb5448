"""delta-rs, polars and DuckDB read the streaming job's Delta tables (`<id>_pin_table`, ...):
while `pinpipe serve` streams into them, every snapshot delta-rs opens holds whole batches only
(its row count is the sum of the STREAMING UPDATE commits' numOutputRows up to its version);
afterwards every reader gets exactly pinpipe's rows, and delta-rs sees the job's txn; after the
log cleanup by retention delta-rs still reads the table and time-travels to the retained versions.
Runs under the `lakepy` peer's venv (tests/peers/peer lakepy install)."""
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import (BIN, FIXTURES, canon_rows, diff_summary, pinpipe, pp_history, pp_rows,
                      pp_schema, require_peer, schema_kinds)

TABLES = ["pinterest_pin_table", "pinterest_geo_table", "pinterest_user_table"]
SETS = ["stream.source=rest", "sink.enabled=false", "scheduler.enabled=false",
        "stream.max_batch_records=300"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def peer():
    return require_peer("lakepy")


def stream_committed(data):
    st = json.loads(pinpipe(data, "stream", "status", "--json"))
    return {p["topic"]: p["committed"] for p in st.get("partitions", [])}


@pytest.fixture(scope="module")
def streamed(tmp_path_factory, peer):
    """A data dir whose streaming tables were written by `pinpipe serve` while delta-rs read
    them; returns (data dir, list of problems the concurrent reader saw)."""
    from deltalake import DeltaTable
    if not FIXTURES.exists():
        pytest.skip("../shared/data/fixtures absent")
    data = tmp_path_factory.mktemp("stream") / "data"
    port = free_port()
    sets = [f"data.dir={data}", f"http.port={port}", f"kafka.port={free_port()}", *SETS]
    cmd = [BIN]
    for s in sets:
        cmd += ["--set", s]
    log = open(data.parent / "server.log", "wb")
    proc = subprocess.Popen(cmd + ["serve"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    lines = {"pin": [], "geo": [], "user": []}
    for f in sorted(FIXTURES.glob("*.input.json")):
        d = json.loads(f.read_text())
        for t in lines:
            lines[t] += [json.dumps({k: (None if v == "null" else v) for k, v in r.items()})
                         for r in d[t]]
    problems, stop = [], threading.Event()

    def reader():
        # Each snapshot must hold whole batches: rows == sum of numOutputRows up to its version.
        path = data / "lake" / "delta" / "pinterest_pin_table"
        while not stop.is_set():
            if not (path / "_delta_log").exists():
                time.sleep(0.05)
                continue
            try:
                dt = DeltaTable(str(path))
            except Exception:  # noqa: BLE001 — no commit yet
                time.sleep(0.05)
                continue
            n = dt.to_pyarrow_table(columns=["ind"]).num_rows
            v = dt.version()
            # The commits up to the snapshot's version, read from the log files themselves.
            expected = 0
            for k in range(v + 1):
                for line in (path / "_delta_log" / f"{k:020d}.json").read_text().splitlines():
                    ci = json.loads(line).get("commitInfo")
                    if ci and ci["operation"] == "STREAMING UPDATE":
                        expected += int(ci["operationMetrics"]["numOutputRows"])
            if n != expected:
                problems.append(f"version {v}: {n} rows, commits say {expected}")
            time.sleep(0.02)

    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, "serve did not start"
                time.sleep(0.05)
        t = threading.Thread(target=reader)
        t.start()
        try:
            for kind, values in lines.items():
                for i in range(0, len(values), 400):  # many requests: many batches
                    p = subprocess.run([BIN, "produce", "-t", f"pinterest.{kind}", "--api", url,
                                        "--batch", "100"],
                                       input="\n".join(values[i:i + 400]) + "\n", text=True,
                                       capture_output=True, timeout=60)
                    assert p.returncode == 0, p.stderr
            deadline = time.time() + 60
            while True:
                got = stream_committed(data)
                if all(got.get(f"pinterest.{k}", 0) >= len(v) for k, v in lines.items()):
                    break
                assert time.time() < deadline, got
                time.sleep(0.2)
        finally:
            stop.set()
            t.join()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()
    return data, problems


def test_readers_never_see_a_partial_batch(streamed):
    _, problems = streamed
    assert problems == [], problems[:5]


@pytest.mark.parametrize("table", TABLES)
def test_delta_rs_polars_duckdb_read_the_streaming_tables(peer, streamed, table):
    import duckdb
    import polars as pl
    from deltalake import DeltaTable
    data, _ = streamed
    path = str(data / "lake" / "delta" / table)
    schema = pp_schema(path)
    kinds = schema_kinds(schema)
    mine = canon_rows(pp_rows(path), kinds)
    assert sum(mine.values()) > 1000

    dt = DeltaTable(path)
    assert dt.version() == pp_history(path)[0]["version"]
    theirs = canon_rows(dt.to_pyarrow_table().to_pylist(), kinds)
    assert theirs == mine, "delta-rs: " + diff_summary(theirs, mine)
    ops = {h["operation"] for h in dt.history()}
    assert ops == {"CREATE TABLE", "STREAMING UPDATE"}, ops
    if hasattr(dt, "transaction_version"):
        app = json.loads(pinpipe(data, "stream", "status", "--json"))["app_id"]
        assert dt.transaction_version(app) == max(
            int(h["operationParameters"]["epochId"]) for h in dt.history()
            if h["operation"] == "STREAMING UPDATE")

    df = pl.read_delta(path)
    assert canon_rows(df.to_dicts(), kinds) == mine, "polars"

    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute(f"LOAD '{peer['PINPIPE_PEER_DUCKDB_DELTA_EXTENSION']}'")
    con.execute("SET TimeZone = 'UTC'")
    sel = ", ".join(f'epoch_us("{c}") AS "{c}"' if k == "timestamp" else f'"{c}"'
                    for c, k in kinds.items())
    cur = con.execute(f"SELECT {sel} FROM delta_scan('{path}')")
    cols = [d[0] for d in cur.description]
    theirs = canon_rows((dict(zip(cols, r)) for r in cur.fetchall()), kinds)
    assert theirs == mine, "duckdb: " + diff_summary(theirs, mine)


def test_delta_rs_reads_and_time_travels_after_the_log_cleanup(peer, streamed):
    """Last in this module: it changes the pin table (ages its log, then appends past the next
    checkpoint, whose writer deletes the expired commits; stream_feed.expire_log)."""
    from deltalake import DeltaTable
    from stream_feed import expire_log, fixture_lines, log_versions
    data, _ = streamed
    path = data / "lake" / "delta" / "pinterest_pin_table"
    rows_at, aged, kept = expire_log(data, path, SETS, fixture_lines("pin")[0])
    commits = log_versions(path)
    assert kept >= 10 and commits[0] == kept, (kept, commits[:3])
    assert commits == list(range(kept, commits[-1] + 1))
    kinds = schema_kinds(pp_schema(str(path)))
    mine = canon_rows(pp_rows(str(path)), kinds)
    theirs = canon_rows(DeltaTable(str(path)).to_pyarrow_table().to_pylist(), kinds)
    assert theirs == mine, "delta-rs after cleanup: " + diff_summary(theirs, mine)
    for v in (kept, kept + 1, aged):
        assert DeltaTable(str(path), version=v).to_pyarrow_table().num_rows == rows_at[v], v
    with pytest.raises(Exception):
        DeltaTable(str(path), version=kept - 1).to_pyarrow_table()
