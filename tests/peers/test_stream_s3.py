"""The streaming job writes its tables to an `s3://` lake (issue 18 §1 "in the lake (local or
s3://)"): `pinpipe serve` with `lake.uri=s3://…` against a moto server (the moto peer), fed over
the REST Proxy; the three `<id>_*_table`s land in the bucket as Delta tables, delta-rs reads them
from S3 with exactly the rows pinpipe reads back, and a second `serve` resumes the job on the
same S3 tables without writing a batch twice. `pinpipe lake optimize` and `lake vacuum` work on
the s3:// lake (the streaming pin table, and a batch run's ds-partitioned pin table): delta-rs
reads the same rows after each, and the bucket ends up holding the active files only.
Runs under the `lakepy` peer's venv; moto runs from the moto peer's venv, on its own port."""
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, FIXTURES, canon_rows, diff_summary, pp_schema, require_peer, schema_kinds
from stream_feed import Server, fixture_lines, free_port

KINDS = ("pin", "geo", "user")
BUCKET = "lake"
PREFIX = "pp"


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    require_peer("lakepy")
    env = require_peer("moto")
    exe = Path(env["PINPIPE_PEER_MOTO_PYTHON"]).parent / "moto_server"
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, "moto_server did not start"
                time.sleep(0.1)
        # The bucket, with moto's own boto3 (its venv has it).
        subprocess.run([env["PINPIPE_PEER_MOTO_PYTHON"], "-c",
                        "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], "
                        "region_name='us-east-1', aws_access_key_id='testing', "
                        "aws_secret_access_key='testing').create_bucket(Bucket=sys.argv[2])",
                        url, BUCKET], check=True, timeout=60)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def s3_sets(url):
    return [f"lake.uri=s3://{BUCKET}/{PREFIX}", f"s3.endpoint={url}", "s3.region=us-east-1",
            "s3.access_key_id=testing", "s3.secret_access_key=testing"]


def pp(sets, *args):
    cmd = [BIN]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.fixture(scope="module")
def streamed_to_s3(moto, tmp_path_factory):
    if not FIXTURES.exists():
        pytest.skip("../shared/data/fixtures absent")
    data = tmp_path_factory.mktemp("s3stream") / "data"
    sets = s3_sets(moto) + ["stream.source=rest", "stream.max_batch_records=500",
                            "stream.compact_interval_ms=1000", "stream.compact_min_files=4"]
    lines = {k: fixture_lines(k)[:1200] for k in KINDS}
    half = {k: len(v) // 2 for k, v in lines.items()}
    for part in (0, 1):  # two servers: the second resumes the job over the same S3 tables
        server = Server(data, sets)
        try:
            for k, v in lines.items():
                chunk = v[:half[k]] if part == 0 else v[half[k]:]
                for i in range(0, len(chunk), 100):
                    server.produce(k, chunk[i:i + 100], batch=100)
            server.wait_committed({k: (half[k] if part == 0 else len(v)) for k, v in lines.items()})
        finally:
            server.stop()
    assert not (data / "lake").exists() or not any((data / "lake").rglob("_delta_log")), \
        "the stream tables must not land in the local lake"
    return data, sets


@pytest.mark.parametrize("kind", KINDS)
def test_stream_tables_land_in_s3_and_delta_rs_reads_them(moto, streamed_to_s3, kind):
    from deltalake import DeltaTable
    data, sets = streamed_to_s3
    name = f"pinterest_{kind}_table"
    opts = {"AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true", "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false"}
    dt = DeltaTable(f"s3://{BUCKET}/{PREFIX}/delta/{name}", storage_options=opts)
    schema = json.loads(pp(sets, "lake", "schema", name, "--format", "json"))
    kinds = schema_kinds(schema)
    mine = canon_rows((json.loads(line) for line in
                       pp(sets, "lake", "show", name, "--format", "ndjson").splitlines() if line),
                      kinds)
    assert sum(mine.values()) > 500
    theirs = canon_rows(dt.to_pyarrow_table().to_pylist(), kinds)
    assert theirs == mine, "delta-rs from S3: " + diff_summary(theirs, mine)
    history = dt.history()
    batches = [h for h in history if h["operation"] == "STREAMING UPDATE"]
    # Exactly once across the restart: every batch id once, their rows sum to the table's.
    epochs = [int(h["operationParameters"]["epochId"]) for h in batches]
    assert len(epochs) == len(set(epochs)) and len(epochs) >= 2
    assert sum(int(h["operationMetrics"]["numOutputRows"]) for h in batches) == sum(mine.values())
    app = json.loads(pp(["data.dir=" + str(data)], "stream", "status", "--json"))["app_id"]
    if hasattr(dt, "transaction_version"):
        assert dt.transaction_version(app) == max(epochs)


def s3_objects(moto, prefix):
    """The object keys under s3://lake/<prefix>/ (pyarrow's S3 client, not pinpipe's)."""
    from pyarrow import fs
    s3 = fs.S3FileSystem(access_key="testing", secret_key="testing", region="us-east-1",
                         endpoint_override=moto, scheme="http")
    infos = s3.get_file_info(fs.FileSelector(f"{BUCKET}/{prefix}", recursive=True))
    return sorted(i.path[len(f"{BUCKET}/{prefix}/"):] for i in infos if i.type == fs.FileType.File)


def active_files(dt, uri):
    """delta-rs's active data files, relative to the table (its file_uris are absolute)."""
    return sorted(u[len(uri) + 1:] for u in dt.file_uris())


def delta_rs(moto, uri):
    from deltalake import DeltaTable
    return DeltaTable(uri, storage_options={
        "AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true", "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false"})


def optimize_and_vacuum_on_s3(moto, sets, name, prefix):
    """`lake optimize NAME` then `lake vacuum NAME --retain 0 --force` on an s3:// lake: delta-rs
    reads the same rows before, after the compaction and after the vacuum; the bucket then holds
    the table's active files and its log only. Returns (files before, files after)."""
    uri = f"s3://{BUCKET}/{prefix}"
    kinds = schema_kinds(json.loads(pp(sets, "lake", "schema", name, "--format", "json")))
    before = canon_rows(delta_rs(moto, uri).to_pyarrow_table().to_pylist(), kinds)
    files_before = active_files(delta_rs(moto, uri), uri)
    out = pp(sets, "lake", "optimize", name)
    assert "(OPTIMIZE)" in out, out
    dt = delta_rs(moto, uri)
    assert dt.history(1)[0]["operation"] == "OPTIMIZE", out
    files_after = active_files(dt, uri)
    assert len(files_after) < len(files_before), (out, files_before, files_after)
    after = canon_rows(dt.to_pyarrow_table().to_pylist(), kinds)
    assert after == before, "delta-rs after optimize: " + diff_summary(after, before)
    out = pp(sets, "lake", "vacuum", name, "--retain", "0", "--force")
    assert "deleted" in out, out
    data_objects = [k for k in s3_objects(moto, prefix) if not k.startswith("_delta_log/")]
    assert data_objects == files_after, (data_objects, files_after)
    dt = delta_rs(moto, uri)
    vacuumed = canon_rows(dt.to_pyarrow_table().to_pylist(), kinds)
    assert vacuumed == before, "delta-rs after vacuum: " + diff_summary(vacuumed, before)
    return files_before, files_after


def test_optimize_and_vacuum_a_stream_table_in_s3(moto, streamed_to_s3):
    """issue 18 §2 `pinpipe lake optimize` / `lake vacuum` on an s3:// lake: the streaming pin
    table (many small batch files) becomes fewer files; delta-rs reads the same rows from S3."""
    _, sets = streamed_to_s3
    name = "pinterest_pin_table"
    before, after = optimize_and_vacuum_on_s3(moto, sets, name, f"{PREFIX}/delta/{name}")
    assert len(after) == 1, after


def test_optimize_and_vacuum_a_partitioned_batch_table_in_s3(moto, tmp_path):
    """The batch's ds-partitioned clean table in an s3:// lake (dag.data_selection=interval):
    optimize compacts the partition's files into one file in the partition's prefix, with its
    partition value; delta-rs reads the same rows (ds included) from S3; vacuum leaves the
    active files only."""
    from datetime import datetime, timezone
    prefix = "batch"
    sets = [f"data.dir={tmp_path / 'data'}", f"lake.uri=s3://{BUCKET}/{prefix}", f"s3.endpoint={moto}",
            "s3.region=us-east-1", "s3.access_key_id=testing", "s3.secret_access_key=testing",
            "dag.data_selection=interval"]
    date = datetime.now(timezone.utc).date().isoformat()
    pp(sets, "batch", "gen-raw", "--interactions", "60000", "--records-per-object", "5000")
    pp(sets, "dag", "run", "--date", date)
    before, after = optimize_and_vacuum_on_s3(moto, sets, "pin", f"{prefix}/delta/pin")
    assert len(before) >= 2 and len(after) == 1 and after[0].startswith(f"ds={date}/part-"), (before, after)
    dt = delta_rs(moto, f"s3://{BUCKET}/{prefix}/delta/pin")
    assert dt.metadata().partition_columns == ["ds"]
    ds = {str(v) for v in dt.to_pyarrow_table(columns=["ds"]).column("ds").to_pylist()}
    assert ds == {date}, ds
