"""The batch DAG end to end on the real binary: `pinpipe serve` (with the sink inside),
`pinpipe emulate` posting interactions, the sink landing them in the lake, then
`pinpipe dag run --date D`: the Delta tables exist with the domain schemas, DuckDB (node)
reads them, a rerun for the same date gives identical tables, and a failing task is retried
and fails the run with the error in `dag show`."""
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, ROOT
from test_dag import pinpipe

INTERACTIONS = 300
TABLES = ["pin", "geo", "user", "quarantine_pin", "quarantine_geo", "quarantine_user"] + [
    f"analytics/{n}" for n in (
        "category_by_country", "category_by_year", "top_user_by_country", "top_country",
        "category_by_age_group", "median_followers_by_age_group", "users_joined_by_year",
        "median_followers_by_join_year", "median_followers_by_age_group_and_join_year")]
NODE = shutil.which("node")
INTEROP = ROOT / "tests" / "interop"


def sink_lag(data_dir):
    out = subprocess.run([BIN, "--set", f"data.dir={data_dir}", "sink", "status", "--json"],
                         check=True, capture_output=True, text=True).stdout
    parts = json.loads(out)["partitions"]
    return parts, sum(p["log_end"] - p["committed"] for p in parts)


@pytest.fixture
def landed(server_factory, tmp_path):
    """A data dir whose lake holds INTERACTIONS emulated interactions (3 topics), landed by the
    sink inside `pinpipe serve`; the server is stopped afterwards."""
    srv = server_factory(["sink.rotate_schedule_interval_ms=300", "sink.flush_size=100",
                          "scheduler.enabled=false"]).start()
    data = srv.data_dir
    subprocess.run([BIN, "--set", f"data.dir={data}", "db", "init", "--rows", "2000"], check=True,
                   capture_output=True, timeout=120)
    p = subprocess.run([BIN, "--set", f"data.dir={data}", "emulate", "--api", srv.url,
                        "--count", str(INTERACTIONS), "--no-sleep", "--concurrency", "4", "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    deadline = time.time() + 30
    while True:
        parts, lag = sink_lag(data)
        topics = {p["topic"] for p in parts}
        if lag == 0 and {"pinterest.pin", "pinterest.geo", "pinterest.user"} <= topics:
            break
        assert time.time() < deadline, f"sink did not land everything: {parts}"
        time.sleep(0.2)
    assert sum(p["committed"] for p in parts) == 3 * INTERACTIONS
    srv.stop()
    return data


def table_rows(data, table):
    out = pinpipe(data, "lake", "show", str(data / "lake" / "delta" / table), "--format", "ndjson",
                  "--limit", "1000000").stdout
    return out


def test_dag_over_landed_objects_and_identical_rerun(landed):
    data = landed
    proc = pinpipe(data, "dag", "run", "--date", "2026-11-21", timeout=120)
    assert proc.stdout.count("✓") == 5, proc.stdout + proc.stderr
    manifest = json.loads((data / "lake" / "manifests" / "pinterest_batch" / "2026-11-21.json").read_text())
    assert [t["topic"] for t in manifest["topics"]] == ["pinterest.pin", "pinterest.geo", "pinterest.user"]
    for t in manifest["topics"]:
        assert t["objects"], t
        for o in t["objects"]:
            assert (data / "lake" / o["key"]).stat().st_size == o["size"]
    # Paths printed by analyze, CSV and report written.
    assert "HTML report:" in proc.stdout and "index.html" in proc.stdout
    reports = data / "reports" / "2026-11-21"
    assert (reports / "index.html").exists()
    assert (reports / "category_by_country.csv").read_text().startswith("country,category,category_count\n")

    schema = json.loads(pinpipe(data, "lake", "schema", str(data / "lake" / "delta" / "geo"),
                                "--format", "json").stdout)
    text = json.dumps(schema)
    assert "coordinates" in text and "timestamp" in text

    first = {t: table_rows(data, t) for t in TABLES}
    pin_rows = [json.loads(line) for line in first["pin"].splitlines() if line.strip()] \
        if not first["pin"].lstrip().startswith("[") else json.loads(first["pin"])
    assert 0 < len(pin_rows) <= INTERACTIONS

    proc = pinpipe(data, "dag", "run", "--date", "2026-11-21", timeout=120)
    assert proc.stdout.count("✓") == 5, proc.stdout + proc.stderr
    for t in TABLES:
        assert table_rows(data, t) == first[t], t
    hist = pinpipe(data, "lake", "history", str(data / "lake" / "delta" / "pin")).stdout
    assert "WRITE" in hist or "1" in hist

    if NODE and (INTEROP / "node_modules" / "@duckdb").exists():
        script = r"""
        const { DuckDBInstance } = require('@duckdb/node-api');
        const fs = require('fs'); const path = require('path');
        (async () => {
          const conn = await (await DuckDBInstance.create(':memory:')).connect();
          const out = {};
          for (const t of JSON.parse(process.argv[2])) {
            const dir = path.join(process.argv[1], t);
            const files = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet'));
            const log = fs.readdirSync(path.join(dir, '_delta_log')).filter((f) => f.endsWith('.json')).sort();
            const active = new Set();
            for (const l of log) for (const line of fs.readFileSync(path.join(dir, '_delta_log', l), 'utf8').split('\n')) {
              if (!line) continue; const a = JSON.parse(line);
              if (a.add) active.add(a.add.path); if (a.remove) active.delete(a.remove.path);
            }
            const list = [...active].sort().map((f) => `'${path.join(dir, f)}'`).join(',');
            const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet([${list}])`);
            out[t] = Number(r.getRowObjectsJS()[0].n);
          }
          console.log(JSON.stringify(out));
        })();
        """
        p = subprocess.run([NODE, "-e", script, str(data / "lake" / "delta"), json.dumps(TABLES)],
                           cwd=INTEROP, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        counts = json.loads(p.stdout)
        assert counts["pin"] == len(pin_rows)
        assert counts["geo"] > 0 and counts["user"] > 0 and counts["analytics/category_by_country"] > 0


def test_failing_clean_task_is_retried_and_fails_the_run(landed):
    data = landed
    sets = ["dag.retry_delay_ms=200"]
    proc = pinpipe(data, "dag", "run", "--date", "2026-11-22", sets=sets, check=False, timeout=120,
                   fail_task="clean_user")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "clean_user: attempt 1 failed" in proc.stderr
    show = pinpipe(data, "dag", "show").stdout
    assert "state         failed" in show
    assert "injected failure of task clean_user (attempt 2" in show
    assert "upstream_failed" in show
    # The other clean tasks did their work.
    assert (data / "lake" / "delta" / "pin" / "_delta_log").exists()


def test_task_run_without_manifest_explains(tmp_path):
    proc = pinpipe(tmp_path, "task", "run", "clean_pin", "--date", "2026-11-21", check=False)
    assert proc.returncode == 1
    assert "run the load task" in proc.stderr + proc.stdout
