"""The logical date selects data (issue 19 §2), on the real binary: the sink writes Confluent's
time-based layout by record time; with dag.data_selection=interval a backfill over three days
reads each day's objects only and writes one `ds` partition per day into the clean tables;
rerunning one day replaces only that day's partition (Delta replaceWhere), in one commit that
carries the run id and logical date (commitInfo.userMetadata, `pinpipe lake history`); the
analytics cover every date. With the default layout a day's input is what the sink landed that
day."""
import json
import os
import subprocess
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import BIN
from rest_helpers import produce_json
from test_dag import pinpipe

DAYS = {"2026-11-01": 5, "2026-11-02": 7, "2026-11-03": 3}  # interactions per day
INTERVAL = ["dag.data_selection=interval", "dag.sink_wait_s=30"]
TIME_LAYOUT = ["sink.partitioner_class=daily", "sink.timestamp_extractor=RecordField",
               "sink.timestamp_field=event_time"]


def interaction(i, day):
    t = f"{day} 12:00:00"
    pin = {"index": i, "unique_id": f"u{i}", "title": "t", "description": "d",
           "poster_name": "p", "follower_count": "5k", "tag_list": "a",
           "is_image_or_video": "image", "image_src": "s", "downloaded": 1,
           "save_location": "Local save in /data/art", "category": "art", "event_time": t}
    geo = {"ind": i, "timestamp": "2020-01-01 00:00:00", "latitude": 1.0, "longitude": 2.0,
           "country": "Aruba", "event_time": t}
    user = {"ind": i, "first_name": "A", "last_name": "B", "age": 30,
            "date_joined": "2016-01-01 00:00:00", "event_time": t}
    return {"pinterest.pin": pin, "pinterest.geo": geo, "pinterest.user": user}


def post_days(server_factory, sets):
    """Posts DAYS' interactions (distinct ind per day) and lands them with `sink --once`."""
    srv = server_factory(["sink.enabled=false", "scheduler.enabled=false"] + sets).start()
    ind = 0
    for day, n in DAYS.items():
        for _ in range(n):
            for topic, v in interaction(ind, day).items():
                r = produce_json(srv.url, topic, [v])
                assert r.status_code == 200, r.text
            ind += 1
    srv.stop()
    data = srv.data_dir
    sink = subprocess.run([BIN, "--set", f"data.dir={data}"] + sum((["--set", s] for s in sets), [])
                          + ["sink", "--once"], capture_output=True, text=True, timeout=60)
    assert sink.returncode == 0, sink.stderr
    return data


def delta_log(table):
    """(partitionColumns, active add actions by path, commits) replayed from _delta_log."""
    active, parts, commits = {}, None, []
    for f in sorted((Path(table) / "_delta_log").glob("*.json")):
        actions = [json.loads(l) for l in f.read_text().splitlines() if l.strip()]
        commits.append(actions)
        for a in actions:
            if "metaData" in a:
                parts = a["metaData"]["partitionColumns"]
            elif "add" in a:
                active[a["add"]["path"]] = a["add"]
            elif "remove" in a:
                active.pop(a["remove"]["path"], None)
    return parts, active, commits


def rows_by_ds(data, table):
    out = pinpipe(data, "lake", "show", str(Path(data) / "lake" / "delta" / table),
                  "--format", "ndjson", "--limit", "0").stdout
    text = out.strip()
    rows = json.loads(text) if text.startswith("[") else [json.loads(l) for l in text.splitlines() if l]
    return Counter(r["ds"] for r in rows), rows


@pytest.fixture
def time_lake(server_factory):
    return post_days(server_factory, TIME_LAYOUT)


def test_sink_writes_the_daily_layout_by_record_time(time_lake):
    keys = sorted(str(p.relative_to(Path(time_lake) / "lake"))
                  for p in (Path(time_lake) / "lake" / "topics").rglob("*.json"))
    assert "topics/pinterest.pin/year=2026/month=11/day=01/pinterest.pin+0+0000000000.json" in keys, keys
    assert "topics/pinterest.pin/year=2026/month=11/day=02/pinterest.pin+0+0000000005.json" in keys, keys
    assert "topics/pinterest.geo/year=2026/month=11/day=03/pinterest.geo+0+0000000012.json" in keys, keys
    assert not [k for k in keys if "partition=" in k]


def test_backfill_writes_one_partition_per_day_and_a_rerun_rewrites_only_its_day(time_lake):
    data = time_lake
    sets = TIME_LAYOUT + INTERVAL
    pinpipe(data, "dag", "backfill", "--from", "2026-11-01", "--to", "2026-11-03", sets=sets,
            timeout=180)
    for table in ("pin", "geo", "user"):
        parts, active, _ = delta_log(Path(data) / "lake" / "delta" / table)
        assert parts == ["ds"], table
        assert {a["partitionValues"]["ds"] for a in active.values()} == set(DAYS), table
        assert all(p.startswith("ds=" + a["partitionValues"]["ds"] + "/") for p, a in active.items())
        counts, rows = rows_by_ds(data, table)
        assert counts == Counter(DAYS), (table, counts)
    # Each day's rows are that day's records: ind 0-4 on the 1st, 5-11 on the 2nd, 12-14 on the 3rd.
    _, rows = rows_by_ds(data, "geo")
    by_day = {}
    for r in rows:
        by_day.setdefault(r["ds"], set()).add(int(r["ind"]))
    assert by_day == {"2026-11-01": set(range(0, 5)), "2026-11-02": set(range(5, 12)),
                      "2026-11-03": set(range(12, 15))}
    # The analytics are computed over every date.
    analyze = pinpipe(data, "dag", "show", sets=sets).stdout
    assert "analyze" in analyze

    # Rerun one day: one commit that removes only that day's files and adds new ones.
    pin = Path(data) / "lake" / "delta" / "pin"
    _, before, commits_before = delta_log(pin)
    pinpipe(data, "dag", "run", "--date", "2026-11-02", sets=sets, timeout=120)
    _, after, commits = delta_log(pin)
    assert len(commits) == len(commits_before) + 1
    last = commits[-1]
    removed = {a["remove"]["path"] for a in last if "remove" in a}
    added = {a["add"]["path"] for a in last if "add" in a}
    assert removed == {p for p, a in before.items() if a["partitionValues"]["ds"] == "2026-11-02"}
    assert added and all(p.startswith("ds=2026-11-02/") for p in added)
    assert {p for p in after if not p.startswith("ds=2026-11-02/")} == \
           {p for p in before if not p.startswith("ds=2026-11-02/")}
    info = next(a["commitInfo"] for a in last if "commitInfo" in a)
    assert info["operationParameters"]["predicate"] == "[\"(ds = '2026-11-02')\"]"
    meta = json.loads(info["userMetadata"])
    assert meta["logical_date"] == "2026-11-02" and meta["task_id"] == "clean_pin" and meta["run_id"]
    counts, _ = rows_by_ds(data, "pin")
    assert counts == Counter(DAYS)

    # `lake history` shows the run and the date.
    hist = pinpipe(data, "lake", "history", str(pin)).stdout
    assert "userMetadata" in hist and '{"logical_date":"2026-11-02","run_id":"' in hist, hist
    hist_json = pinpipe(data, "lake", "history", str(pin), "--format", "ndjson").stdout
    assert meta["run_id"] in hist_json and '"userMetadata":' in hist_json

    # The manifest records the interval it selected.
    manifest = json.loads((Path(data) / "lake" / "manifests" / "pinterest_batch" /
                           "2026-11-02.json").read_text())
    assert manifest["selection"] == "interval"
    assert all("/day=02/" in o["key"] for t in manifest["topics"] for o in t["objects"])


def test_a_day_without_data_is_no_input_and_all_reads_everything(time_lake):
    data = time_lake
    proc = pinpipe(data, "dag", "run", "--date", "2026-11-04", sets=TIME_LAYOUT + INTERVAL,
                   check=False, timeout=120)
    assert proc.returncode == 1
    assert "no raw objects of 2026-11-04" in proc.stdout + proc.stderr
    # The original behaviour: every run reads the whole lake into unpartitioned tables.
    pinpipe(data, "dag", "run", "--date", "2026-11-04", sets=TIME_LAYOUT, timeout=120)
    parts, active, _ = delta_log(Path(data) / "lake" / "delta" / "pin")
    assert parts == []
    assert all(a["partitionValues"] == {} for a in active.values())


def test_default_layout_selects_what_the_sink_landed_that_day(server_factory):
    data = post_days(server_factory, [])
    # The objects' landing times, as if the sink had landed them on three days.
    objects = sorted((Path(data) / "lake" / "topics").rglob("*.json"))
    assert objects
    landed = {}
    for i, p in enumerate(objects):
        day = list(DAYS)[i % 3]
        t = datetime.fromisoformat(day + "T06:00:00+00:00").timestamp()
        os.utime(p, (t, t))
        landed.setdefault(day, 0)
        landed[day] += 1
    pinpipe(data, "dag", "backfill", "--from", "2026-11-01", "--to", "2026-11-03", sets=INTERVAL,
            timeout=180)
    for day, n in landed.items():
        manifest = json.loads((Path(data) / "lake" / "manifests" / "pinterest_batch" /
                               f"{day}.json").read_text())
        assert sum(len(t["objects"]) for t in manifest["topics"]) == n, day
    parts, active, _ = delta_log(Path(data) / "lake" / "delta" / "geo")
    assert parts == ["ds"]
    assert {a["partitionValues"]["ds"] for a in active.values()} == set(landed)


def test_switching_the_setting_repartitions_the_tables_in_one_commit(time_lake):
    data = time_lake
    pin = Path(data) / "lake" / "delta" / "pin"
    pinpipe(data, "dag", "run", "--date", "2026-11-01", sets=TIME_LAYOUT + INTERVAL, timeout=120)
    assert delta_log(pin)[0] == ["ds"]
    # all: the whole lake, unpartitioned, replacing the partitioned table in one overwrite.
    pinpipe(data, "dag", "run", "--date", "2026-11-02", sets=TIME_LAYOUT, timeout=120)
    parts, active, commits = delta_log(pin)
    assert parts == [] and len(commits) == 2
    assert any("metaData" in a for a in commits[-1])
    out = pinpipe(data, "lake", "show", str(pin), "--format", "ndjson", "--limit", "0").stdout
    assert len([l for l in out.splitlines() if l.strip()]) == sum(DAYS.values())
    # interval again: partitioned by ds, holding only the run's day.
    pinpipe(data, "dag", "run", "--date", "2026-11-03", sets=TIME_LAYOUT + INTERVAL, timeout=120)
    parts, active, _ = delta_log(pin)
    assert parts == ["ds"]
    assert rows_by_ds(data, "pin")[0] == Counter({"2026-11-03": DAYS["2026-11-03"]})


def analyze_rows_in(data_dir):
    import sqlite3
    con = sqlite3.connect(Path(data_dir) / "state" / "runs.db")
    return con.execute("SELECT records_in FROM task_instances WHERE task_id = 'analyze' "
                       "ORDER BY run_pk DESC LIMIT 1").fetchone()[0]


def test_analytics_cover_every_date_or_a_window_when_asked(time_lake):
    data = time_lake
    sets = TIME_LAYOUT + INTERVAL
    pinpipe(data, "dag", "backfill", "--from", "2026-11-01", "--to", "2026-11-03", sets=sets,
            timeout=180)
    assert analyze_rows_in(data) == 3 * sum(DAYS.values())  # pin + geo + user rows of all dates
    out = pinpipe(data, "dag", "run", "--date", "2026-11-03",
                  sets=sets + ["dag.analytics_window_days=2"], timeout=120).stdout
    assert "window ds 2026-11-02 .. 2026-11-03" in out, out
    assert analyze_rows_in(data) == 3 * (DAYS["2026-11-02"] + DAYS["2026-11-03"])
