"""The source database, the emulator and the consumer check, on the real binary."""
import json
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from emulator_helpers import (BIN, DOCUMENTED_ROWS, GEO_ORDER, RecordingStub, db_rows, run)


@pytest.fixture
def source_db(tmp_path):
    db = tmp_path / "source.db"
    p = run("db", "init", "--db", f"sqlite://{db}", check=True)
    assert "11,154 rows" in p.stdout
    return db


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_requests_have_the_original_shape(source_db):
    pins = db_rows(source_db, "pinterest_data", "index")
    geos = db_rows(source_db, "geolocation_data", "ind")
    users = db_rows(source_db, "user_data", "ind")
    with RecordingStub() as stub:
        p = run("emulate", "--db", f"sqlite://{source_db}", "--api", stub.url, "--id", "abc123",
                "--count", 12, "--python-compatible", "--no-sleep", "--quiet")
        assert p.returncode == 0, p.stderr
        assert "sent 12 interactions" in p.stdout
    reqs = stub.requests
    assert len(reqs) == 36
    for i, (method, path, headers, body) in enumerate(reqs):
        assert method == "POST"
        assert path == "/topics/abc123." + ["pin", "geo", "user"][i % 3]
        assert headers["Content-Type"] == "application/vnd.kafka.json.v2+json"
        doc = json.loads(body)
        assert list(doc) == ["records"] and len(doc["records"]) == 1
        assert list(doc["records"][0]) == ["value"]
        # json.dumps() text, as the original sent it.
        assert body.decode() == json.dumps(doc)
    values = [json.loads(r[3])["records"][0]["value"] for r in reqs]
    for i, row in enumerate(DOCUMENTED_ROWS[:12]):
        pin, geo, user = values[3 * i: 3 * i + 3]
        assert pin["index"] == row and pin == pins[row]
        assert list(geo) == GEO_ORDER and geo == geos[row]
        assert user == users[row]
        assert isinstance(pin["follower_count"], str)


def test_batch_size_and_concurrency(source_db):
    with RecordingStub() as stub:
        p = run("emulate", "--db", f"sqlite://{source_db}", "--api", stub.url, "--count", 100,
                "--no-sleep", "--batch-size", 10, "--concurrency", 4, "--quiet")
        assert p.returncode == 0, p.stderr
    assert len(stub.requests) == 30
    assert all(len(json.loads(r[3])["records"]) == 10 for r in stub.requests)


def test_python_compatible_sleeps(source_db):
    # The first sleeps are 0, 1, 1: three interactions take about 2 s.
    with RecordingStub() as stub:
        t = time.time()
        p = run("emulate", "--db", f"sqlite://{source_db}", "--api", stub.url, "--count", 3,
                "--python-compatible", "--quiet")
        elapsed = time.time() - t
    assert p.returncode == 0, p.stderr
    assert 1.8 <= elapsed < 4, elapsed


def test_api_unreachable(source_db):
    url = f"http://127.0.0.1:{closed_port()}"
    t = time.time()
    p = run("emulate", "--db", f"sqlite://{source_db}", "--api", url, "--count", 5, "--no-sleep",
            "--max-attempts", 3, "--retry-base-ms", 20, "--quiet")
    assert p.returncode != 0
    assert "giving up after 3 attempts to reach POST " + url in p.stderr, p.stderr
    assert "retry 1 of 2" in p.stderr and "retry 2 of 2" in p.stderr  # progress while retrying
    assert "retries 2" in p.stdout
    assert time.time() - t < 10


GIVING_UP = re.compile(r"giving up after \d+ attempts? to reach \S+ \S+?(?=: )")


def test_the_server_dying_mid_run_ends_as_an_unreachable_server_at_start(source_db, server):
    """Issue 19 §4: one retry policy at start and after the server dies (it used to be one
    request's attempts at start, but 50 requests' worth of silent retries mid-run)."""
    import requests
    args = ["emulate", "--db", f"sqlite://{source_db}", "--api", server.url, "--id", "die",
            "--rate", 50, "--max-attempts", 3, "--retry-base-ms", 20, "--quiet"]
    emu = subprocess.Popen([BIN, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        deadline = time.time() + 30
        while "die.user" not in requests.get(f"{server.url}/topics", timeout=5).text:
            assert emu.poll() is None and time.time() < deadline, emu.communicate()
            time.sleep(0.1)
        server.kill9()  # the server this test started, nothing else
        out, err = emu.communicate(timeout=60)
    finally:
        if emu.poll() is None:
            emu.kill()
            emu.wait()
    assert emu.returncode != 0, out + err
    assert "retry 2 of 2" in err, err  # said while retrying, not silence
    mid_run = GIVING_UP.search(err)
    assert mid_run, err
    # The same URL with nothing behind it from the start: the same words, the same attempts.
    p = run(*args, "--count", 3)
    assert p.returncode != 0
    at_start = GIVING_UP.search(p.stderr)
    assert at_start, p.stderr
    assert mid_run.group(0) == at_start.group(0) == f"giving up after 3 attempts to reach POST {server.url}/topics/die.pin|geo|user"


def test_server_errors_are_retried_then_counted(source_db):
    with RecordingStub(status=503) as stub:
        p = run("emulate", "--db", f"sqlite://{source_db}", "--api", stub.url, "--count", 2,
                "--no-sleep", "--max-attempts", 2, "--retry-base-ms", 5, "--quiet")
    assert p.returncode != 0
    assert len(stub.requests) == 12  # 2 interactions x 3 topics x 2 attempts
    assert "failed 2" in p.stdout


def test_bad_database_urls(tmp_path):
    p = run("emulate", "--db", "postgres://x/y", "--count", 1, "--quiet")
    assert p.returncode != 0 and "bad database URL" in p.stderr
    p = run("emulate", "--db", f"sqlite://{tmp_path}/absent.db", "--count", 1, "--quiet")
    assert p.returncode != 0 and "does not exist" in p.stderr and "db init" in p.stderr
    empty = tmp_path / "empty.db"
    import sqlite3
    sqlite3.connect(empty).execute("CREATE TABLE other (x)").connection.commit()
    p = run("emulate", "--db", f"sqlite://{empty}", "--count", 1, "--quiet")
    assert p.returncode != 0
    assert "has no table pinterest_data, geolocation_data, user_data" in p.stderr
    p = run("db", "init", "--db", "mysql://u:p@127.0.0.1:1/db")
    assert p.returncode != 0 and "cannot connect" in p.stderr


def test_invalid_rows_are_skipped_and_counted(source_db):
    import sqlite3
    con = sqlite3.connect(source_db)
    con.execute("UPDATE user_data SET age = 'old' WHERE ind = 2863")
    con.commit()
    con.close()
    with RecordingStub() as stub:
        p = run("emulate", "--db", f"sqlite://{source_db}", "--api", stub.url, "--count", 3,
                "--python-compatible", "--no-sleep", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "invalid row 2863" in p.stderr
    assert "sent 2 interactions" in p.stdout and "invalid rows skipped 1" in p.stdout
    assert len(stub.requests) == 6


def test_db_load_original_dumps(tmp_path, shared_data):
    db = tmp_path / "orig.db"
    dumps = shared_data / "pinterest-db"
    p = run("db", "load", "--db", f"sqlite://{db}", "--csv", dumps, "--jsonl",
            dumps / "pinterest_data.partial.jsonl")
    assert p.returncode == 0, p.stderr
    assert "pinterest_data 4,360, geolocation_data 11,154, user_data 11,154" in p.stdout
    geos = db_rows(db, "geolocation_data", "ind")
    assert geos[0] == {"ind": 0, "timestamp": "2019-01-01 07:21:13", "latitude": -88.8298,
                       "longitude": -170.188, "country": "Albania"}
    # The original consumer output's rows come back identical from the loaded tables.
    example = json.loads((shared_data / "examples/rest-consumer-output.user_consumer.json").read_text())
    users = db_rows(db, "user_data", "ind")
    for rec in example:
        if "first_name" in rec["value"]:  # the original topic also holds a few stray rows
            assert users[rec["value"]["ind"]] == rec["value"]


def test_db_load_reports_invalid_lines(tmp_path):
    d = tmp_path / "dumps"
    d.mkdir()
    (d / "user_data.csv").write_text("ind,first_name,last_name,age,date_joined\n"
                                     "0,Adam,Acosta,20,2015-10-21 21:26:45\n"
                                     "1,Bad,Row,twenty,2015-10-21 21:26:45\n"
                                     "2,Eve,Smith,30,2016-01-02T03:04:05\n")
    p = run("db", "load", "--db", f"sqlite://{tmp_path}/x.db", "--csv", d)
    assert p.returncode != 0
    assert "user_data.csv line 3" in p.stderr and "invalid rows skipped 1" in p.stdout
    assert db_rows(tmp_path / "x.db", "user_data", "ind")[2]["date_joined"] == "2016-01-02 03:04:05"


def consume(topic, url, out, timeout_ms=3000):
    p = run("consume", "--api", url, "--group", "students", "--topic", topic, "--out", out,
            "--timeout-ms", timeout_ms, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(Path(out).read_text())


def test_end_to_end_consume_returns_exactly_the_posted_rows(tmp_path, source_db, server):
    p = run("emulate", "--db", f"sqlite://{source_db}", "--api", server.url, "--count", 1000,
            "--no-sleep", "--concurrency", 4, "--quiet", timeout=300)
    assert p.returncode == 0, p.stderr
    assert "sent 1,000 interactions" in p.stdout
    tables = {"pin": db_rows(source_db, "pinterest_data", "index"),
              "geo": db_rows(source_db, "geolocation_data", "ind"),
              "user": db_rows(source_db, "user_data", "ind")}
    inds = {}
    for t, rows in tables.items():
        records = consume(f"pinterest.{t}", server.url, tmp_path / f"{t}_consumer.json")
        assert len(records) == 1000
        for r in records:
            assert list(r) == ["topic", "key", "value", "partition", "offset"]
            assert r["topic"] == f"pinterest.{t}"
            key = "index" if t == "pin" else "ind"
            assert r["value"] == rows[r["value"][key]]
        inds[t] = sorted(r["value"]["index" if t == "pin" else "ind"] for r in records)
    assert inds["pin"] == inds["geo"] == inds["user"]


def test_end_to_end_python_compatible_order(tmp_path, source_db, server_factory):
    server = server_factory(extra_sets=["log.default_partitions=1"]).start()
    p = run("emulate", "--db", f"sqlite://{source_db}", "--api", server.url, "--count", 40,
            "--python-compatible", "--no-sleep", "--quiet")
    assert p.returncode == 0, p.stderr
    for t, key in (("pin", "index"), ("geo", "ind"), ("user", "ind")):
        records = consume(f"pinterest.{t}", server.url, tmp_path / f"{t}.json")
        assert [r["value"][key] for r in records] == DOCUMENTED_ROWS
        assert [r["offset"] for r in records] == list(range(40))
