"""Table maintenance while the streaming job writes and delta-rs reads (issue 18 §2, §4):

- the job's background compaction (OPTIMIZE, dataChange=false), `pinpipe lake optimize` racing
  it, and `pinpipe lake vacuum --retain <seconds> --force` in a loop all run while `pinpipe
  serve` appends to `<id>_pin_table` and delta-rs opens and reads snapshot after snapshot: no
  reader error, every snapshot holds exactly the rows its commits say (the STREAMING UPDATEs'
  numOutputRows up to its version), and each snapshot's rows contain the previous one's (no row
  lost or changed by a compaction); afterwards the table holds every committed row, and a last
  vacuum past the retention leaves exactly the active files.
Runs under the `lakepy` peer's venv (tests/peers/peer lakepy install)."""
import subprocess
import threading
import time
from collections import Counter

import pytest

from conftest import (BIN, FIXTURES, canon_rows, diff_summary, pp_files, pp_rows, pp_schema,
                      require_peer, schema_kinds)
from stream_feed import Server, committed_rows_by_version, fixture_lines

TABLE = "pinterest_pin_table"
SETS = ["stream.source=rest", "stream.max_batch_records=200"]
VACUUM_RETAIN_S = 5  # a reader opens and reads a snapshot well within this


@pytest.fixture(scope="module")
def peer():
    return require_peer("lakepy")


def run_cli(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def maintained(peer, tmp_path_factory):
    from deltalake import DeltaTable
    if not FIXTURES.exists():
        pytest.skip("../shared/data/fixtures absent")
    data = tmp_path_factory.mktemp("maint") / "data"
    path = data / "lake" / "delta" / TABLE
    lines = fixture_lines("pin")
    seen = {"snapshots": [], "errors": [], "vacuumed": 0, "optimized": 0, "maintenance": [],
            "deleted_while_reading": 0}
    stop = threading.Event()
    server = Server(data, SETS + ["stream.compact_interval_ms=300", "stream.compact_min_files=3"])
    chunk = 40
    try:
        server.produce("pin", lines[:chunk], batch=chunk)
        server.wait_committed({"pin": chunk})
        kinds = schema_kinds(pp_schema(str(path)))

        def reader():
            while not stop.is_set():
                try:
                    dt = DeltaTable(str(path))
                    rows = dt.to_pyarrow_table().to_pylist()
                    seen["snapshots"].append((dt.version(), canon_rows(rows, kinds)))
                except Exception as e:  # noqa: BLE001 — a reader error fails the test
                    seen["errors"].append(repr(e))
                time.sleep(0.05)

        def maintainer():
            # Vacuum with a short retention and a manual OPTIMIZE racing the job's own.
            while not stop.is_set():
                v = run_cli("lake", "vacuum", path, "--retain", VACUUM_RETAIN_S / 3600, "--force")
                if v.returncode != 0:
                    seen["maintenance"].append("vacuum: " + v.stderr)
                seen["vacuumed"] += v.returncode == 0
                seen["deleted_while_reading"] += v.stdout.count("\ndeleted part-") + \
                    v.stdout.startswith("deleted part-")
                o = run_cli("lake", "optimize", path)
                # Losing the race to the job's compaction is an expected outcome (kUnavailable).
                if o.returncode != 0 and "nothing committed" not in o.stdout + o.stderr:
                    seen["maintenance"].append("optimize: " + o.stderr)
                seen["optimized"] += o.returncode == 0
                time.sleep(0.3)

        threads = [threading.Thread(target=reader), threading.Thread(target=maintainer)]
        for t in threads:
            t.start()
        try:
            for i in range(chunk, len(lines), chunk):
                server.produce("pin", lines[i:i + chunk], batch=chunk)
                time.sleep(0.1)
            server.wait_committed({"pin": len(lines)})
            time.sleep(1)  # a few more rounds of maintenance beside the readers
        finally:
            stop.set()
            for t in threads:
                t.join()
    finally:
        server.stop()
    # Once the last compaction's removes are past the retention, a vacuum leaves only the
    # active files.
    time.sleep(VACUUM_RETAIN_S + 0.5)
    v = run_cli("lake", "vacuum", path, "--retain", VACUUM_RETAIN_S / 3600, "--force")
    if v.returncode != 0:
        seen["maintenance"].append("last vacuum: " + v.stderr)
    return data, path, seen, lines


def test_compaction_and_vacuum_under_appends_lose_no_row_and_fail_no_reader(maintained):
    _, path, seen, _ = maintained
    assert seen["errors"] == [], seen["errors"][:3]
    assert seen["maintenance"] == [], seen["maintenance"][:3]
    assert seen["vacuumed"] >= 2 and len(seen["snapshots"]) >= 5, \
        (seen["vacuumed"], len(seen["snapshots"]))
    # The vacuums deleted compacted-away files while the job appended and delta-rs read.
    assert seen["deleted_while_reading"] >= 1, seen["vacuumed"]
    rows_at = committed_rows_by_version(path)
    history = [line for p in sorted((path / "_delta_log").glob("*.json"))
               for line in p.read_text().splitlines() if '"commitInfo"' in line]
    assert sum('"OPTIMIZE"' in h for h in history) >= 2
    bad = [(v, sum(rows.values()), rows_at[v]) for v, rows in seen["snapshots"]
           if sum(rows.values()) != rows_at[v]]
    assert bad == [], f"(version, delta-rs rows, the commits' rows): {bad[:5]}"
    # Append-only: every snapshot's rows contain the previous one's.
    ordered = sorted(seen["snapshots"], key=lambda s: s[0])
    for (v0, a), (v1, b) in zip(ordered, ordered[1:]):
        assert not (a - b), f"rows of version {v0} missing at {v1}: {diff_summary(a, b)}"

    kinds = schema_kinds(pp_schema(str(path)))
    mine = canon_rows(pp_rows(str(path)), kinds)
    assert sum(mine.values()) == max(rows_at.values())
    assert ordered[-1][1] - mine == Counter()
    # The last vacuum round left exactly the active files on disk.
    active = {f["path"] for f in pp_files(str(path))}
    on_disk = {p.name for p in path.glob("*.parquet")}
    assert on_disk == active, (sorted(on_disk - active)[:3], sorted(active - on_disk)[:3])

