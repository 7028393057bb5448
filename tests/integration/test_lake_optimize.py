"""`pinpipe lake optimize` and `lake vacuum` on the batch's own tables (issue 18 §2: "on any
pinpipe table"): the clean tables a `dag run` writes, unpartitioned (dag.data_selection=all) and
`ds`-partitioned (dag.data_selection=interval), named as tables of the lake. Optimize keeps every
row (and, partitioned, each row's ds), compacts each partition on its own, leaves single-file
tables alone; a later `dag run` still overwrites the optimized tables; vacuum afterwards leaves
exactly the active files and the same rows."""
import json
import shutil
from datetime import datetime, timezone

import pytest

from test_dag import pinpipe

KINDS = ("pin", "geo", "user")


def rows(data, table):
    out = pinpipe(data, "lake", "show", table, "--format", "ndjson", "--limit", "0").stdout
    return sorted(line for line in out.splitlines() if line.strip())


def files(data, table):
    out = pinpipe(data, "lake", "files", table, "--format", "ndjson").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def history(data, table):
    out = pinpipe(data, "lake", "history", table, "--format", "ndjson").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """Raw objects of 60k generated interactions (the pin table comes out in several files)."""
    d = tmp_path_factory.mktemp("raw") / "data"
    pinpipe(d, "batch", "gen-raw", "--interactions", "60000", "--records-per-object", "5000")
    return d


@pytest.mark.parametrize("selection", ["all", "interval"])
def test_optimize_and_vacuum_a_dag_runs_tables(raw, tmp_path, selection):
    data = tmp_path / "data"
    shutil.copytree(raw / "lake", data / "lake")
    # Raw objects are selected by the day they landed (interval): today.
    date = datetime.now(timezone.utc).date().isoformat()
    sets = [f"dag.data_selection={selection}"]
    pinpipe(data, "dag", "run", "--date", date, sets=sets, timeout=180)
    compacted = 0
    for t in KINDS:
        before, before_files = rows(data, t), files(data, t)
        assert len(before) > 10000, t
        partitioned = selection == "interval"
        assert all(bool(f["partitionValues"]) == partitioned for f in before_files), before_files
        if partitioned:
            assert all(f["partitionValues"] == {"ds": date} and f["path"].startswith(f"ds={date}/")
                       for f in before_files), before_files
            assert all(json.loads(r)["ds"] == date for r in before[:10])
        out = pinpipe(data, "lake", "optimize", t).stdout
        after_files = files(data, t)
        if len(before_files) < 2:
            assert "nothing to compact" in out and after_files == before_files, (t, out)
            continue
        compacted += 1
        assert f"{len(before_files)} files" in out and "→ 1 files" in out and f"{len(before)} rows" in out, out
        assert len(after_files) == 1, after_files
        f = after_files[0]
        assert f["partitionValues"] == before_files[0]["partitionValues"]
        if partitioned:
            assert f["path"].startswith(f"ds={date}/part-"), f
        assert rows(data, t) == before, t
        h = history(data, t)
        assert h[0]["operation"] == "OPTIMIZE" and h[0]["commitInfo"]["operationMetrics"]["numRemovedFiles"] == \
            str(len(before_files)), h[0]
        # Vacuum by table name: the removed small files go, the active file and the rows stay.
        out = pinpipe(data, "lake", "vacuum", t, "--retain", "0", "--force").stdout
        assert f"deleted {len(before_files)} files" in out, out
        table_dir = data / "lake" / "delta" / t
        parquet = sorted(str(p.relative_to(table_dir)) for p in table_dir.rglob("*.parquet")
                         if "_delta_log" not in p.parts)
        assert parquet == [f["path"]], parquet
        assert rows(data, t) == before, t
    assert compacted >= 1  # the pin table at least had several files
    # The batch still overwrites the optimized tables (its partition, or the whole table).
    pinpipe(data, "dag", "run", "--date", date, sets=sets, timeout=180)
    for t in KINDS:
        assert history(data, t)[0]["operation"] == "WRITE", t
        assert len(rows(data, t)) > 10000


def test_optimize_names_a_missing_table(tmp_path):
    p = pinpipe(tmp_path, "lake", "optimize", "nope", check=False)
    assert p.returncode != 0 and "no Delta table 'nope'" in p.stderr, p.stderr
