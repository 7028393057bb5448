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


def test_record_trace_through_an_s3_lake(moto, server_factory, tmp_path):
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="lake")
    env = {k: "" for k in os.environ if k.startswith("AWS_")}  # only the s3.* keys
    s = server_factory(["sink.flush_size=5", "dag.clean_chunk_bytes=1", "lake.uri=s3://lake/pp",
                        f"s3.endpoint={moto}", "s3.region=us-east-1", "s3.access_key_id=testing",
                        "s3.secret_access_key=testing"], env=env).start()
    post_interactions(s.url, n=10)  # pinterest.pin offsets 0..9 → objects +0 (0–4) and +5 (5–9)

    def trace(offset):
        return requests.get(s.url + UI + "/trace", params={"topic": "pinterest.pin", "partition": 0,
                                                           "offset": offset}).json()
    landed = wait_for(lambda: (lambda d: d["object"]["state"] == "done" and d)(trace(7)), timeout=30)
    assert landed, trace(7)
    assert landed["delta"]["state"] == "not yet"

    csrf = requests.get(s.url + UI + "/session").json()["csrf"]
    r = requests.post(s.url + UI + "/dags/pinterest_batch/trigger", json={"date": "2026-11-22"},
                      headers={"x-csrf-token": csrf})
    assert r.status_code == 202, r.text
    runs = wait_for(lambda: [x for x in requests.get(s.url + UI + "/dags").json()["runs"]
                             if x["logical_date"] == "2026-11-22" and x["state"] in ("success", "failed")],
                    timeout=120, step=0.5)
    assert runs and runs[0]["state"] == "success", runs

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
