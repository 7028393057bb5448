"""The DAG commands on the real binary: runs, retries and failure, history, backfill, the
Airflow export and `task run`. Uses the built-in pinterest_batch DAG (the real batch tasks of
src/batch) over a small lake of raw objects written by `pinpipe batch gen-raw`."""
import ast
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN


def pinpipe(data_dir, *args, sets=(), check=True, timeout=60, fail_task=None):
    """fail_task: the test hook PINPIPE_TEST_FAIL_TASK ("task[:N],..." fail their first N attempts)."""
    cmd = [BIN, "--set", f"data.dir={data_dir}"]
    for s in sets:
        cmd += ["--set", s]
    env = dict(os.environ)
    env.pop("PINPIPE_TEST_FAIL_TASK", None)
    if fail_task is not None:
        env["PINPIPE_TEST_FAIL_TASK"] = fail_task
    proc = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd + list(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def seed_lake(data_dir, interactions=200):
    """Raw objects of the three topics in <data_dir>/lake, in the sink's layout."""
    pinpipe(data_dir, "batch", "gen-raw", "--interactions", str(interactions),
            "--records-per-object", "50")


def runs_db(data_dir):
    con = sqlite3.connect(Path(data_dir) / "state" / "runs.db")
    con.row_factory = sqlite3.Row
    return con


def test_dag_list(tmp_path):
    out = pinpipe(tmp_path, "dag", "list").stdout
    assert "pinterest_batch" in out
    assert "@daily" in out
    assert "load >> clean_pin" in out and "clean_user >> analyze" in out


def test_run_succeeds_and_is_listed(tmp_path):
    seed_lake(tmp_path)
    proc = pinpipe(tmp_path, "dag", "run", "--date", "2026-11-21")
    assert "run manual__2026-11-21__" in proc.stdout
    assert proc.stdout.count("✓") == 5, proc.stdout
    runs = pinpipe(tmp_path, "dag", "runs").stdout
    assert "pinterest_batch" in runs and "2026-11-21" in runs and "success" in runs
    show = pinpipe(tmp_path, "dag", "show").stdout
    for task in ("load", "clean_pin", "clean_geo", "clean_user", "analyze"):
        assert task in show
    assert "state         success" in show
    # analyze wrote its report, the CSVs and the Delta tables.
    assert (tmp_path / "reports" / "2026-11-21" / "index.html").exists()
    assert (tmp_path / "reports" / "2026-11-21" / "top_country.csv").exists()
    assert (tmp_path / "lake" / "delta" / "analytics" / "top_country" / "_delta_log").exists()


def test_run_over_an_empty_lake_fails_with_no_input(tmp_path):
    # Never a green run on nothing (test_daily_runs.py covers the variants).
    proc = pinpipe(tmp_path, "dag", "run", "--date", "2026-11-21", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "✓" not in proc.stdout, proc.stdout
    assert not (tmp_path / "lake" / "delta" / "pin" / "_delta_log").exists()


def test_failing_task_is_retried_and_run_fails(tmp_path):
    seed_lake(tmp_path)
    sets = ["dag.retry_delay_ms=300"]
    t0 = time.monotonic()
    proc = pinpipe(tmp_path, "dag", "run", "--date", "2026-11-21", sets=sets, check=False,
                   fail_task="clean_geo:5")
    elapsed = time.monotonic() - t0
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert elapsed >= 0.3  # waited the retry delay once
    assert "clean_geo: attempt 1 failed" in proc.stderr
    assert "failed: clean_geo" in proc.stdout

    show = pinpipe(tmp_path, "dag", "show").stdout
    assert "state         failed" in show
    assert "injected failure of task clean_geo (attempt 2" in show  # the last attempt's error
    con = runs_db(tmp_path)
    rows = {r["task_id"]: r for r in con.execute("SELECT * FROM task_instances")}
    assert rows["clean_geo"]["state"] == "failed" and rows["clean_geo"]["attempts"] == 2
    assert rows["analyze"]["state"] == "upstream_failed" and rows["analyze"]["attempts"] == 0
    assert rows["clean_pin"]["state"] == "success"
    assert rows["clean_pin"]["records_out"] > 0

    # One failure then success: the retry rescues the run.
    proc = pinpipe(tmp_path, "dag", "run", "--date", "2026-11-22",
                   sets=["dag.retry_delay_ms=10"], fail_task="clean_geo:1")
    assert "clean_geo: attempt 1 failed" in proc.stderr
    show = pinpipe(tmp_path, "dag", "show").stdout
    assert "state         success" in show
    runs = pinpipe(tmp_path, "dag", "runs", "--limit", "10").stdout
    assert runs.count("pinterest_batch") == 2
    assert "failed" in runs and "success" in runs


def test_backfill_runs_each_date_once(tmp_path):
    seed_lake(tmp_path, interactions=50)
    proc = pinpipe(tmp_path, "dag", "backfill", "--from", "2026-11-01", "--to", "2026-11-03")
    assert "3 runs (0 failed), 0 dates skipped" in proc.stdout
    proc = pinpipe(tmp_path, "dag", "backfill", "--from", "2026-11-02", "--to", "2026-11-04")
    assert "1 runs (0 failed), 2 dates skipped" in proc.stdout
    con = runs_db(tmp_path)
    dates = [r[0] for r in con.execute(
        "SELECT logical_date FROM dag_runs WHERE run_trigger = 'backfill' ORDER BY logical_date")]
    assert dates == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    proc = pinpipe(tmp_path, "dag", "backfill", "--from", "2026-11-04", "--to", "2026-11-04", "--rerun")
    assert "1 runs (0 failed), 0 dates skipped" in proc.stdout
    bad = pinpipe(tmp_path, "dag", "backfill", "--from", "2026-11-04", "--to", "2026-11-01", check=False)
    assert bad.returncode == 2 and "before" in bad.stderr


def test_task_run_records_external_attempts(tmp_path):
    seed_lake(tmp_path)
    for task in ("load", "clean_pin", "clean_geo", "clean_user"):
        pinpipe(tmp_path, "task", "run", task, "--date", "2026-11-21")
    bad = pinpipe(tmp_path, "task", "run", "analyze", "--date", "2026-11-21",
                  fail_task="analyze:1", check=False)
    assert bad.returncode == 1
    assert "injected failure" in bad.stderr
    pinpipe(tmp_path, "task", "run", "analyze", "--date", "2026-11-21", fail_task="analyze:1")
    con = runs_db(tmp_path)
    run = con.execute("SELECT * FROM dag_runs").fetchall()
    assert len(run) == 1 and run[0]["run_id"] == "external__2026-11-21"
    assert run[0]["run_trigger"] == "external"
    ti = con.execute("SELECT * FROM task_instances WHERE task_id = 'analyze'").fetchone()
    assert ti["state"] == "success" and ti["attempts"] == 2
    unknown = pinpipe(tmp_path, "task", "run", "nope", "--date", "2026-11-21", check=False)
    assert unknown.returncode == 2


def test_airflow_export_compiles_and_declares_the_graph(tmp_path):
    cfg = tmp_path / "pinpipe.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path / "data"}"\n')
    seed_lake(tmp_path / "data", interactions=50)
    out = tmp_path / "dags" / "pinterest_batch.py"
    # --set and PINPIPE_* reach the workers through the configuration written beside the DAG.
    subprocess.run([BIN, "--config", str(cfg), "--set", "dag.parallelism=3", "dag", "export",
                    "--airflow", str(out)], check=True, capture_output=True,
                   env=dict(os.environ, PINPIPE_ANALYTICS_MEDIAN="interpolated"))
    subprocess.run(["/usr/bin/python3", "-m", "py_compile", str(out)], check=True)
    tree = ast.parse(out.read_text())
    var_to_task, commands = {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and getattr(node.value.func, "id", "") == "BashOperator":
            kw = {k.arg: ast.literal_eval(k.value) for k in node.value.keywords}
            var_to_task[node.targets[0].id] = kw["task_id"]
            commands[kw["task_id"]] = kw["bash_command"]

    def names(n):
        return [e.id for e in n.elts] if isinstance(n, ast.List) else [n.id]

    edges = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp):
            for u in names(node.value.left):
                for d in names(node.value.right):
                    edges.add((var_to_task[u], var_to_task[d]))
    assert set(commands) == {"load", "clean_pin", "clean_geo", "clean_user", "analyze"}
    assert edges == {("load", "clean_pin"), ("load", "clean_geo"), ("load", "clean_user"),
                     ("clean_pin", "analyze"), ("clean_geo", "analyze"), ("clean_user", "analyze")}
    binary = os.path.realpath(BIN)
    written = tmp_path / "dags" / "pinterest_batch.pinpipe.toml"
    assert commands["load"] == f"{binary} --config {written} task run load --dag pinterest_batch --date {{{{ ds }}}}"
    exported = written.read_text()
    assert f'dir = "{tmp_path / "data"}"' in exported
    assert 'parallelism = "3"' in exported and 'median = "interpolated"' in exported
    text = out.read_text()
    assert 'schedule="@daily"' in text and "catchup=False" in text
    assert '"retries": 1' in text and "timedelta(seconds=120)" in text

    # The command Airflow would run works (with {{ ds }} rendered).
    for task in ("load", "clean_pin"):
        cmd = commands[task].replace("{{ ds }}", "2026-11-21")
        subprocess.run(cmd, shell=True, check=True, capture_output=True, cwd="/")
    con = runs_db(tmp_path / "data")
    assert con.execute("SELECT state FROM task_instances WHERE task_id = 'clean_pin'").fetchone()[0] == "success"


def test_scheduler_starts_and_stops_on_signal(tmp_path):
    proc = subprocess.Popen([BIN, "--set", f"data.dir={tmp_path}", "scheduler"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not (tmp_path / "state" / "runs.db").exists():
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "pinterest_batch schedule @daily catchup false next run" in out
    assert "stopping the scheduler" in out


def test_spark_export_writes_the_job_and_its_settings(tmp_path):
    """`dag export --spark DIR`: the PySpark job (valid Python) and its settings; with
    --airflow too, the DAG that runs it; one of them is required; the per-date selection is refused (the job reads it all).
    tests/peers/test_spark_export.py runs the job in Spark."""
    out = tmp_path / "job"
    proc = pinpipe(tmp_path / "data", "dag", "export", "--spark", str(out),
                   sets=("pipeline.id=shop",))
    assert "pinterest_batch_spark.py" in proc.stdout
    subprocess.run(["/usr/bin/python3", "-m", "py_compile", str(out / "pinterest_batch_spark.py")],
                   check=True)
    cfg = json.loads((out / "pinterest_batch_spark.json").read_text())
    assert cfg["lake"] == str(tmp_path / "data" / "lake") and cfg["pipeline_id"] == "shop", cfg
    assert pinpipe(tmp_path / "data", "dag", "export", check=False).returncode == 2
    # Both: the Airflow DAG of the Spark path (load, then spark-submit of the job).
    pinpipe(tmp_path / "data", "dag", "export", "--spark", str(out), "--airflow",
            str(tmp_path / "d.py"), "--spark-submit", "spark-submit --master yarn")
    dag_py = (tmp_path / "d.py").read_text()
    assert f"spark-submit --master yarn {out / 'pinterest_batch_spark.py'} --config" in dag_py
    assert "load >> spark_batch" in dag_py and "clean_pin" not in dag_py
    refused = pinpipe(tmp_path / "data", "dag", "export", "--spark", str(tmp_path / "j2"),
                      sets=("dag.data_selection=interval",), check=False)
    assert refused.returncode == 2 and "dag.data_selection" in refused.stderr, refused.stderr
    assert not (tmp_path / "j2").exists()
