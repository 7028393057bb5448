"""`pinpipe dag export --airflow` run by Apache Airflow 3 (the `airflow` peer): `airflow dags test`
runs every task of the exported DAG, and the tables it leaves equal those of `pinpipe dag run`
for the same date, row for row (both read with pinpipe's own reader).

The export is made the way a user makes it: from a working directory with a RELATIVE data dir,
`--set pipeline.id=shop` and `PINPIPE_ANALYTICS_MEDIAN=interpolated` in the environment. Airflow
then runs the tasks from another directory, with neither in its environment: the tables only
match if the export carried the whole effective configuration with absolute paths.

Runs under the system python3 (pytest); Airflow is the peer's own venv, with its own
AIRFLOW_HOME (a SQLite database) in the test's temporary directory."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, DATE, canon_rows, delta_tables, pinpipe, pp_rows, pp_schema, \
    require_peer, schema_kinds, diff_summary

DAG_ID = "pinterest_batch"


def airflow_env(peer, home, dags):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINPIPE_", "AIRFLOW"))}
    env.update({"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
                "PATH": peer["PATH"]})
    return env


def make_lake_and_reference(tmp_path, export_args):
    """A raw lake under work/rel-data (relative), the export made from work with --set and a
    PINPIPE_* override, and the reference tables of `pinpipe dag run` (same settings) in ref."""
    work = tmp_path / "work"
    work.mkdir()
    user_env = dict(os.environ, PINPIPE_ANALYTICS_MEDIAN="interpolated")
    settings = ["--set", "data.dir=rel-data", "--set", "pipeline.id=shop"]
    for args in (["batch", "gen-raw", "--interactions", "3000", "--records-per-object", "1000"],
                 ["dag", "export", *export_args]):
        proc = subprocess.run([BIN, *settings, *args], cwd=work, env=user_env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    data = work / "rel-data"
    assert (data / "lake" / "topics" / "shop.pin").is_dir()
    ref = tmp_path / "ref"
    shutil.copytree(data / "lake" / "topics", ref / "lake" / "topics")
    pinpipe(ref, "--set", "pipeline.id=shop", "--set", "analytics.median=interpolated",
            "dag", "run", "--date", DATE)
    return work, data, ref


def airflow_dags_test(peer, tmp_path, dags, extra_env=None):
    home = tmp_path / "airflow-home"
    home.mkdir()
    env = airflow_env(peer, home, dags)
    env.update(extra_env or {})
    airflow = peer["PINPIPE_PEER_AIRFLOW_BIN"]
    for args in (["db", "migrate"], ["dags", "test", DAG_ID, DATE]):
        proc = subprocess.run([airflow, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=900)
        assert proc.returncode == 0, f"airflow {' '.join(args)}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"


def assert_same_tables(ref, data):
    ours, theirs = delta_tables(ref), delta_tables(data)
    assert sorted(ours) == sorted(theirs) and len(ours) == 15, (sorted(ours), sorted(theirs))
    for name in sorted(ours):
        kinds = schema_kinds(pp_schema(ours[name]))
        assert schema_kinds(pp_schema(theirs[name])) == kinds, name
        a = canon_rows(pp_rows(ours[name]), kinds)
        b = canon_rows(pp_rows(theirs[name]), kinds)
        assert a == b, f"{name}: {diff_summary(a, b)}"
    # The environment override reached the workers: the interpolated median is a double.
    med = schema_kinds(pp_schema(theirs["analytics/median_followers_by_age_group"]))
    assert med["median_follower_count"] == "double", med


def test_airflow_dags_test_runs_every_task_with_the_exported_configuration(tmp_path):
    peer = require_peer("airflow")
    work, data, ref = make_lake_and_reference(tmp_path, ["--airflow", "dags/pinterest_batch.py"])
    airflow_dags_test(peer, tmp_path, work / "dags")
    # Every task ran (as pinpipe's external run of that date) and succeeded.
    shown = pinpipe(data, "dag", "show", f"external__{DATE}")
    for task in ("load", "clean_pin", "clean_geo", "clean_user", "analyze"):
        assert any(task in line and "success" in line for line in shown.splitlines()), shown
    assert_same_tables(ref, data)
    assert not (tmp_path / "rel-data").exists(), "a task resolved the data dir in Airflow's cwd"


def test_airflow_runs_the_spark_variant(tmp_path):
    """`dag export --airflow F --spark DIR`: load is pinpipe's task, then one task runs the
    Spark job with spark-submit (the spark peer's, local[2]); the tables equal dag run's."""
    peer = require_peer("airflow")
    spark = require_peer("spark")
    venv_bin = Path(spark["PINPIPE_PEER_SPARK_PYTHON"]).parent
    submit = " ".join([str(venv_bin / "spark-submit"), "--master", "'local[2]'",
                       "--jars", spark["PINPIPE_PEER_SPARK_JARS"],
                       "--conf", "spark.driver.host=127.0.0.1",
                       "--conf", "spark.driver.bindAddress=127.0.0.1",
                       "--conf", "spark.ui.enabled=false",
                       "--conf", "spark.sql.shuffle.partitions=2",
                       "--conf", f"spark.jars.ivy={tmp_path / 'no-ivy'}"])
    work, data, ref = make_lake_and_reference(
        tmp_path, ["--airflow", "dags/pinterest_batch.py", "--spark", "job",
                   "--spark-submit", submit])
    airflow_dags_test(peer, tmp_path, work / "dags",
                      {k: spark[k] for k in ("JAVA_HOME", "SPARK_LOCAL_IP", "PYSPARK_PYTHON")})
    shown = pinpipe(data, "dag", "show", f"external__{DATE}")
    assert any("load" in line and "success" in line for line in shown.splitlines()), shown
    assert_same_tables(ref, data)
