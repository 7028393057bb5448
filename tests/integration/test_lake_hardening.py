"""Issue 14, lake side, on the real binary: invalid UTF-8 in raw lake lines never makes a Delta
log (or any JSON pinpipe writes) invalid; FIFOs and symlinks named like lake objects are
skipped, never opened or followed; CSV exports neutralise formulas; SIGTERM interrupts a
`dag run`; a `dag run` killed with SIGKILL is marked failed by the next process, and `lake
vacuum` removes the Parquet files no commit references."""
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from conftest import BIN

DATE = "2026-11-21"


def pinpipe(data_dir, *args, sets=(), check=True, timeout=60):
    cmd = [BIN, "--set", f"data.dir={data_dir}"]
    for s in sets:
        cmd += ["--set", s]
    proc = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd + list(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def seed_lake(data_dir, interactions=200, per_object=50):
    pinpipe(data_dir, "batch", "gen-raw", "--interactions", str(interactions),
            "--records-per-object", str(per_object), timeout=300)


def partition(data_dir, kind, p=0):
    return Path(data_dir) / "lake" / "topics" / f"pinterest.{kind}" / f"partition={p}"


def strict_json_lines(path):
    """Every line of a Delta commit parsed strictly: UTF-8 decoding errors are failures."""
    data = path.read_bytes()
    text = data.decode("utf-8", errors="strict")
    return [json.loads(line) for line in text.splitlines() if line]


def delta_logs(data_dir):
    return sorted((Path(data_dir) / "lake" / "delta").rglob("_delta_log/*.json"))


def runs_db(data_dir):
    con = sqlite3.connect(Path(data_dir) / "state" / "runs.db")
    con.row_factory = sqlite3.Row
    return con


def test_invalid_utf8_lines_keep_the_delta_log_valid(tmp_path):
    seed_lake(tmp_path)
    bad = (b'\xff\xfe{"index": 1, "title": "x"}\n'          # invalid bytes first
           b'\xc3\x28 not json either\n'                     # a cut two-byte sequence
           b'{"index": 2, "title": "\xed\xa0\x80"}\n'      # an encoded surrogate
           b'=HYPERLINK("http://x","y")\n')                 # a formula, as text
    (partition(tmp_path, "pin") / "pinterest.pin+0+9000000000.json").write_bytes(bad)

    pinpipe(tmp_path, "dag", "run", "--date", DATE)
    logs = delta_logs(tmp_path)
    assert any("quarantine_pin" in str(p) for p in logs)
    for log in logs:
        for action in strict_json_lines(log):
            if "add" in action and action["add"].get("stats"):
                json.loads(action["add"]["stats"])  # the nested stats document too

    table = tmp_path / "lake" / "delta" / "quarantine_pin"
    show = pinpipe(tmp_path, "lake", "show", str(table), "--format", "ndjson")
    rows = [json.loads(line) for line in show.stdout.splitlines() if line]
    raws = [r["raw"] for r in rows]
    assert len(rows) >= 4
    assert any(r.startswith("\ufffd\ufffd{\"index\": 1") for r in raws), raws
    assert any("\ufffd" in r and "surrogate" not in r for r in raws)
    pinpipe(tmp_path, "lake", "show", str(table))  # the terminal table too

    # CSV export: the formula line is text, neutralised; the table reads back.
    csv_out = pinpipe(tmp_path, "lake", "show", str(table), "--format", "csv").stdout
    assert "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" in csv_out, csv_out

    # A second run over the same lake succeeds (the table is readable, the log valid).
    pinpipe(tmp_path, "dag", "run", "--date", DATE)
    for log in delta_logs(tmp_path):
        strict_json_lines(log)
    history = pinpipe(tmp_path, "lake", "history", str(table), "--format", "ndjson").stdout
    for line in history.splitlines():
        json.loads(line)


def test_fifo_and_symlinks_in_the_lake_are_skipped(tmp_path):
    seed_lake(tmp_path)
    # A FIFO named like an object: opening it for reading would block forever.
    os.mkfifo(partition(tmp_path, "pin") / "pinterest.pin+0+8000000000.json")
    # A symlinked object leading out of the lake.
    os.symlink("/etc/passwd", partition(tmp_path, "user") / "pinterest.user+0+8000000000.json")
    # A symlinked partition directory leading out of the lake, holding a valid-looking record.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pinterest.geo+0+0000000000.json").write_text(
        '{"ind": 424242, "timestamp": "2020-01-01 00:00:00", "latitude": 1.0, '
        '"longitude": 2.0, "country": "Outside"}\n')
    os.symlink(outside, partition(tmp_path, "geo", 7))

    proc = pinpipe(tmp_path, "dag", "run", "--date", DATE, timeout=120)
    assert proc.stdout.count("✓") == 5, proc.stdout + proc.stderr
    con = runs_db(tmp_path)
    summary = con.execute("SELECT summary FROM task_instances WHERE task_id = 'load'").fetchone()[0]
    con.close()
    assert "skipped 3 entries that are not regular files" in summary, summary
    assert "(fifo)" in summary, summary
    assert "skipped" in proc.stderr and "not regular files" in proc.stderr  # the warning
    manifest = json.loads((tmp_path / "lake" / "manifests" / "pinterest_batch" / f"{DATE}.json").read_text())
    keys = json.dumps(manifest)
    assert "8000000000" not in keys and "partition=7" not in keys

    for kind in ("user", "geo", "pin"):
        table = tmp_path / "lake" / "delta" / f"quarantine_{kind}"
        out = pinpipe(tmp_path, "lake", "show", str(table), "--format", "ndjson").stdout
        assert "root:" not in out
    geo = pinpipe(tmp_path, "lake", "show", str(tmp_path / "lake" / "delta" / "geo"),
                  "--format", "ndjson").stdout
    assert "Outside" not in geo and "424242" not in geo


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def task_state(data_dir, task):
    db = Path(data_dir) / "state" / "runs.db"
    if not db.exists():
        return None
    try:
        con = runs_db(data_dir)
        row = con.execute("SELECT state FROM task_instances WHERE task_id = ? "
                          "ORDER BY run_pk DESC LIMIT 1", (task,)).fetchone()
        con.close()
        return row["state"] if row else None
    except sqlite3.OperationalError:
        return None


def start_run_waiting_to_retry(tmp_path):
    """A dag run whose clean_geo fails once and then waits ten minutes to retry."""
    cmd = [BIN, "--set", f"data.dir={tmp_path}",
           "--set", "dag.retry_delay_ms=600000", "dag", "run", "--date", DATE]
    env = dict(os.environ, PINPIPE_TEST_FAIL_TASK="clean_geo:5")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    wait_for(lambda: task_state(tmp_path, "clean_geo") == "up_for_retry", 60, "clean_geo retry wait")
    wait_for(lambda: task_state(tmp_path, "clean_pin") == "success", 60, "clean_pin")
    wait_for(lambda: task_state(tmp_path, "clean_user") == "success", 60, "clean_user")
    return proc


def test_sigterm_interrupts_a_dag_run(tmp_path):
    seed_lake(tmp_path)
    proc = start_run_waiting_to_retry(tmp_path)
    try:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    con = runs_db(tmp_path)
    assert con.execute("SELECT state FROM dag_runs").fetchone()["state"] == "failed"


def referenced_files(table):
    """Data files of the table's latest snapshot, from its JSON commits (no checkpoints here)."""
    live = set()
    for log in sorted((table / "_delta_log").glob("*.json")):
        for action in strict_json_lines(log):
            if "add" in action:
                live.add(action["add"]["path"])
            elif "remove" in action:
                live.discard(action["remove"]["path"])
    return live


def test_killed_dag_run_is_marked_failed_and_vacuum_removes_its_orphans(tmp_path):
    seed_lake(tmp_path)
    proc = start_run_waiting_to_retry(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=20)
    con = runs_db(tmp_path)
    assert con.execute("SELECT state FROM dag_runs").fetchone()["state"] == "running"
    con.close()

    # The next process to open the history settles the dead run, with the reason.
    runs = pinpipe(tmp_path, "dag", "runs").stdout
    assert "failed" in runs and "running" not in runs, runs
    show = pinpipe(tmp_path, "dag", "show").stdout
    assert "abandoned" in show and f"pid {proc.pid}" in show, show
    con = runs_db(tmp_path)
    states = {r["task_id"]: r["state"] for r in con.execute("SELECT * FROM task_instances")}
    assert states["clean_geo"] == "failed" and states["analyze"] == "skipped", states
    assert states["clean_pin"] == "success"
    con.close()

    # A second killed run, now while the clean tasks write their parts: whatever moment the
    # kill hits, vacuum leaves exactly the files the latest version references.
    seed_lake(tmp_path / "big", interactions=30000, per_object=5000)
    big = tmp_path / "big"
    pin = big / "lake" / "delta" / "pin"
    proc = subprocess.Popen([BIN, "--set", f"data.dir={big}", "dag", "run", "--date", DATE],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill as soon as a part file exists that no commit lists yet (or at the latest when the
    # first commit shows up).
    wait_for(lambda: any(pin.glob("*.parquet")) if pin.exists() else False, 120, "pin parts")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=20)
    parts = {p.name for p in pin.glob("*.parquet")}
    live = referenced_files(pin) if (pin / "_delta_log").exists() else set()
    orphans = parts - live
    print(f"killed with {len(parts)} part files, {len(orphans)} orphans")

    if (pin / "_delta_log").exists():
        out = pinpipe(big, "lake", "vacuum", str(pin), "--retain", "0", "--force").stdout
        assert f"deleted {len(orphans)} files" in out, out
        assert {p.name for p in pin.glob("*.parquet")} == live

    # The next run (the killed one is settled first) succeeds.
    pinpipe(big, "dag", "run", "--date", DATE, timeout=300)
    con = runs_db(big)
    assert [r["state"] for r in con.execute("SELECT state FROM dag_runs ORDER BY id")] == \
        ["failed", "success"]
    con.close()
    # Vacuum refuses a zero retention without --force; forced, it removes every orphan and
    # leaves exactly the files of the latest version, which still reads.
    refused = pinpipe(big, "lake", "vacuum", str(pin), "--retain", "0", check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr, refused.stderr
    dry = pinpipe(big, "lake", "vacuum", str(pin), "--retain", "0", "--force", "--dry-run").stdout
    for name in orphans & {p.name for p in pin.glob("*.parquet")}:
        assert f"would delete {name}" in dry, dry
    pinpipe(big, "lake", "vacuum", str(pin), "--retain", "0", "--force")
    remaining = {p.name for p in pin.glob("*.parquet")}
    assert remaining == referenced_files(pin)
    assert not (orphans & remaining)
    pinpipe(big, "lake", "show", str(pin), "--limit", "3")
