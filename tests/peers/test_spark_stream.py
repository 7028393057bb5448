"""Spark reads the streaming job's `<id>_pin_table` while `pinpipe serve` writes it (issue 18 §4):

- batch reads by version (`versionAsOf`) and of the latest snapshot never see a partial batch: a
  snapshot's row count is the sum of the STREAMING UPDATE commits' numOutputRows up to its
  version, and a read of the latest snapshot counts one of those prefix sums;
- after the log cleanup by retention (log files aged past delta.logRetentionDuration, then the
  job's next checkpoint deletes those before the checkpoint at the cut-off) Spark reads the
  table and time-travels through the kept checkpoint (the deleted versions fail cleanly);
- a Spark Structured Streaming query reading the table as a Delta source (`readStream
  .format("delta")`, foreachBatch) while pinpipe appends and while the background compaction
  commits (`dataChange=false`) receives every row of the final table exactly once.

One feed, one Spark session: the reads and the streaming query run during the same feed.
Runs under the `spark` peer's venv (tests/peers/peer spark install)."""
import json
import threading
import time
from collections import Counter

import pytest

from conftest import (FIXTURES, canon_rows, diff_summary, pp_rows, pp_schema, require_peer,
                      schema_kinds)
from stream_feed import Server, committed_rows_by_version, expire_log, fixture_lines, log_versions

TABLE = "pinterest_pin_table"
SETS = ["stream.source=rest", "stream.max_batch_records=200"]


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    require_peer("spark")
    from spark_session import make_session
    s = make_session(tmp_path_factory.mktemp("spark-stream"), "pinpipe-stream-peer")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def run(spark, tmp_path_factory):
    """Feeds the pin fixture rows to `pinpipe serve` in small requests (so many small batches and
    several compactions) while Spark reads and streams the pin table. Returns what was seen."""
    if not FIXTURES.exists():
        pytest.skip("../shared/data/fixtures absent")
    work = tmp_path_factory.mktemp("stream")
    data = work / "data"
    path = data / "lake" / "delta" / TABLE
    lines = fixture_lines("pin")
    # Compaction every 500 ms once 4 small files pile up: OPTIMIZE commits land between appends.
    server = Server(data, SETS + ["stream.compact_interval_ms=500", "stream.compact_min_files=4"])
    seen = {"reads": [], "latest": [], "errors": [], "batches": []}
    received = []
    try:
        chunk = 40
        server.produce("pin", lines[:chunk * 5], batch=chunk)
        server.wait_committed({"pin": chunk * 5})

        def on_batch(df, batch_id):
            rows = [r.asDict(recursive=True) for r in df.collect()]
            seen["batches"].append((batch_id, len(rows)))
            received.extend(rows)

        seen["start_version"] = max(int(p.name[:20]) for p in (path / "_delta_log").glob("*.json"))
        query = (spark.readStream.format("delta").option("maxFilesPerTrigger", 8).load(str(path))
                 .writeStream.foreachBatch(on_batch)
                 .option("checkpointLocation", str(work / "spark-checkpoint"))
                 .trigger(processingTime="0 seconds").start())

        starts = list(range(chunk * 5, len(lines), chunk))
        reads_wanted = 8

        def feed():
            # Paced by the reader, so that its reads spread over the whole feed however slow
            # Spark is on this machine: chunk i waits for i * reads_wanted / chunks reads.
            for i, start in enumerate(starts):
                while len(seen["reads"]) + len(seen["errors"]) < i * reads_wanted // len(starts):
                    time.sleep(0.05)
                server.produce("pin", lines[start:start + chunk], batch=chunk)
                time.sleep(0.1)

        feeder = threading.Thread(target=feed)
        feeder.start()
        try:
            while feeder.is_alive():
                versions = sorted(int(p.name[:20]) for p in (path / "_delta_log").glob("*.json"))
                v = versions[-1]
                try:
                    n = spark.read.format("delta").option("versionAsOf", v).load(str(path)).count()
                    seen["latest"].append(spark.read.format("delta").load(str(path)).count())
                    seen["reads"].append((v, n))
                except Exception as e:  # noqa: BLE001 — a reader error fails the test below
                    seen["errors"].append(f"version {v}: {e}")
        finally:
            feeder.join()
        server.wait_committed({"pin": len(lines)})
        # Let the compaction thread run once more over the last batches' files.
        time.sleep(1.5)
        query.processAllAvailable()
        if query.exception() is not None:
            seen["errors"].append(f"streaming query: {query.exception()}")
        query.stop()
    finally:
        server.stop()
    seen["received"] = received
    seen["lines"] = lines
    return data, path, seen


@pytest.fixture(scope="module")
def cleaned(run):
    """The same table after its log expired and the next checkpoint cleaned it up."""
    data, path, seen = run
    rows_at, aged, kept = expire_log(data, path, SETS, seen["lines"][0])
    return path, rows_at, aged, kept


def test_spark_reads_by_version_never_see_a_partial_batch(run):
    _, path, seen = run
    assert seen["errors"] == [], seen["errors"][:3]
    assert len(seen["reads"]) >= 6, seen["reads"]
    rows_at = committed_rows_by_version(path)
    bad = [(v, n, rows_at[v]) for v, n in seen["reads"] if n != rows_at[v]]
    assert bad == [], f"(version, Spark's count, the commits' rows): {bad[:5]}"
    # Reads of the latest snapshot (no version given) count whole batches too.
    prefix_sums = set(rows_at.values())
    assert [n for n in seen["latest"] if n not in prefix_sums] == []
    # Some of the reads happened while batches were still arriving.
    assert min(n for _, n in seen["reads"]) < max(rows_at.values())


def test_spark_structured_streaming_receives_every_row_exactly_once(run):
    _, path, seen = run
    assert seen["errors"] == [], seen["errors"][:3]
    history = [(int(p.name[:20]), json.loads(line).get("commitInfo"))
               for p in sorted((path / "_delta_log").glob("*.json"))
               for line in p.read_text().splitlines()]
    ops = Counter(ci["operation"] for _, ci in history if ci)
    # The query ran across compactions (dataChange=false): they must not be delivered again.
    assert any(v > seen["start_version"] and ci["operation"] == "OPTIMIZE"
               for v, ci in history if ci), ops
    assert ops["STREAMING UPDATE"] >= 20, ops
    ids = [b for b, _ in seen["batches"]]
    assert len(ids) == len(set(ids)) and len(ids) >= 2, seen["batches"]
    kinds = schema_kinds(pp_schema(str(path)))
    table = canon_rows(pp_rows(str(path)), kinds)
    got = canon_rows(seen["received"], kinds)
    assert got == table, "streamed vs final table: " + diff_summary(got, table)


def test_spark_describe_history_shows_the_streaming_updates(spark, run):
    """Spark's DESCRIBE HISTORY of the streaming table (before the log cleanup): one row per
    commit, newest first; each batch a STREAMING UPDATE with Spark's parameters (outputMode
    Append, the job's queryId, epochId = the commit's txn version) and Spark's streaming metrics
    (DeltaOperationMetrics.STREAMING_UPDATE) equal to the commit's own add actions."""
    _, path, _ = run
    hist = [r.asDict(recursive=True)
            for r in spark.sql(f"DESCRIBE HISTORY delta.`{path}`").collect()]
    versions = sorted(int(p.name[:20]) for p in path.joinpath("_delta_log").glob("*.json"))
    assert [h["version"] for h in hist] == versions[::-1]
    assert hist[-1]["operation"] == "CREATE TABLE"
    streaming = [h for h in hist if h["operation"] == "STREAMING UPDATE"]
    assert len(streaming) >= 20 and {h["operation"] for h in hist} == \
        {"CREATE TABLE", "STREAMING UPDATE", "OPTIMIZE"}, Counter(h["operation"] for h in hist)
    query_ids = set()
    for h in streaming:
        v = h["version"]
        actions = [json.loads(line) for line in
                   path.joinpath("_delta_log", f"{v:020d}.json").read_text().splitlines() if line]
        txn = [a["txn"] for a in actions if "txn" in a]
        adds = [a["add"] for a in actions if "add" in a]
        params = h["operationParameters"]
        assert set(params) == {"outputMode", "queryId", "epochId"} and params["outputMode"] == "Append", h
        assert len(txn) == 1 and txn[0]["appId"] == params["queryId"] and \
            int(params["epochId"]) == txn[0]["version"], (v, params, txn)
        query_ids.add(params["queryId"])
        assert h["operationMetrics"] == {
            "numAddedFiles": str(len(adds)), "numRemovedFiles": "0",
            "numOutputRows": str(sum(json.loads(a["stats"])["numRecords"] for a in adds)),
            "numOutputBytes": str(sum(a["size"] for a in adds))}, (v, h["operationMetrics"])
        assert h["isBlindAppend"] is True and h["readVersion"] is not None and h["readVersion"] < v
        assert h["engineInfo"].startswith("pinpipe/")
    # One query wrote them all, its epochs counting up one batch at a time (a batch without pin
    # rows commits nothing to this table, so gaps are allowed, repeats are not).
    epochs = [int(h["operationParameters"]["epochId"]) for h in streaming[::-1]]
    assert len(query_ids) == 1 and epochs == sorted(set(epochs)), epochs


def test_spark_reads_and_time_travels_after_the_log_cleanup(spark, cleaned):
    path, rows_at, aged, kept = cleaned
    commits = log_versions(path)
    # Everything below the kept checkpoint went; it and every later commit stayed.
    assert kept >= 10 and commits[0] == kept, (kept, commits[:3])
    assert commits == list(range(kept, commits[-1] + 1))
    assert log_versions(path, ".checkpoint.parquet")[0] == kept
    kinds = schema_kinds(pp_schema(str(path)))
    mine = canon_rows(pp_rows(str(path)), kinds)
    theirs = canon_rows((r.asDict(recursive=True)
                         for r in spark.read.format("delta").load(str(path)).collect()), kinds)
    assert theirs == mine, "Spark after cleanup: " + diff_summary(theirs, mine)
    # Rows at the versions after the aged ones: the aged total plus the later commits' rows.
    later = committed_rows_by_version(path)  # sums from `kept` on: shift by the aged total
    at = {v: rows_at[aged] + later[v] - later[aged] for v in later if v > aged}
    # Spark time-travels through the kept checkpoint to every version written after the aging;
    # the aged versions themselves it refuses by its own rule (their commit files are 40 days
    # old, past delta.deletedFileRetentionDuration), so pinpipe time-travels to those.
    for v in sorted({min(at), max(at)}):
        n = spark.read.format("delta").option("versionAsOf", v).load(str(path)).count()
        assert n == at[v], (v, n, at[v])
    # (kept + 1 exists among the aged versions unless the last aged commit was a checkpoint.)
    for v in sorted({kept, kept + 1, aged} & rows_at.keys()):
        assert len(pp_rows(str(path), v)) == rows_at[v], v
    with pytest.raises(Exception) as e:
        spark.read.format("delta").option("versionAsOf", kept - 1).load(str(path)).count()
    assert "time travel" in str(e.value).lower() or "version" in str(e.value).lower()
