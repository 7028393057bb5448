"""The dashboard's record trace when the lake is on S3 (a private moto_server of the moto peer):
the sink's object, the clean Delta commit and the exact Parquet part file and row holding the
record are all found through the object store, and what they name is read back from the bucket."""
import json
import os
import subprocess

import boto3
import pytest
import requests

from conftest import BIN, wait_for
from test_daily_runs import post_interactions

UI = "/ui/api"


def s3_lake_server(moto, server_factory):
    """A server whose lake is s3://lake/pp on moto, with 10 interactions posted; (server, client)."""
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="lake")
    env = {k: "" for k in os.environ if k.startswith("AWS_")}  # only the s3.* keys
    s = server_factory(["sink.flush_size=5", "dag.clean_chunk_bytes=1", "lake.uri=s3://lake/pp",
                        f"s3.endpoint={moto}", "s3.region=us-east-1", "s3.access_key_id=testing",
                        "s3.secret_access_key=testing"], env=env).start()
    post_interactions(s.url, n=10)  # pinterest.pin offsets 0..9 → objects +0 (0–4) and +5 (5–9)
    return s, s3


def run_batch(s, date="2026-11-22"):
    csrf = requests.get(s.url + UI + "/session").json()["csrf"]
    r = requests.post(s.url + UI + "/dags/pinterest_batch/trigger", json={"date": date},
                      headers={"x-csrf-token": csrf})
    assert r.status_code == 202, r.text
    runs = wait_for(lambda: [x for x in requests.get(s.url + UI + "/dags").json()["runs"]
                             if x["logical_date"] == date and x["state"] in ("success", "failed")],
                    timeout=120, step=0.5)
    assert runs and runs[0]["state"] == "success", runs
    return runs


def test_record_trace_through_an_s3_lake(moto, server_factory, tmp_path):
    s, s3 = s3_lake_server(moto, server_factory)

    def trace(offset):
        return requests.get(s.url + UI + "/trace", params={"topic": "pinterest.pin", "partition": 0,
                                                           "offset": offset}).json()
    landed = wait_for(lambda: (lambda d: d["object"]["state"] == "done" and d)(trace(7)), timeout=30)
    assert landed, trace(7)
    assert landed["delta"]["state"] == "not yet"

    runs = run_batch(s)

    files = {}
    for offset, start, end in ((3, 0, 4), (7, 5, 9)):
        d = trace(offset)
        value = json.loads(d["record"]["value"]["text"])
        obj = d["object"]
        assert obj["state"] == "done" and (obj["start_offset"], obj["end_offset"]) == (start, end), d
        # The object named is in the bucket and holds the record.
        body = s3.get_object(Bucket="lake", Key="pp/" + obj["key"])["Body"].read().decode()
        assert value in [json.loads(x) for x in body.splitlines() if x]
        delta = d["delta"]
        assert delta["state"] == "done" and delta["table"] == "delta/pin", d
        assert len(delta["files"]) == 2 and delta["file"] and delta["in_current_snapshot"] is True, delta
        files[offset] = delta["file"]
        # Each part file read back from the bucket: only the named one has the record's row.
        for f in delta["files"]:
            local = tmp_path / f"part-{offset}.parquet"
            local.write_bytes(s3.get_object(Bucket="lake", Key="pp/delta/pin/" + f["path"])["Body"].read())
            rows = [json.loads(x) for x in subprocess.run([BIN, "lake", "parquet-cat", str(local)], capture_output=True,
                                                          text=True, check=True).stdout.splitlines() if x]
            assert (offset in [r["ind"] for r in rows]) == (f["path"] == delta["file"]), (f, rows)
            if f["path"] == delta["file"]:
                assert rows[delta["row"]]["ind"] == offset
        assert d["run"]["state"] == "done" and d["run"]["run_id"] == runs[0]["run_id"]
    assert files[3] != files[7]


def test_stream_hop_of_a_kinesis_record_through_an_s3_lake(moto, server_factory, tmp_path):
    """The streaming job writes its tables to the bucket; the trace's `stream` hop finds the
    commit whose batch read the record, and its part file and row, through the object store."""
    from kinesis_helpers import create_and_put_pins
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="lake")
    env = {k: "" for k in os.environ if k.startswith("AWS_")}
    s = server_factory(["sink.enabled=false", "lake.uri=s3://lake/pp", f"s3.endpoint={moto}", "s3.region=us-east-1",
                        "s3.access_key_id=testing", "s3.secret_access_key=testing"], env=env).start()
    name = "streaming-pinterest-pin"
    out = create_and_put_pins(s.url, name)
    rec = out["Records"][5]

    def trace():
        return requests.get(s.url + UI + "/trace", params={"stream": name, "seq": rec["SequenceNumber"]}).json()
    d = wait_for(lambda: (lambda t: t["stream"]["state"] == "done" and
                          any(x["holds_record"] for x in t["stream"]["commits"]) and t)(trace()), timeout=30, step=0.3)
    assert d, trace()
    commits = d["stream"]["commits"]
    assert all(x["operation"] == "STREAMING UPDATE" and x["batch"] >= 0 for x in commits), commits
    held = [x for x in commits if x["holds_record"]]
    assert len(held) == 1 and held[0]["table"] == "delta/pinterest_pin_table", commits
    for x in commits:
        # The commit named is in the bucket and its userMetadata covers the record's offset.
        log = s3.get_object(Bucket="lake", Key=f"pp/{x['table']}/_delta_log/{x['version']:020d}.json")["Body"].read()
        info = next(json.loads(line)["commitInfo"] for line in log.decode().splitlines() if '"commitInfo"' in line)
        assert any(r["topic"] == name and r["partition"] == d["partition"] and r["start"] <= d["offset"] < r["end"]
                   for r in json.loads(info["userMetadata"])["ranges"]), info
    # The part file named, read back from the bucket, has the record's row where the trace says.
    x = held[0]
    assert x["file"] in [f["path"] for f in x["files"]], x
    local = tmp_path / "part.parquet"
    local.write_bytes(s3.get_object(Bucket="lake", Key=f"pp/{x['table']}/{x['file']}")["Body"].read())
    rows = [json.loads(line) for line in subprocess.run([BIN, "lake", "parquet-cat", str(local)], capture_output=True,
                                                        text=True, check=True).stdout.splitlines() if line]
    assert rows[x["row"]]["ind"] == 5, rows


def bucket_objects(s3, prefix="pp/"):
    """Every object under the lake's prefix, {key relative to the lake: size}, listed by boto3."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="lake", Prefix=prefix):
        out.update({o["Key"][len(prefix):]: o["Size"] for o in page.get("Contents", [])})
    return out


def expected_level(objects, prefix):
    """One level of the lake under `prefix` as the local listing shows a directory."""
    under = prefix + "/" if prefix else ""
    entries = {}
    for key, size in objects.items():
        if key.startswith(under):
            head, sep, _ = key[len(under):].partition("/")
            entries[(head, bool(sep))] = 0 if sep else size
    return [{"name": n, "dir": d, "size": entries[(n, d)]} for n, d in sorted(entries)]


def replay_log(s3, table, version):
    """The table's commits from the bucket up to `version`: active adds, metaData, commit times."""
    from delta_replay import replay_commits
    keys = sorted(k for k in bucket_objects(s3) if k.startswith(table + "/_delta_log/") and k.endswith(".json"))
    commits = ((int(k.rsplit("/", 1)[1][:-5]), s3.get_object(Bucket="lake", Key="pp/" + k)["Body"].read().decode())
               for k in keys)
    adds, _, meta, times = replay_commits(commits, version)
    return adds, meta, times


def test_lake_browser_and_delta_pages_on_an_s3_lake(moto, server_factory):
    """The lake browser and the Delta pages read an s3:// lake through its object store: what
    they list and show is what the bucket holds, in the local lake's shapes."""
    s, s3 = s3_lake_server(moto, server_factory)
    wait_for(lambda: len([k for k in bucket_objects(s3) if k.startswith("topics/pinterest.pin/")]) >= 2, timeout=30)
    run_batch(s)
    objects = bucket_objects(s3)
    assert any(k.startswith("delta/pin/_delta_log/") for k in objects), sorted(objects)

    def lake(prefix):
        r = requests.get(s.url + UI + "/lake", params={"prefix": prefix})
        assert r.status_code == 200, r.text
        return r.json()
    # Each level, from the root down to the sink's objects, is the bucket's keys grouped there.
    root = lake("")
    assert root == {"root": "s3://lake/pp", "prefix": "", "entries": expected_level(objects, "")}, root
    assert {"topics", "delta"} <= {e["name"] for e in root["entries"] if e["dir"]}
    prefix, entries = "topics/pinterest.pin", lake("topics/pinterest.pin")["entries"]
    while entries and entries[0]["dir"]:
        assert entries == expected_level(objects, prefix)
        prefix += "/" + entries[0]["name"]
        entries = lake(prefix)["entries"]
    assert entries == expected_level(objects, prefix) and len(entries) >= 2, entries
    assert lake(prefix + "/")["entries"] == entries  # a trailing '/' names the same level
    assert lake("delta/pin")["entries"] == expected_level(objects, "delta/pin")
    assert lake("nothing/here")["entries"] == []
    assert requests.get(s.url + UI + "/lake", params={"prefix": "../x"}).status_code == 400

    # An object's head: its size, and its first 64 KiB as the local preview shows them.
    key = prefix + "/" + entries[0]["name"]
    obj = requests.get(s.url + UI + "/lake/object", params={"key": key}).json()
    body = s3.get_object(Bucket="lake", Key="pp/" + key)["Body"].read()
    assert set(obj) == {"key", "size", "truncated", "preview"}, obj
    assert obj["key"] == key and obj["size"] == len(body) == objects[key] and obj["truncated"] is False
    assert obj["preview"]["text"] == body.decode()
    part = next(k for k in objects if k.startswith("delta/pin/") and k.endswith(".parquet"))
    pobj = requests.get(s.url + UI + "/lake/object", params={"key": part}).json()
    assert pobj["size"] == objects[part] and pobj["truncated"] == (objects[part] > 64 * 1024), pobj
    assert requests.get(s.url + UI + "/lake/object", params={"key": "topics/none.json"}).status_code == 404
    assert requests.get(s.url + UI + "/lake/object", params={"key": "../../etc/passwd"}).status_code == 400

    # Tables: the prefixes holding a _delta_log/, the sink's objects left out.
    tables = sorted({k.split("/_delta_log/")[0] for k in objects if "/_delta_log/" in k})
    assert requests.get(s.url + UI + "/delta").json() == {"tables": tables}
    assert {"delta/pin", "delta/geo", "delta/user"} <= set(tables), tables

    # A table's history and schema: what its log in the bucket says.
    doc = requests.get(s.url + UI + "/delta/table", params={"path": "delta/pin"}).json()
    log = sorted(k for k in objects if k.startswith("delta/pin/_delta_log/") and k.endswith(".json"))
    assert set(doc) == {"path", "versions", "schema", "files_in_recent_commits", "bytes_in_recent_commits", "history"}
    assert doc["versions"] == len(log) and doc["history"][0]["version"] == len(log) - 1
    newest = [json.loads(x) for x in s3.get_object(Bucket="lake", Key="pp/" + log[-1])["Body"].read().decode().splitlines() if x]
    info = next(a["commitInfo"] for a in newest if "commitInfo" in a)
    assert doc["history"][0]["operation"] == info["operation"]
    assert doc["history"][0]["parameters"] == info["operationParameters"]
    assert doc["history"][0]["adds"] == sum("add" in a for a in newest)
    current = len(log) - 1
    adds, meta, times = replay_log(s3, "delta/pin", current)
    assert doc["schema"] == json.loads(meta["schemaString"])
    assert doc["files_in_recent_commits"] == len(adds)
    assert doc["bytes_in_recent_commits"] == sum(a["size"] for a in adds.values())
    assert requests.get(s.url + UI + "/delta/table", params={"path": "delta/nope"}).status_code == 404

    # The snapshot at each version: DESCRIBE DETAIL and rows against the log in the bucket.
    snap = lambda **q: requests.get(s.url + UI + "/delta/snapshot", params=dict({"path": "delta/pin"}, **q))  # noqa: E731
    for v in range(current + 1):
        r = snap(version=v, limit=500)
        assert r.status_code == 200, r.text
        p = r.json()
        adds_v, meta_v, _ = replay_log(s3, "delta/pin", v)
        assert set(p) == {"path", "version", "current_version", "version_timestamp", "detail", "schema", "columns",
                          "offset", "limit", "rows", "more"}, p
        assert p["version"] == v and p["current_version"] == current and p["version_timestamp"] == times[v]
        d = p["detail"]
        assert d["location"] == "s3://lake/pp/delta/pin" and d["id"] == meta_v["id"] and d["lastModified"] == times[v]
        assert d["numFiles"] == len(adds_v) and d["sizeInBytes"] == sum(a["size"] for a in adds_v.values())
        assert p["schema"] == json.loads(meta_v["schemaString"])
        assert p["columns"] == [f["name"] for f in p["schema"]["fields"]]
        assert len(p["rows"]) == sum(json.loads(a["stats"])["numRecords"] for a in adds_v.values()) and not p["more"]
    rows = [dict(zip(p["columns"], r)) for r in p["rows"]]
    assert sorted(r["ind"] for r in rows) == list(range(10)), rows
    assert snap(timestamp=times[current] + 10**6).json()["version"] == current
    assert snap(version=current + 1).status_code == 400
    assert snap(path="delta/nope").status_code == 404
    assert snap(path="../etc").status_code == 400
