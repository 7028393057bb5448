"""The lake on S3 as moto serves it (a private moto_server of the moto peer): `batch gen-raw`
and `dag run` with lake.uri=s3://… and only the s3.* keys (no AWS_* variables) write objects
that hold their bytes — moto stored a PUT sent with curl's default form Content-Type as an empty
form, which emptied every Delta commit — and `lake show` reads the clean tables back."""
import json
import os
import subprocess

import boto3
import pytest


BIN = os.environ.get("PINPIPE_BIN", "build/pinpipe")


def test_the_batch_writes_a_readable_lake_to_moto(moto, tmp_path):
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="lake")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    sets = [f"data.dir={tmp_path / 'data'}", "lake.uri=s3://lake/pp", f"s3.endpoint={moto}",
            "s3.region=us-east-1", "s3.access_key_id=testing", "s3.secret_access_key=testing"]

    def run(*args):
        cmd = [BIN]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    run("batch", "gen-raw", "--interactions", "60")
    run("dag", "run", "--date", "2026-11-21")
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="lake")
            for o in page.get("Contents", [])]
    assert any(k.startswith("pp/topics/") for k in keys) and any("/_delta_log/" in k for k in keys)
    empty = [k for k in keys if s3.head_object(Bucket="lake", Key=k)["ContentLength"] == 0]
    assert empty == []
    commit = s3.get_object(Bucket="lake", Key="pp/delta/pin/_delta_log/00000000000000000000.json")
    assert any("protocol" in json.loads(line) for line in commit["Body"].read().splitlines())
    rows = [json.loads(line) for line in run("lake", "show", "pin", "--format", "ndjson").splitlines()]
    assert 0 < len(rows) <= 60 and all(isinstance(r["ind"], int) for r in rows)
