"""pinpipe emulate --mode stream (the original streaming emulator) and pinpipe streams, on the
real binary: the requests' exact shape, the rows landing in the three streams, auto-create on and
off."""
import json
import subprocess

import pytest

from conftest import BIN
from emulator_helpers import DOCUMENTED_ROWS, GEO_ORDER, RecordingStub, db_rows, run
from kinesis_helpers import boto3_client

SETS = ("sink.enabled=false", "scheduler.enabled=false")


@pytest.fixture(scope="module")
def source_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("src") / "source.db"
    run("db", "init", "--db", f"sqlite://{db}", check=True)
    return db


def test_stream_mode_requests_have_the_original_shape(source_db):
    with RecordingStub() as stub:
        p = run("emulate", "--mode", "stream", "--db", f"sqlite://{source_db}", "--api", stub.url, "--id", "abc123",
                "--count", 5, "--python-compatible", "--no-sleep", "--quiet")
        assert p.returncode == 0, p.stderr
        assert "sent 5 interactions" in p.stdout
    pins = db_rows(source_db, "pinterest_data", "index")
    assert len(stub.requests) == 15
    for i, (method, path, headers, body) in enumerate(stub.requests):
        t = ["pin", "geo", "user"][i % 3]
        assert method == "PUT"
        assert path == f"/streams/streaming-abc123-{t}/record"
        assert headers["Content-Type"] == "application/json"
        doc = json.loads(body)
        assert list(doc) == ["StreamName", "Data", "PartitionKey"]
        assert doc["StreamName"] == f"streaming-abc123-{t}"
        assert doc["PartitionKey"] == f"partition-{i % 3 + 1}"
        assert body.decode() == json.dumps(doc)  # json.dumps() text, as the original sent it
        if t == "pin":
            assert doc["Data"] == pins[DOCUMENTED_ROWS[i // 3]]
        if t == "geo":
            assert list(doc["Data"]) == GEO_ORDER


def _read_stream(c, name):
    out = []
    for s in c.list_shards(StreamName=name)["Shards"]:
        it = c.get_shard_iterator(StreamName=name, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out += [json.loads(r["Data"]) for r in c.get_records(ShardIterator=it)["Records"]]
    return out


def test_stream_mode_into_pinpipe_then_streams_commands(server_factory, source_db):
    s = server_factory(SETS).start()
    p = run("emulate", "--mode", "stream", "--db", f"sqlite://{source_db}", "--api", s.url, "--id", "x",
            "--count", 12, "--python-compatible", "--no-sleep", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "sent 12 interactions" in p.stdout and "failed 0" in p.stdout
    c = boto3_client(s.url)
    pins = db_rows(source_db, "pinterest_data", "index")
    users = db_rows(source_db, "user_data", "ind")
    got_pins = _read_stream(c, "streaming-x-pin")
    assert [r["index"] for r in got_pins] == DOCUMENTED_ROWS[:12]
    assert got_pins == [pins[r] for r in DOCUMENTED_ROWS[:12]]
    assert _read_stream(c, "streaming-x-user") == [users[r] for r in DOCUMENTED_ROWS[:12]]
    assert len(_read_stream(c, "streaming-x-geo")) == 12

    def cli(*args):
        return subprocess.run([BIN, "--api", s.url, "streams", *args], capture_output=True, text=True, timeout=60)

    out = cli("list")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["streaming-x-geo", "streaming-x-pin", "streaming-x-user"]
    assert cli("create", "extra", "--shards", "3").returncode == 0
    d = cli("describe", "extra")
    assert d.returncode == 0, d.stderr
    assert "ACTIVE, 3 shards open" in d.stdout and d.stdout.count("shardId-") == 3
    again = cli("create", "extra")
    assert again.returncode != 0 and "ResourceInUseException" in again.stderr
    assert cli("delete", "extra").returncode == 0
    missing = cli("describe", "extra")
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr


def test_stream_mode_without_auto_create(server_factory, source_db):
    s = server_factory(SETS + ("kinesis.auto_create=false",)).start()
    args = ("emulate", "--mode", "stream", "--db", f"sqlite://{source_db}", "--api", s.url, "--id", "y",
            "--count", 2, "--no-sleep", "--quiet", "--max-attempts", 1)
    p = run(*args)
    assert p.returncode != 0
    assert "ResourceNotFoundException" in p.stdout + p.stderr
    for t in ("pin", "geo", "user"):
        r = subprocess.run([BIN, "--api", s.url, "streams", "create", f"streaming-y-{t}"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    p = run(*args)
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(_read_stream(boto3_client(s.url), "streaming-y-pin")) == 2
