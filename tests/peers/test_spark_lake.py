"""Apache Spark with delta-spark (the `spark` peer) against pinpipe's Delta tables, both ways:

- Spark reads every table `pinpipe dag run` writes (clean, quarantine, analytics) for the 15
  fixture inputs and 100k generated interactions: schema, row count and every value equal to
  pinpipe's own reader; DESCRIBE HISTORY and DESCRIBE DETAIL show pinpipe's commits sensibly.
- Spark appends to and overwrites pinpipe's tables (crossing Spark's checkpoint at version 10);
  pinpipe reads what Spark wrote, and its next `dag run` commits on top of Spark's commits with
  no lost or resurrected files (and writes a checkpoint that Spark then reads).

One Spark session for the module (a local JVM on loopback; jars from the peer's cache)."""
import functools
import json
import shutil
from pathlib import Path

import pytest

from conftest import (FIXTURES, canon_rows, dag_run, delta_tables,
                      diff_summary, pinpipe, pp_files, pp_history, pp_rows, pp_schema,
                      require_peer, schema_kinds)

LAKE_NAMES = sorted(f.name.replace(".input.json", "") for f in FIXTURES.glob("*.input.json")) \
    if FIXTURES.exists() else []
LAKE_NAMES.append("generated-100k")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    require_peer("spark")
    from spark_session import make_session
    s = make_session(tmp_path_factory.mktemp("spark"), "pinpipe-peer-tests")
    yield s
    s.stop()


@functools.lru_cache(maxsize=None)
def pinpipe_view(path):
    schema = pp_schema(path)
    kinds = schema_kinds(schema)
    return schema, kinds, canon_rows(pp_rows(path), kinds)


def spark_rows(spark, path, kinds, version=None):
    """Spark's rows of a Delta table as canonical tuples (timestamps as epoch microseconds)."""
    from pyspark.sql import functions as F
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    df = reader.load(path)
    cols = [F.unix_micros(F.col(c)).alias(c) if k == "timestamp" else F.col(c) for c, k in kinds.items()]
    return df, canon_rows((r.asDict() for r in df.select(*cols).collect()), kinds)


def strip_metadata(fields):
    return [{k: v for k, v in f.items() if k != "metadata"} for f in fields]


def active_files(spark, path):
    """The active files as Spark's snapshot lists them, relative to the table like the log's."""
    from urllib.parse import unquote, urlparse
    root = Path(path).resolve()
    return sorted(str(Path(unquote(urlparse(f).path)).relative_to(root))
                  for f in spark.read.format("delta").load(path).inputFiles())


def check_table(spark, path, label):
    """Spark's schema, rows and active files of one table versus pinpipe's. Returns problems."""
    schema, kinds, mine = pinpipe_view(str(path))
    df, theirs = spark_rows(spark, str(path), kinds)
    bad = []
    spark_fields = strip_metadata(df.schema.jsonValue()["fields"])
    if spark_fields != strip_metadata(schema["fields"]):
        bad.append(f"{label}: schema {spark_fields} != {schema['fields']}")
    if theirs != mine:
        bad.append(f"{label}: rows {diff_summary(theirs, mine)}")
    return bad


@pytest.mark.parametrize("name", LAKE_NAMES)
def test_spark_reads_every_table(spark, lakes, name):
    if name not in lakes:
        pytest.skip(f"no lake {name}")
    tables = delta_tables(lakes[name])
    assert len(tables) == 15, sorted(tables)
    bad = []
    for table, path in sorted(tables.items()):
        bad += check_table(spark, path, f"{name}/{table}")
    assert not bad, "\n".join(bad)


def history_rows(spark, path):
    return [r.asDict(recursive=True) for r in spark.sql(f"DESCRIBE HISTORY delta.`{path}`").collect()]


def commit_actions(path, version):
    lines = (Path(path) / "_delta_log" / f"{version:020d}.json").read_text().splitlines()
    return [json.loads(line) for line in lines if line]


@pytest.fixture(scope="module")
def rerun_lake(lakes, tmp_path_factory):
    """The generated lake after a second `dag run`: every table has a create and an overwrite."""
    d = tmp_path_factory.mktemp("rerun") / "data"
    shutil.copytree(lakes["generated-100k"], d, symlinks=True)
    dag_run(d)
    return d


@pytest.mark.parametrize("table", ["pin", "geo", "user", "quarantine_pin", "analytics/top_country"])
def test_describe_history_and_detail_show_pinpipes_commits(spark, rerun_lake, table):
    path = str(delta_tables(rerun_lake)[table])
    hist = history_rows(spark, path)
    mine = pp_history(path)
    assert [h["version"] for h in hist] == [h["version"] for h in mine] == [1, 0]
    for h, m in zip(hist, mine):
        v = h["version"]
        assert h["operation"] == m["operation"]
        assert h["operationParameters"] == m["operationParameters"]
        assert h["engineInfo"] == m["engineInfo"] and h["engineInfo"].startswith("pinpipe/")
        # Delta's history shows the commit file's modification time (no in-commit timestamps);
        # pinpipe's commitInfo timestamp is taken just before it writes that file (file times
        # come from the kernel's coarse clock: a few milliseconds either way).
        mtime_ms = int((Path(path) / "_delta_log" / f"{v:020d}.json").stat().st_mtime * 1000)
        assert abs(round(h["timestamp"].timestamp() * 1000) - mtime_ms) <= 1
        assert -50 <= mtime_ms - m["timestamp"] < 60_000
        # The metrics Spark shows for a write, computed from the commit's own actions.
        actions = commit_actions(path, v)
        adds = [a["add"] for a in actions if "add" in a]
        removes = [a["remove"] for a in actions if "remove" in a]
        metrics = h["operationMetrics"] or {}
        # Spark's WRITE metrics (Delta's DeltaOperationMetrics.WRITE), from the commit's adds.
        assert metrics == {"numFiles": str(len(adds)),
                           "numOutputBytes": str(sum(a["size"] for a in adds)),
                           "numOutputRows": str(sum(json.loads(a["stats"])["numRecords"] for a in adds))}, (v, metrics)
        if h["operation"] == "WRITE":
            assert h["operationParameters"] == {"mode": "Overwrite", "partitionBy": "[]"}
            assert h["readVersion"] == v - 1
            assert sorted(r["path"] for r in removes) == sorted(f["path"] for f in pp_files(path, v - 1))
        assert h["isBlindAppend"] is not None
    assert hist[-1]["operation"] == "CREATE TABLE"

    detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0].asDict()
    files = pp_files(path)
    assert detail["format"] == "delta"
    assert detail["numFiles"] == len(files)
    assert detail["sizeInBytes"] == sum(f["size"] for f in files)
    assert (detail["minReaderVersion"], detail["minWriterVersion"]) == (1, 2)
    assert detail["partitionColumns"] == []
    assert detail["location"].rstrip("/").endswith(path.rstrip("/"))
    assert detail["tableFeatures"] in (["appendOnly", "invariants"], [])


# --- Spark writes, pinpipe reads and commits on top -------------------------------------------
@pytest.fixture(scope="module")
def shared_lake(lakes, tmp_path_factory):
    """A copy of the generated lake that the write tests change (the order below matters)."""
    d = tmp_path_factory.mktemp("spark-writes") / "data"
    shutil.copytree(lakes["generated-100k"], d, symlinks=True)
    return d


def pp_canon(path, version=None):
    schema = pp_schema(str(path))
    kinds = schema_kinds(schema)
    return kinds, canon_rows(pp_rows(str(path), version), kinds)


def test_spark_append_and_overwrite_read_by_pinpipe(spark, shared_lake):
    tables = delta_tables(shared_lake)
    from pyspark.sql import functions as F

    # pin: Spark appends 100 rows (new ind), pinpipe sees old + new.
    pin = str(tables["pin"])
    kinds, before = pp_canon(pin)
    extra = (spark.read.format("delta").load(pin).orderBy("ind").limit(100)
             .withColumn("ind", F.col("ind") + 10_000_000)
             .withColumn("title", F.concat(F.lit("spark "), F.coalesce(F.col("title"), F.lit("")))))
    extra.write.format("delta").mode("append").save(pin)
    _, after = pp_canon(pin)
    _, spark_after = spark_rows(spark, pin, kinds)
    assert sum(after.values()) == sum(before.values()) + 100
    assert after - before == spark_after - before and sum((after - before).values()) == 100
    assert after == spark_after, diff_summary(after, spark_after)
    assert sorted(f["path"] for f in pp_files(pin)) == active_files(spark, pin)

    # geo (has a timestamp column): Spark overwrites with a third of the rows.
    geo = str(tables["geo"])
    kinds, _ = pp_canon(geo)
    (spark.read.format("delta").load(geo).where("ind % 3 = 0")
     .write.format("delta").mode("overwrite").save(geo))
    _, mine = pp_canon(geo)
    _, theirs = spark_rows(spark, geo, kinds)
    assert mine == theirs, diff_summary(mine, theirs)
    assert 0 < sum(mine.values())
    assert sorted(f["path"] for f in pp_files(geo)) == active_files(spark, geo)
    h = pp_history(geo)[0]
    assert h["operation"] == "WRITE" and h["operationParameters"]["mode"] == "Overwrite"
    assert h["engineInfo"].startswith("Apache-Spark/")

    # An analytics table: Spark overwrites it with its own aggregation of user.
    top = str(tables["analytics/top_country"])
    kinds, _ = pp_canon(top)
    spark.read.format("delta").load(top).limit(3).write.format("delta").mode("overwrite").save(top)
    _, mine = pp_canon(top)
    _, theirs = spark_rows(spark, top, kinds)
    assert mine == theirs and sum(mine.values()) == min(3, sum(mine.values()))


def test_pinpipe_reads_spark_checkpoint_and_spark_reads_pinpipes(spark, shared_lake):
    """Spark appends user until its checkpoint at version 10 and beyond (to version 19); pinpipe
    reads through Spark's checkpoint; `dag run` then commits version 20 over Spark's state and
    writes its own checkpoint there, which Spark reads."""
    user = str(delta_tables(shared_lake)["user"])
    kinds, original = pp_canon(user)
    v = pp_history(user)[0]["version"]
    base = spark.read.format("delta").load(user).orderBy("ind").limit(5).cache()
    base.count()
    from pyspark.sql import functions as F
    while v < 19:
        v += 1
        base.withColumn("ind", F.col("ind") + 1_000_000 * v).write.format("delta").mode("append").save(user)
    assert (Path(user) / "_delta_log" / f"{10:020d}.checkpoint.parquet").exists()
    _, mine = pp_canon(user)
    _, theirs = spark_rows(spark, user, kinds)
    assert mine == theirs, diff_summary(mine, theirs)
    assert sorted(f["path"] for f in pp_files(user)) == active_files(spark, user)
    # Time travel across Spark's checkpoint.
    _, mine_v12 = pp_canon(user, 12)
    _, theirs_v12 = spark_rows(spark, user, kinds, version=12)
    assert mine_v12 == theirs_v12

    # pinpipe's next run overwrites user (version 20) and checkpoints it.
    dag_run(shared_lake)
    assert pp_history(user)[0]["version"] == 20
    assert (Path(user) / "_delta_log" / f"{20:020d}.checkpoint.parquet").exists()
    _, rerun = pp_canon(user)
    assert rerun == original, diff_summary(rerun, original)
    spark.catalog.clearCache()
    _, theirs = spark_rows(spark, user, kinds)
    assert theirs == original, diff_summary(theirs, original)
    assert sorted(f["path"] for f in pp_files(user)) == active_files(spark, user)


def test_dag_rerun_after_spark_writes_loses_and_resurrects_nothing(spark, shared_lake, lakes):
    """After the Spark writes above, `dag run` overwrites every table again: each reads back as
    the first run's rows, in pinpipe and in Spark, and the active files are exactly the ones the
    rerun added (none of Spark's, none of the first run's)."""
    tables = delta_tables(shared_lake)
    reference = delta_tables(lakes["generated-100k"])
    before = {t: set(f["path"] for f in pp_files(str(p))) for t, p in tables.items()}
    dag_run(shared_lake)
    bad = []
    for t, p in sorted(tables.items()):
        p = str(p)
        kinds, mine = pp_canon(p)
        _, ref = pp_canon(str(reference[t]))
        _, theirs = spark_rows(spark, p, kinds)
        files = set(f["path"] for f in pp_files(p))
        last = commit_actions(p, pp_history(p)[0]["version"])
        added = {a["add"]["path"] for a in last if "add" in a}
        removed = {a["remove"]["path"] for a in last if "remove" in a}
        if mine != ref:
            bad.append(f"{t}: pinpipe {diff_summary(mine, ref)}")
        if theirs != ref:
            bad.append(f"{t}: spark {diff_summary(theirs, ref)}")
        if files != added or removed != before[t] or files & before[t]:
            bad.append(f"{t}: files {sorted(files)} added {sorted(added)} removed {sorted(removed)}")
        if sorted(files) != active_files(spark, p):
            bad.append(f"{t}: spark's active files differ")
    assert not bad, "\n".join(bad)



def test_spark_reads_the_date_partitioned_tables(spark, tmp_path):
    """dag.data_selection=interval: Spark sees pin's three ds partitions with pinpipe's rows, and
    the run id and logical date in DESCRIBE HISTORY's userMetadata."""
    from test_lake_readers import PARTITION_DAYS, write_partitioned_lake
    lake = write_partitioned_lake(tmp_path / "partitioned")
    path = str(delta_tables(lake)["pin"])
    schema, kinds, mine = pinpipe_view(path)
    df, theirs = spark_rows(spark, path, kinds)
    assert theirs == mine, diff_summary(theirs, mine)
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0]
    assert list(detail["partitionColumns"]) == ["ds"]
    days = sorted(str(r["ds"]) for r in df.select("ds").distinct().collect())
    assert days == PARTITION_DAYS
    hist = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").orderBy("version").collect()
    metas = [json.loads(h["userMetadata"]) for h in hist]
    assert [m["logical_date"] for m in metas] == PARTITION_DAYS
