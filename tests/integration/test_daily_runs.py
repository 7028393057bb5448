"""Daily runs that mean it (issue 19), on the real binary: a run never succeeds on nothing
(no input → failed, or skipped when configured, with a non-zero exit), `load` waits for the
sink to land what the log held when the run started, configuration errors (a lake that does
not exist, `s3:/bucket`, `ftp://`, missing S3 credentials) fail at once without a retry, and
read-only commands leave an empty directory empty."""
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN
from rest_helpers import produce_json
from test_dag import pinpipe, seed_lake

DATE = "2026-11-21"


def task_rows(data_dir):
    con = sqlite3.connect(Path(data_dir) / "state" / "runs.db")
    con.row_factory = sqlite3.Row
    return {r["task_id"]: r for r in con.execute("SELECT * FROM task_instances")}


def run_states(data_dir):
    con = sqlite3.connect(Path(data_dir) / "state" / "runs.db")
    return [r[0] for r in con.execute("SELECT state FROM dag_runs ORDER BY id")]


def test_empty_lake_fails_visibly(tmp_path):
    proc = pinpipe(tmp_path, "dag", "run", "--date", DATE, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "no input" in out, out
    assert "✓" not in proc.stdout, proc.stdout
    runs = pinpipe(tmp_path, "dag", "runs").stdout
    assert "failed" in runs and "success" not in runs, runs
    show = pinpipe(tmp_path, "dag", "show").stdout
    assert "state         failed" in show
    assert "no input" in show
    rows = task_rows(tmp_path)
    assert rows["load"]["state"] == "failed" and rows["load"]["attempts"] == 1  # not retried
    assert rows["analyze"]["state"] == "upstream_failed"
    assert not (tmp_path / "reports" / DATE).exists()


def test_empty_lake_can_be_configured_to_skip(tmp_path):
    proc = pinpipe(tmp_path, "dag", "run", "--date", DATE, sets=["dag.on_no_input=skip"],
                   check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # skipped is not a success either
    runs = pinpipe(tmp_path, "dag", "runs").stdout
    assert "skipped" in runs and "success" not in runs, runs
    show = pinpipe(tmp_path, "dag", "show").stdout
    assert "state         skipped" in show
    assert "skipped: no input" in show
    rows = task_rows(tmp_path)
    assert {r["state"] for r in rows.values()} == {"skipped"}
    bad = pinpipe(tmp_path, "dag", "run", "--date", DATE, sets=["dag.on_no_input=maybe"],
                  check=False)
    assert bad.returncode != 0 and "dag.on_no_input" in bad.stdout + bad.stderr


def post_interactions(url, n=20):
    for i in range(n):
        pin = {"index": i, "unique_id": f"u{i}", "title": "t", "description": "d",
               "poster_name": "p", "follower_count": "5k", "tag_list": "a",
               "is_image_or_video": "image", "image_src": "s", "downloaded": 1,
               "save_location": "Local save in /data/art", "category": "art"}
        geo = {"ind": i, "timestamp": "2020-01-01 00:00:00", "latitude": 1.0, "longitude": 2.0,
               "country": "Aruba"}
        user = {"ind": i, "first_name": "A", "last_name": "B", "age": 30,
                "date_joined": "2016-01-01 00:00:00"}
        for topic, v in (("pinterest.pin", pin), ("pinterest.geo", geo), ("pinterest.user", user)):
            r = produce_json(url, topic, [v])
            assert r.status_code == 200, r.text


@pytest.fixture
def posted(server_factory):
    """A data dir whose log holds 20 interactions the sink has not landed (no sink ran)."""
    srv = server_factory(["sink.enabled=false", "scheduler.enabled=false"]).start()
    post_interactions(srv.url)
    srv.stop()
    return srv.data_dir


def test_load_waits_for_a_sink_started_later(posted):
    data = posted
    cmd = [BIN, "--set", f"data.dir={data}", "--set", "dag.sink_wait_s=60", "dag", "run",
           "--date", DATE]
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    assert run.poll() is None, run.communicate()  # still waiting for the sink
    sink = subprocess.run([BIN, "--set", f"data.dir={data}", "sink", "--once"],
                          capture_output=True, text=True, timeout=60)
    assert sink.returncode == 0, sink.stderr
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, out + err
    assert "waiting up to 60 s for the sink" in err, err
    rows = task_rows(data)
    assert rows["load"]["records_out"] >= 3  # objects of all three topics
    assert rows["clean_pin"]["records_out"] == 20
    assert rows["clean_geo"]["records_out"] == 20
    assert rows["clean_user"]["records_out"] == 20


def test_load_times_out_when_the_sink_never_runs(posted):
    data = posted
    t0 = time.monotonic()
    proc = pinpipe(data, "dag", "run", "--date", DATE,
                   sets=["dag.sink_wait_s=2", "dag.retries=0"], check=False, timeout=60)
    assert time.monotonic() - t0 >= 2  # it waited
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "the sink has not landed" in out and "pinterest.pin-0 committed 0 of" in out, out
    assert "is the sink running" in out
    rows = task_rows(data)
    assert rows["load"]["state"] == "failed"
    assert "the sink has not landed" in rows["load"]["error"]
    assert run_states(data) == ["failed"]


def no_aws_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


@pytest.mark.parametrize("uri,message", [
    ("{tmp}/lake-typo", "lake-typo does not exist"),
    ("s3:/bucket", "malformed lake URI 's3:/bucket'"),
    ("ftp://127.0.0.1/lake", "unsupported lake URI scheme 'ftp'"),
    ("s3://bucket/lake", "no credentials"),
])
def test_configuration_errors_fail_at_once_without_retry(tmp_path, uri, message):
    uri = uri.format(tmp=tmp_path)
    # The default policy: one retry after 2 minutes — a retry would blow the timeout.
    cmd = [BIN, "--set", f"data.dir={tmp_path}", "--set", f"lake.uri={uri}",
           "--set", "s3.endpoint=http://127.0.0.1:9", "--set", "s3.region=us-east-1",
           "dag", "run", "--date", DATE]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=no_aws_env(),
                          cwd=tmp_path)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert message in out, out
    assert "retrying in" not in out, out
    assert not (tmp_path / "s3:").exists()  # never a relative local directory
    if (tmp_path / "state" / "runs.db").exists():
        rows = task_rows(tmp_path)
        assert rows["load"]["attempts"] == 1 and rows["load"]["state"] == "failed"
        assert "not retried" in rows["load"]["error"]


def empty_dir(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d


def in_dir(d, *args):
    return subprocess.run([BIN, *args], cwd=d, capture_output=True, text=True, timeout=60)


def test_task_run_without_a_data_dir_refuses(tmp_path):
    d = empty_dir(tmp_path)
    proc = in_dir(d, "task", "run", "load", "--date", DATE)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "data dir" in proc.stderr and "does not exist" in proc.stderr, proc.stderr
    assert list(d.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["dag", "runs"], ["dag", "show"], ["dag", "list"], ["sink", "status"],
    ["lake", "show", "delta/pin"], ["lake", "history", "delta/pin"],
    ["lake", "schema", "delta/pin"], ["lake", "files", "delta/pin"],
])
def test_read_only_commands_create_nothing(tmp_path, args):
    d = empty_dir(tmp_path)
    in_dir(d, *args)  # may fail (nothing there): it must not create anything
    assert list(d.iterdir()) == [], args


def test_task_run_with_no_input_exits_99_for_airflow_skip(tmp_path):
    # 99 is BashOperator's skip_on_exit_code: Airflow shows the task (and its downstream) skipped.
    proc = pinpipe(tmp_path, "task", "run", "load", "--date", DATE,
                   sets=["dag.on_no_input=skip"], check=False)
    assert proc.returncode == 99, proc.stdout + proc.stderr
    assert "skipped: no input" in proc.stderr
    assert run_states(tmp_path) == ["skipped"]
    proc = pinpipe(tmp_path, "task", "run", "load", "--date", DATE, check=False)
    assert proc.returncode == 1 and "no input" in proc.stderr
    assert run_states(tmp_path) == ["failed"]
