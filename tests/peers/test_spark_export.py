"""`pinpipe dag export --spark DIR` run by Apache Spark (the `spark` peer): the exported PySpark
job reads the raw lake that `pinpipe dag run` read and writes the same Delta tables — clean
pin/geo/user, quarantine_*, the nine analytics — with the same schema and, row for row, the same
values, for the 15 fixture inputs of ../shared/data/fixtures (skipped when absent), 100k
generated interactions, and a lake of hand-written dirty records (every decoding and cleaning
rule: ind/index, numbers as strings, both datetime spellings, sentinels, follower counts,
duplicates over decoded values, records to quarantine).

Tables are read with pinpipe's own reader (`pinpipe lake show|schema`, which
test_spark_lake.py holds equal to Spark's reading) and compared as multisets of canonical rows
(conftest.canon): every value exactly, doubles by their repr (the job computes the interpolated median with pinpipe's formula in
IEEE doubles, so no tolerance is needed). The one difference allowed is the wording of a JSON
syntax error in a quarantine reason: pinpipe reports simdjson's message (sometimes naming the
field whose value it could not parse), the job Python's, so a reason containing "invalid JSON"
is compared as just "invalid JSON".

One SparkContext for the module; the exported job is imported from the export directory and
run in it (as spark-submit would run its main()); the fixture lakes run four at a time."""
import importlib.util
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import (BIN, DATE, FIXTURES, canon_rows, delta_tables, diff_summary, pinpipe,
                      pp_rows, pp_schema, require_peer, schema_kinds)

LAKE_NAMES = sorted(f.name.replace(".input.json", "") for f in FIXTURES.glob("*.input.json")) \
    if FIXTURES.exists() else []
LAKE_NAMES.append("generated-100k")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    require_peer("spark")
    from spark_session import make_session
    s = make_session(tmp_path_factory.mktemp("spark"), "pinpipe-spark-export-tests")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """The exported job, imported as a module (its settings file checked on the way)."""
    d = tmp_path_factory.mktemp("export")
    data = d / "pinpipe-data"
    data.mkdir()
    out = subprocess.run([BIN, "--set", f"data.dir={data}", "--set", "analytics.median=interpolated",
                          "dag", "export", "--spark", str(d / "job")],
                         capture_output=True, text=True, cwd=d)
    assert out.returncode == 0, out.stderr
    cfg = json.loads((d / "job" / "pinterest_batch_spark.json").read_text())
    assert cfg["lake"] == str(data / "lake") and cfg["median"] == "interpolated", cfg
    assert cfg["topics_dir"] == "topics" and cfg["pipeline_id"] == "pinterest", cfg
    spec = importlib.util.spec_from_file_location("pinterest_batch_spark",
                                                  d / "job" / "pinterest_batch_spark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["pinterest_batch_spark"] = module
    return module


def normalized_reason(reason):
    return "invalid JSON" if "invalid JSON" in reason else reason


def table_rows(path, name):
    """(column kinds, Counter of canonical rows) of a Delta table, read by pinpipe's reader
    (which tests/peers/test_spark_lake.py holds equal to Spark's for pinpipe's tables and for
    what Spark writes)."""
    kinds = schema_kinds(pp_schema(path))
    rows = pp_rows(path)
    if name.startswith("quarantine_"):
        rows = [dict(r, reason=normalized_reason(r["reason"])) for r in rows]
    return kinds, canon_rows(rows, kinds)


def assert_same_tables(data_dir, spark_delta, where):
    """Every table `pinpipe dag run` wrote in data_dir equals its namesake under spark_delta:
    same columns and types, the same multiset of rows."""
    ours = delta_tables(data_dir)
    assert len(ours) == 15, sorted(ours)
    mismatches = []
    for name, path in sorted(ours.items()):
        other = Path(spark_delta) / name
        if not (other / "_delta_log").is_dir():
            mismatches.append(f"{name}: not written by the Spark job")
            continue
        ka, a = table_rows(path, name)
        kb, b = table_rows(other, name)
        if list(ka.items()) != list(kb.items()):
            mismatches.append(f"{name}: schema {ka} (pinpipe) vs {kb} (Spark job)")
        elif a != b:
            mismatches.append(f"{name}: {diff_summary(a, b)}")
    assert not mismatches, f"{where}:\n" + "\n".join(mismatches)


def run_job(spark, job, data_dir, out, median="lower"):
    return job.run(spark, lake=str(Path(data_dir) / "lake"), out=str(out), median=median,
                   log=lambda line: None)


@pytest.fixture(scope="module")
def fixture_outputs(spark, job, lakes, tmp_path_factory):
    """The job over every fixture lake, four at a time (each in its own SparkSession of the one
    SparkContext: separate temp views): the small lakes' time is mostly Delta commits and job
    scheduling on the driver, which overlap. name -> (counts, output dir) or the exception."""
    root = tmp_path_factory.mktemp("spark-out")
    names = [n for n in LAKE_NAMES if n in lakes and n != "generated-100k"]

    def one(name):
        try:
            return name, (run_job(spark.newSession(), job, lakes[name], root / name), root / name)
        except Exception as e:  # reported by the lake's own test
            return name, e

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(one, names))


@pytest.mark.parametrize("name", LAKE_NAMES)
def test_exported_job_writes_pinpipes_tables(spark, job, lakes, fixture_outputs, name, tmp_path):
    if name not in lakes:
        pytest.skip(f"{name}: ../shared/data is not there")
    if name == "generated-100k":  # one pass over the big lake
        counts, out = run_job(spark, job, lakes[name], tmp_path / "delta"), tmp_path / "delta"
    else:
        result = fixture_outputs[name]
        if isinstance(result, Exception):
            raise result
        counts, out = result
    assert counts["pin"] > 0 and counts["geo"] > 0 and counts["user"] > 0, counts
    assert_same_tables(lakes[name], out, name)


# --- hand-written dirty records: every rule of the decoder and the cleaning ----------------------
DIRTY = {
    "pin": [
        '{"index": "1", "unique_id": "a", "title": "", "description": "No description available",'
        ' "poster_name": "User Info Error", "follower_count": "12k", "tag_list":'
        ' "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "is_image_or_video": "image", "image_src":'
        ' "Image src error.", "downloaded": "1", "save_location": "Local save in /data/art",'
        ' "category": "art"}',
        # the same row with numbers as numbers and ind instead of index: a duplicate
        '{"ind": 1, "unique_id": "a", "title": "", "description": "No description available",'
        ' "poster_name": "User Info Error", "follower_count": "12k", "tag_list":'
        ' "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "is_image_or_video": "image", "image_src":'
        ' "Image src error.", "downloaded": 1, "save_location": "Local save in /data/art",'
        ' "category": "art"}',
        '{"ind": 2, "index": "x", "title": "No Title Data Available", "follower_count": "3M",'
        ' "poster_name": "Ann", "category": "art", "save_location": "/data/x"}',
        '{"ind": 3, "follower_count": "2147483647", "poster_name": "Bob", "category": "art"}\r',
        '{"ind": 4, "follower_count": "2147484k", "poster_name": "Cy", "category": "travel"}',
        '{"ind": 5, "follower_count": 123, "poster_name": 42.50, "category": "travel",'
        ' "unknown": {"nested": [1, 2]}}',
        '{"ind": 6, "follower_count": "007", "poster_name": null, "category": null}',
        '{"ind": 7, "follower_count": "1.5k", "poster_name": "Dee", "category": "art"}',
        '{"ind": 8, "follower_count": "00000000000000000000000000001M", "poster_name": "Eve",'
        ' "category": "art"}',
        '{"ind": 9, "follower_count": "99999999999999999999999", "poster_name": "Fay",'
        ' "category": "art"}',
        '{"ind": 10, "follower_count": "No description available Story format",'
        ' "poster_name": "Gus", "category": "beauty"}',
        '{"ind": 11, "follower_count": "12k", "poster_name": "Hal", "category": "beauty"}',
        '   ',
        '',
        '{"index": 12, "ind": "12", "follower_count": "5", "category": "beauty"}',
        # to quarantine
        '{"ind": "1.5", "category": "art"}',
        '{"ind": true}',
        '{"category": "art"}',
        '{"ind": 13, "title": ["a"]}',
        '{"ind": 14, "downloaded": 1.0}',
        '{"ind": 15} trailing',
        '[1, 2]',
        'not json',
        '{"ind": 16, "follower_count": NaN}',
        '{"ind": 99999999999999999999}',
        '{"index": "+5"}',
        '{"index": "1_000"}',
        '{"ind": 17, "title": "\\ud800"}',
    ],
    "geo": [
        '{"ind": 1, "timestamp": "2019-03-04 05:06:07", "latitude": "-12.5", "longitude": 3,'
        ' "country": "Albania"}',
        '{"ind": "1", "timestamp": "2019-03-04T05:06:07Z", "latitude": -12.5, "longitude": "3",'
        ' "country": "Albania"}',
        '{"ind": 2, "timestamp": "2018-12-31T23:59:59.123456", "latitude": -0.0,'
        ' "longitude": 0.0, "country": "Chad"}',
        '{"ind": 2, "timestamp": "2018-12-31 23:59:59.123456", "latitude": 0.0,'
        ' "longitude": -0.0, "country": "Chad"}',
        '{"ind": 3, "timestamp": "2022-01-01 00:00:00", "latitude": null, "country": "Chad"}',
        '{"ind": 4, "timestamp": null, "latitude": "1e2", "longitude": ".5", "country": null}',
        '{"ind": 5, "timestamp": "2020-02-29 12:00:00.5Z", "latitude": 1, "longitude": 2,'
        ' "country": "+50land"}',
        '{"ind": 6, "timestamp": "2020-02-29 12:00:00.5Z", "latitude": 1, "longitude": 2,'
        ' "country": "Bhutan"}',
        '{"ind": 7, "timestamp": "2021-02-29 00:00:00"}',
        '{"ind": 8, "timestamp": "2021-01-01 24:00:00"}',
        '{"ind": 9, "timestamp": "2021-01-01 00:00:00.1234567"}',
        '{"ind": 10, "timestamp": 1600000000}',
        '{"ind": 11, "latitude": "inf"}',
        '{"ind": 12, "latitude": "+1"}',
        '{"ind": 13, "latitude": "1e999"}',
        '{"ind": 14, "latitude": 1e999}',
    ],
    "user": [
        '{"ind": 1, "first_name": "Ann", "last_name": "Lee", "age": "20",'
        ' "date_joined": "2015-06-01 10:00:00"}',
        '{"index": 1, "first_name": "Ann", "last_name": "Lee", "age": 20,'
        ' "date_joined": "2015-06-01T10:00:00"}',
        '{"ind": 2, "first_name": "Bob", "last_name": null, "age": 30,'
        ' "date_joined": "2016-01-01 00:00:00"}',
        '{"ind": 3, "first_name": "Cy", "last_name": "Ng", "age": 3000000000,'
        ' "date_joined": "2016-01-01 00:00:00"}',
        '{"ind": 4, "first_name": "Dee", "last_name": "Ox", "age": 51,'
        ' "date_joined": "2014-01-01 00:00:00"}',
        '{"ind": 5, "first_name": "Eve", "last_name": "Po", "age": 17}',
        '{"ind": 6, "first_name": "Fay", "last_name": "Qu", "age": 50,'
        ' "date_joined": "2020-12-31 23:59:59"}',
        '{"ind": 11, "first_name": "Hal", "last_name": "Ro", "age": 36,'
        ' "date_joined": "2020-01-01 00:00:00"}',
        '{"ind": 12, "first_name": "Ann", "last_name": "Lee", "age": 24,'
        ' "date_joined": "2015-07-01 00:00:00"}',
        '{"ind": 7, "age": "x"}',
        '{"ind": 8, "age": 1.5}',
    ],
}


@pytest.fixture(scope="module")
def dirty_lake(tmp_path_factory):
    """Dirty records over two objects per topic (the first occurrence of a duplicate is in the
    earlier object), one line of invalid UTF-8, then `pinpipe dag run` over them."""
    d = tmp_path_factory.mktemp("dirty")
    for kind, lines in DIRTY.items():
        topic = f"pinterest.{kind}"
        part = d / "lake" / "topics" / topic / "partition=0"
        part.mkdir(parents=True)
        half = len(lines) // 2
        (part / f"{topic}+0+0000000000.json").write_bytes(
            ("\n".join(lines[:half]) + "\n").encode() + b'{"ind": 90, "title": "\xff\xfe"}\n')
        (part / f"{topic}+0+0000001000.json").write_text("\n".join(lines[half:]))
    pinpipe(d, "dag", "run", "--date", DATE)
    return d


@pytest.mark.parametrize("median", ["lower", "interpolated"])
def test_exported_job_on_dirty_records(spark, job, dirty_lake, median, tmp_path):
    data_dir = dirty_lake
    if median == "interpolated":
        data_dir = tmp_path / "data"
        shutil.copytree(dirty_lake / "lake" / "topics", data_dir / "lake" / "topics")
        pinpipe(data_dir, "--set", "analytics.median=interpolated", "dag", "run", "--date", DATE)
    counts = run_job(spark, job, data_dir, tmp_path / "delta", median=median)
    assert counts["quarantine_pin"] >= 10 and counts["quarantine_geo"] >= 7, counts
    assert_same_tables(data_dir, tmp_path / "delta", f"dirty records, {median} median")
