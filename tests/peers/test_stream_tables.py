"""delta-rs, polars and DuckDB read the streaming job's Delta tables (`<id>_pin_table`, ...):
while `pinpipe serve` streams into them, every snapshot delta-rs opens holds whole batches only
(its row count is the sum of the STREAMING UPDATE commits' numOutputRows up to its version), and
so does every read of DuckDB's delta_scan and polars' read_delta done meanwhile;
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
    problems = {"delta-rs": [], "duckdb": [], "polars": []}
    reads = {k: 0 for k in problems}
    stop = threading.Event()
    path = data / "lake" / "delta" / "pinterest_pin_table"
    streamed_rows = {}  # version → rows of the STREAMING UPDATE commits up to it

    def rows_up_to(v):
        # The commits up to version v, read from the log files themselves.
        if v not in streamed_rows:
            n = rows_up_to(v - 1) if v > 0 else 0
            for line in (path / "_delta_log" / f"{v:020d}.json").read_text().splitlines():
                ci = json.loads(line).get("commitInfo")
                if ci and ci["operation"] == "STREAMING UPDATE":
                    n += int(ci["operationMetrics"]["numOutputRows"])
            streamed_rows[v] = n
        return streamed_rows[v]

    def newest_version():
        names = [f.name for f in (path / "_delta_log").iterdir()]
        return max(int(n[:20]) for n in names if len(n) == 25 and n.endswith(".json"))

    def reader():
        # Each snapshot must hold whole batches: rows == sum of numOutputRows up to its version.
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
            reads["delta-rs"] += 1
            if n != rows_up_to(v):
                problems["delta-rs"].append(f"version {v}: {n} rows, commits say {rows_up_to(v)}")
            time.sleep(0.02)

    def latest_reader(name, count):
        # A reader of the newest snapshot (DuckDB's delta_scan, polars' read_delta): it never
        # fails and counts the rows of whole batches, those of a version committed between
        # just before and just after its read.
        log_zero = path / "_delta_log" / f"{0:020d}.json"
        while not stop.is_set():
            if not log_zero.exists():
                time.sleep(0.05)
                continue
            before = newest_version()
            try:
                n = count()
            except Exception as e:  # noqa: BLE001 — any error is a finding
                problems[name].append(f"after version {before}: {type(e).__name__}: {e}")
                continue
            after = newest_version()
            reads[name] += 1
            if n not in {rows_up_to(v) for v in range(before, after + 1)}:
                problems[name].append(f"{n} rows, versions {before}..{after} say "
                                      f"{[rows_up_to(v) for v in range(before, after + 1)]}")
            time.sleep(0.02)

    def duckdb_count():
        import duckdb
        con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                     "autoload_known_extensions": False})
        con.execute(f"LOAD '{peer['PINPIPE_PEER_DUCKDB_DELTA_EXTENSION']}'")
        try:
            return con.execute(f"SELECT count(*) FROM delta_scan('{path}')").fetchone()[0]
        finally:
            con.close()

    def polars_count():
        import polars as pl
        return pl.read_delta(str(path), columns=["ind"]).height

    def wait_for_reads_after(seen):
        deadline = time.time() + 60
        while any(reads[k] <= seen[k] for k in reads) and not any(problems.values()):
            assert time.time() < deadline, (seen, reads)
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
        threads = [threading.Thread(target=reader),
                   threading.Thread(target=latest_reader, args=("duckdb", duckdb_count)),
                   threading.Thread(target=latest_reader, args=("polars", polars_count))]
        for t in threads:
            t.start()
        try:
            for kind, values in lines.items():
                for i in range(0, len(values), 400):  # many requests: many batches
                    p = subprocess.run([BIN, "produce", "-t", f"pinterest.{kind}", "--api", url,
                                        "--batch", "100"],
                                       input="\n".join(values[i:i + 400]) + "\n", text=True,
                                       capture_output=True, timeout=60)
                    assert p.returncode == 0, p.stderr
                    if kind == "pin":
                        # Interleave: every reader reads again before the next pin request, so
                        # each sees many versions however fast the machine writes.
                        wait_for_reads_after(dict(reads))
            deadline = time.time() + 60
            while True:
                got = stream_committed(data)
                if all(got.get(f"pinterest.{k}", 0) >= len(v) for k, v in lines.items()):
                    break
                assert time.time() < deadline, got
                time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()
    return data, (problems, reads)


def test_readers_never_see_a_partial_batch(streamed):
    _, (problems, reads) = streamed
    assert reads["delta-rs"] > 5, reads
    assert problems["delta-rs"] == [], problems["delta-rs"][:5]


@pytest.mark.parametrize("reader", ["duckdb", "polars"])
def test_duckdb_and_polars_read_whole_batches_while_the_job_writes(streamed, reader):
    """DuckDB (delta_scan) and polars (read_delta) read the pin table over and over while the
    job appends to it: no read fails, and each counts the rows of whole committed batches."""
    _, (problems, reads) = streamed
    print(f"\n{reader}: {reads[reader]} reads while the job wrote, {len(problems[reader])} problems")
    assert reads[reader] > 5, reads
    assert problems[reader] == [], problems[reader][:5]


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
    # The job's own background compaction may have run meanwhile (OPTIMIZE, dataChange=false).
    ops = {h["operation"] for h in dt.history()}
    assert {"CREATE TABLE", "STREAMING UPDATE"} <= ops <= {"CREATE TABLE", "STREAMING UPDATE",
                                                            "OPTIMIZE"}, ops
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
