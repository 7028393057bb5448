"""The live analytics (issue 18 §3) on the real binary: records put into the Kinesis streams
(boto3 PutRecords) → the streaming job → the streaming Delta tables → the live view, merged with
the last batch run at its boundary. Every `GET /analytics/<name>` is compared, row for row, with
the analytics tables of a `pinpipe dag run` over the union of the same rows (the batch's raw
objects + the streamed rows written as raw objects of another partition), at three points:
stream rows only (no batch run yet), right after a batch run lands, and after more stream rows.
Both median settings. Some rows are posted on both paths (the union's dag run keeps one copy,
so must the live view), and with `stream.source=rest` the stream reads the batch's own topics."""
import json
import shutil
import time
from pathlib import Path

import pytest
import requests

from kinesis_helpers import boto3_client
from rest_helpers import JSON_V2
from stream_helpers import table_rows, wait_caught_up
from test_stream_flow import wait_sink
from conftest import SHARED_DATA
from test_dag import pinpipe, seed_lake

KINDS = ("pin", "geo", "user")
NAMES = ["category_by_country", "category_by_year", "top_user_by_country", "top_country",
         "category_by_age_group", "median_followers_by_age_group", "users_joined_by_year",
         "median_followers_by_join_year", "median_followers_by_age_group_and_join_year"]
DATE = "2026-11-21"


def generated_rows(tmp, interactions, seed):
    """The raw records of `batch gen-raw` (generated rows, a fifth of them exact re-posts)."""
    lake = tmp / f"gen-{seed}"
    pinpipe(tmp / f"gen-{seed}-data", "batch", "gen-raw", "--interactions", str(interactions),
            "--seed", str(seed), "--records-per-object", "100000", "--lake", str(lake))
    out = {}
    for t in KINDS:
        lines = []
        for f in sorted((lake / "topics" / f"pinterest.{t}").rglob("*.json")):
            lines += [line for line in f.read_text().splitlines() if line.strip()]
        out[t] = lines
    return out


def put(client, rows):
    for t in KINDS:
        name = f"streaming-pinterest-{t}"
        body = rows[t]
        for i in range(0, len(body), 200):
            chunk = body[i:i + 200]
            r = client.put_records(StreamName=name, Records=[
                {"Data": line.encode(), "PartitionKey": f"k{i + j}"} for j, line in enumerate(chunk)])
            assert r["FailedRecordCount"] == 0, r


def get(srv, name):
    r = requests.get(f"{srv.url}/analytics/{name}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def wait_live(srv, data, with_batch):
    """Until the live view holds every row of the streaming tables (and the batch run's): each
    either counted or skipped as a row the batch holds already."""
    want = {t: len(table_rows(data, f"pinterest_{t}_table")) for t in KINDS}
    deadline = time.time() + 60
    while True:
        doc = get(srv, "category_by_country")
        rows_in = doc["rows_in"]
        in_batch = doc.get("stream_rows_in_batch", {})
        batch_ok = (doc["boundary"] is not None) == with_batch
        if batch_ok and all(rows_in["live"][t] - rows_in["batch"][t] + in_batch.get(t, 0) == want[t]
                            for t in KINDS):
            return doc
        assert time.time() < deadline, (doc, want)
        time.sleep(0.1)


def union_run(tmp, label, batch_lake, stream_rows, median):
    """`dag run` over the batch's raw objects + the streamed records (as a partition of their
    own): the analytics tables, as rows."""
    data = tmp / f"union-{label}"
    topics = data / "lake" / "topics"
    if batch_lake is not None:
        shutil.copytree(batch_lake / "topics", topics)
    for t in KINDS:
        if not stream_rows[t]:
            continue
        d = topics / f"pinterest.{t}" / "partition=9"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"pinterest.{t}+9+0000000000.json").write_text("\n".join(stream_rows[t]) + "\n")
    pinpipe(data, "dag", "run", "--date", DATE, sets=[f"analytics.median={median}"], timeout=180)
    return {n: table_rows(data, f"analytics/{n}") for n in NAMES}


def assert_same(srv, expected, point):
    assert all(expected[n] for n in NAMES), (point, expected)  # every table has rows to compare
    for n in NAMES:
        got = get(srv, n)
        assert got["table"] == n
        assert got["rows"] == expected[n], (point, n)


def norm(line):
    return json.dumps(json.loads(line), sort_keys=True)


def raw_lines(data):
    """The raw records of the batch's input objects in data's lake, by kind."""
    out = {}
    for t in KINDS:
        out[t] = []
        for f in sorted((data / "lake" / "topics" / f"pinterest.{t}").rglob("*.json")):
            out[t] += [line for line in f.read_text().splitlines() if line.strip()]
    return out


def interleave(a, b):
    """a's and b's lines alternating (b spread over both halves of the stream), then the rest."""
    n = min(len(a), len(b))
    return [x for pair in zip(a, b) for x in pair] + a[n:] + b[n:]


def scenario(server_factory, tmp_path, median, batch_data, stream, min_overlap=1):
    """Streams `stream` ({kind: NDJSON lines}) in two halves around a batch run over the raw
    objects already in batch_data's lake, comparing every table with a union dag run at three
    points. At least `min_overlap` streamed rows of each kind are also the batch's input."""
    batch = raw_lines(batch_data)
    for t in KINDS:
        batch_lines = {norm(line) for line in batch[t]}
        assert sum(norm(line) in batch_lines for line in stream[t]) >= min_overlap, t
    first = {"pin": stream["pin"][:len(stream["pin"]) * 5 // 8],
             # geo and user lag behind pin: some of their pins arrive in the first half, they in the second.
             "geo": stream["geo"][:len(stream["geo"]) * 3 // 8],
             "user": stream["user"][:len(stream["user"]) // 4]}
    rest = {t: stream[t][len(first[t]):] for t in KINDS}

    srv = server_factory(["scheduler.enabled=false", "stream.compact_interval_ms=0",
                          "live.poll_ms=50", f"analytics.median={median}"]).start()
    c = boto3_client(srv.url)
    for t in KINDS:
        c.create_stream(StreamName=f"streaming-pinterest-{t}", ShardCount=2)
    for t in KINDS:
        for _ in range(100):
            if c.describe_stream_summary(StreamName=f"streaming-pinterest-{t}")[
                    "StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
                break
            time.sleep(0.05)

    # 1. Stream rows only: no batch run has landed, the live view is the streamed rows.
    put(c, first)
    wait_caught_up(batch_data, {f"streaming-pinterest-{t}": len(first[t]) for t in KINDS}, no_lag=True)
    doc = wait_live(srv, batch_data, with_batch=False)
    assert doc["boundary"] is None and doc["rows_in"]["batch"] == {"pin": 0, "geo": 0, "user": 0}
    assert_same(srv, union_run(tmp_path, "1", None, first, median), "stream only")

    # 2. A batch run lands (while the server runs): the boundary moves to the versions it read.
    pinpipe(batch_data, "dag", "run", "--date", DATE, sets=[f"analytics.median={median}"], timeout=180)
    doc = wait_live(srv, batch_data, with_batch=True)
    assert doc["boundary"]["logical_date"] == DATE and doc["boundary"]["input_versions"]["pin"] >= 0
    assert doc["rows_in"]["batch"]["pin"] > 0
    if min_overlap:  # streamed rows the batch holds are not counted twice
        assert all(doc["stream_rows_in_batch"][t] > 0 for t in KINDS), doc
    assert_same(srv, union_run(tmp_path, "2", batch_data / "lake", first, median), "after the batch run")
    # The batch view alone equals the batch run's own tables.
    for n in NAMES:
        r = requests.get(f"{srv.url}/analytics/{n}?view=batch", timeout=10).json()
        assert r["view"] == "batch" and r["rows"] == table_rows(batch_data, f"analytics/{n}"), n

    # 3. More stream rows after the boundary.
    put(c, rest)
    wait_caught_up(batch_data, {f"streaming-pinterest-{t}": len(stream[t]) for t in KINDS}, no_lag=True)
    wait_live(srv, batch_data, with_batch=True)
    assert_same(srv, union_run(tmp_path, "3", batch_data / "lake", stream, median), "more stream rows")
    return srv


@pytest.mark.parametrize("median", ["lower", "interpolated"])
def test_live_view_equals_dag_run_over_the_union(server_factory, tmp_path, median):
    batch_data = tmp_path / "data"
    seed_lake(batch_data, interactions=300)  # the batch's input: raw objects in the lake
    stream = generated_rows(tmp_path, 400, seed=7)
    # Every fifth batch row is posted on the stream path too, spread over both halves.
    batch = raw_lines(batch_data)
    for t in KINDS:
        stream[t] = interleave(stream[t], batch[t][::5])
    srv = scenario(server_factory, tmp_path, median, batch_data, stream)

    # The CLI prints the same live table; `show` without --live is the batch view.
    out = pinpipe(batch_data, "analytics", "show", "top_country", "--live", "--json",
                  sets=[f"http.port={srv.port}"]).stdout
    assert json.loads(out)["rows"] == get(srv, "top_country")["rows"]
    out = pinpipe(batch_data, "analytics", "show", "top_country", "--json").stdout
    assert json.loads(out)["rows"] == table_rows(batch_data, "analytics/top_country")
    text = pinpipe(batch_data, "analytics", "show", "top_country").stdout
    assert "country" in text and "follower_count" in text, text
    for row in table_rows(batch_data, "analytics/top_country"):
        assert row["country"] in text, text
    unknown = requests.get(f"{srv.url}/analytics/nope", timeout=10)
    assert unknown.status_code == 404


@pytest.mark.parametrize("median", ["lower", "interpolated"])
def test_live_view_equals_dag_run_at_100k_generated_interactions(server_factory, tmp_path, median):
    """issue 18 §3 at scale, end to end: 100k generated interactions, half the batch's raw
    objects (`batch gen-raw`), half put into the streams with boto3; every live answer equals a
    `dag run` over the union before the batch run, right after it lands and after the rest of
    the stream. Every 50th batch row is streamed too (kept once)."""
    batch_data = tmp_path / "data"
    pinpipe(batch_data, "batch", "gen-raw", "--interactions", "50000", "--seed", "3",
            "--records-per-object", "5000")
    stream = generated_rows(tmp_path, 50000, seed=5)
    batch = raw_lines(batch_data)
    for t in KINDS:
        assert len(batch[t]) >= 50000 and len(stream[t]) >= 50000, t
        stream[t] = interleave(stream[t], batch[t][::50])
    scenario(server_factory, tmp_path, median, batch_data, stream)


@pytest.mark.parametrize("median", ["lower", "interpolated"])
def test_live_view_over_every_fixture(server_factory, tmp_path, shared_data, median):
    """The recorded fixtures (real rows of the original tables, with their sentinels and
    duplicates): every other fixture is the batch's input, the others are streamed."""
    fixtures = sorted((SHARED_DATA / "fixtures").glob("*.input.json"))
    assert len(fixtures) >= 2
    batch_rows = {t: [] for t in KINDS}
    stream = {t: [] for t in KINDS}
    for i, f in enumerate(fixtures):
        data = json.loads(f.read_text())
        for t in KINDS:
            rows = [{k: (None if v == "null" else v) for k, v in r.items()} for r in data[t]]
            (batch_rows if i % 2 == 0 else stream)[t] += [json.dumps(r) for r in rows]
    # Fixtures hold the same rows in different spellings (both datetime spellings, numbers as
    # strings): a streamed row may be decoded-equal to a batch row, which the union's dag run
    # keeps once. Every third batch row is posted on the stream path as well.
    for t in KINDS:
        stream[t] = interleave(stream[t], batch_rows[t][::3])
        assert len(stream[t]) > 50, t
    batch_data = tmp_path / "data"
    for t in KINDS:
        d = batch_data / "lake" / "topics" / f"pinterest.{t}" / "partition=0"
        d.mkdir(parents=True)
        (d / f"pinterest.{t}+0+0000000000.json").write_text("\n".join(batch_rows[t]) + "\n")
    scenario(server_factory, tmp_path, median, batch_data, stream)


def test_live_view_with_the_stream_reading_the_batchs_topics(server_factory, tmp_path, shared_data):
    """stream.source=rest: the stream job reads the topics the sink lands for the batch, so every
    batch row is a streaming row too; the live view still equals a dag run over what was posted,
    before the batch run, right after it, and after more rows."""
    srv = server_factory(["stream.source=rest", "sink.rotate_schedule_interval_ms=300", "sink.flush_size=100",
                          "scheduler.enabled=false", "stream.compact_interval_ms=0", "live.poll_ms=50"]).start()
    data = srv.data_dir
    rows = generated_rows(tmp_path, 300, seed=11)
    halves = [{t: rows[t][:len(rows[t]) // 2] for t in KINDS}, {t: rows[t][len(rows[t]) // 2:] for t in KINDS}]
    posted = {t: 0 for t in KINDS}
    s = requests.Session()

    def post_all(part):
        for t in KINDS:
            values = [json.loads(line) for line in part[t]]
            for i in range(0, len(values), 100):
                r = s.post(f"{srv.url}/topics/pinterest.{t}", headers={"Content-Type": JSON_V2},
                           data=json.dumps({"records": [{"value": v} for v in values[i:i + 100]]}), timeout=10)
                assert r.status_code == 200, r.text
            posted[t] += len(values)
        wait_caught_up(data, {f"pinterest.{t}": posted[t] for t in KINDS}, no_lag=True)
        wait_sink(data, [f"pinterest.{t}" for t in KINDS])

    post_all(halves[0])
    wait_live(srv, data, with_batch=False)
    assert_same(srv, union_run(tmp_path, "r1", data / "lake", {t: [] for t in KINDS}, "lower"), "stream only")
    pinpipe(data, "dag", "run", "--date", DATE, timeout=180)
    doc = wait_live(srv, data, with_batch=True)
    # Every streaming row is one the batch read.
    assert doc["stream_rows_in_batch"] == {t: len(table_rows(data, f"pinterest_{t}_table")) for t in KINDS}, doc
    assert_same(srv, union_run(tmp_path, "r2", data / "lake", {t: [] for t in KINDS}, "lower"), "after the batch run")
    post_all(halves[1])
    wait_live(srv, data, with_batch=True)
    assert_same(srv, union_run(tmp_path, "r3", data / "lake", {t: [] for t in KINDS}, "lower"), "more rows")
