"""Consumer-group offset reset (issue 19 §4, issue 20 §1): POST /ui/api/groups/{g}/reset-offsets
and `pinpipe groups reset-offsets`, against the real binary — a REST consumer re-reads after a
reset to earliest, a dry run changes nothing, a live member (REST instance or Kafka group
member) gets 409, to-datetime picks the first record at or after the time, offsets clamp to the
log's range."""
import datetime
import json
import struct
import subprocess
import time

import requests

from conftest import BIN
from kafka_wire import Conn, string
from rest_helpers import V2, create_consumer, delete_consumer, produce_json, read_all, subscribe

UI = "/ui/api"


def csrf(url):
    return requests.get(url + UI + "/session").json()["csrf"]


def reset(server, group, token=None, **body):
    return requests.post(f"{server.url}{UI}/groups/{group}/reset-offsets", json=body,
                         headers={"x-csrf-token": token or csrf(server.url)})


def committed(server, group):
    for g in requests.get(server.url + UI + "/groups").json()["groups"]:
        if g["group"] == group:
            return {(p["topic"], p["partition"]): p["committed"] for p in g["partitions"]}
    return {}


def consume_and_commit(server, group, topic):
    base = create_consumer(server.url, group)
    subscribe(base, [topic])
    got = read_all(base)
    r = requests.post(base + "/offsets", headers={"Content-Type": V2}, data="{}")
    assert r.status_code == 200, r.text
    return base, got


def cli(server, *args):
    return subprocess.run([BIN, "--set", f"http.port={server.port}", "--set", f"data.dir={server.data_dir}",
                           "groups", "reset-offsets", *args], capture_output=True, text=True, timeout=60)


def test_reset_to_earliest_makes_a_rest_consumer_reread(server):
    assert produce_json(server.url, "rs", [{"i": i} for i in range(10)]).status_code == 200
    base, got = consume_and_commit(server, "rg", "rs")
    assert [r["value"]["i"] for r in got] == list(range(10))
    assert committed(server, "rg") == {("rs", 0): 10}

    # A live instance: refused, nothing changed.
    r = reset(server, "rg", topics=["rs"], strategy="to-earliest", dry_run=False)
    assert r.status_code == 409, r.text
    assert any(m.startswith("rest:") for m in r.json()["members"])
    assert committed(server, "rg") == {("rs", 0): 10}
    # The groups document lists the live members too.
    g = next(g for g in requests.get(server.url + UI + "/groups").json()["groups"] if g["group"] == "rg")
    assert len(g["members"]) == 1 and g["members"][0].endswith("subscribed to rs"), g
    delete_consumer(base)
    g = next(g for g in requests.get(server.url + UI + "/groups").json()["groups"] if g["group"] == "rg")
    assert g["members"] == []

    # The dry run answers the plan and changes nothing.
    r = reset(server, "rg", topics=["rs"], strategy="to-earliest")
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["dry_run"] is True and plan["executed"] is False
    assert plan["partitions"] == [{"topic": "rs", "partition": 0, "current_offset": 10, "new_offset": 0,
                                   "log_start_offset": 0, "log_end_offset": 10, "lag_after": 10}]
    assert committed(server, "rg") == {("rs", 0): 10}

    r = reset(server, "rg", topics=["rs"], strategy="to-earliest", dry_run=False)
    assert r.status_code == 200 and r.json()["executed"] is True
    assert committed(server, "rg") == {("rs", 0): 0}

    # A new member of the group starts at the reset offset: every record again, once.
    base2 = create_consumer(server.url, "rg", reset="latest")
    subscribe(base2, ["rs"])
    again = read_all(base2)
    assert [r["value"]["i"] for r in again] == list(range(10))
    delete_consumer(base2)


def test_strategies_clamp_and_validate(server):
    assert produce_json(server.url, "cl", [{"i": i} for i in range(6)]).status_code == 200
    token = csrf(server.url)

    def new_offset(**body):
        r = reset(server, "cg", token, topics=["cl"], **body)
        assert r.status_code == 200, r.text
        return r.json()["partitions"][0]["new_offset"]
    assert new_offset(strategy="to-latest") == 6
    assert new_offset(strategy="to-offset", value=4) == 4
    assert new_offset(strategy="to-offset", value=999) == 6   # clamped to the log end
    assert new_offset(strategy="to-offset", value=-5) == 0    # and to the log start
    # shift-by moves from the committed offset (none yet: from the log end).
    assert new_offset(strategy="shift-by", value=-2) == 4
    assert reset(server, "cg", token, topics=["cl"], strategy="to-offset", value=3, dry_run=False).status_code == 200
    assert new_offset(strategy="shift-by", value=-2) == 1
    assert new_offset(strategy="shift-by", value=-100) == 0
    assert new_offset(strategy="shift-by", value=100) == 6
    # Bad requests.
    assert reset(server, "cg", token, topics=["cl"], strategy="sideways").status_code == 400
    assert reset(server, "cg", token, topics=["cl"], strategy="to-offset").status_code == 400
    assert reset(server, "cg", token, topics=["cl"], strategy="to-datetime", value="yesterday").status_code == 400
    assert reset(server, "cg", token, strategy="to-latest").status_code == 400
    assert reset(server, "cg", token, topics=["nope"], strategy="to-latest").status_code == 404
    assert reset(server, "cg", token, topics=["cl"], partitions=[3], strategy="to-latest").status_code == 404
    # CSRF, as every dashboard POST.
    r = requests.post(f"{server.url}{UI}/groups/cg/reset-offsets", json={"topics": ["cl"], "strategy": "to-latest"})
    assert r.status_code == 403
    assert committed(server, "cg") == {("cl", 0): 3}


def test_to_datetime_picks_the_first_record_at_or_after_the_time(server):
    # One record per request, a few ms apart: distinct append times.
    for i in range(6):
        assert produce_json(server.url, "dt", [{"i": i}]).status_code == 200
        time.sleep(0.02)
    recs = requests.get(server.url + UI + "/topics/dt/messages",
                        params={"from": "beginning", "limit": 10}).json()["records"]
    ts = [r["timestamp"] for r in recs]
    assert ts == sorted(ts) and len(set(ts)) == 6

    def iso(ms):
        return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def target(ms):
        r = reset(server, "dg", topics=["dt"], strategy="to-datetime", value=iso(ms))
        assert r.status_code == 200, r.text
        return r.json()["partitions"][0]["new_offset"]
    assert target(ts[3]) == 3          # exactly the record's time
    assert target(ts[3] - 1) == 3
    assert target(ts[3] + 1) == 4      # just after it: the next record
    assert target(ts[0] - 60000) == 0
    assert target(ts[5] + 60000) == 6  # nothing that recent: the log end
    # An offset in the ISO time is honoured.
    local = datetime.datetime.fromtimestamp(ts[2] / 1000, datetime.timezone(datetime.timedelta(hours=2)))
    r = reset(server, "dg", topics=["dt"], strategy="to-datetime",
              value=local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts[2] % 1000:03d}+02:00")
    assert r.json()["partitions"][0]["new_offset"] == 2


def join_group(port, group):
    """A Kafka client joining `group` (JoinGroup v0), left as a live member."""
    conn = Conn(port)
    body = (string(group) + struct.pack(">i", 30000) + string("") + string("consumer")
            + struct.pack(">i", 1) + string("range") + struct.pack(">i", 0))
    _, resp = conn.call(11, 0, body)
    (error,) = struct.unpack(">h", resp[:2])
    assert error == 0, error
    return conn


def test_kafka_member_blocks_the_reset_and_the_cli_dry_runs_by_default(server_factory):
    server = server_factory(["kafka.group_initial_rebalance_delay_ms=0"]).start()
    assert produce_json(server.url, "kg", [{"i": i} for i in range(5)]).status_code == 200
    token = csrf(server.url)
    assert reset(server, "kgroup", token, topics=["kg"], strategy="to-offset", value=5, dry_run=False).status_code == 200
    conn = join_group(server.kafka_port, "kgroup")
    try:
        r = reset(server, "kgroup", token, topics=["kg"], strategy="to-earliest")
        assert r.status_code == 409, r.text
        assert any(m.startswith("kafka:") for m in r.json()["members"])
        out = cli(server, "kgroup", "--topic", "kg", "--to-earliest", "--execute")
        assert out.returncode == 1 and "active member" in out.stderr, out
    finally:
        conn.close()
    # The member leaves (LeaveGroup v0, its id from the 409's list): the reset goes through.
    conn = Conn(server.kafka_port)
    member = None
    deadline = time.time() + 40
    while time.time() < deadline:
        r = reset(server, "kgroup", token, topics=["kg"], strategy="to-earliest")
        if r.status_code == 200:
            break
        member = r.json()["members"][0].split()[0][len("kafka:"):]
        _, resp = conn.call(13, 0, string("kgroup") + string(member))  # LeaveGroup v0
        time.sleep(0.1)
    conn.close()
    assert r.status_code == 200, r.text

    # The CLI: a dry run unless --execute, a table or one JSON array.
    out = cli(server, "kgroup", "--topic", "kg", "--to-earliest")
    assert out.returncode == 0, out.stderr
    assert "dry run: nothing changed" in out.stdout
    lines = out.stdout.splitlines()
    assert [c.strip() for c in lines[0].split("|")] == [
        "group", "topic", "partition", "current_offset", "new_offset", "log_end_offset", "lag_after", "executed"]
    row = [[c.strip() for c in l.split("|")] for l in lines[2:] if l.startswith(" ")]
    assert row == [["kgroup", "kg", "0", "5", "0", "5", "5", "false"]]
    assert committed(server, "kgroup") == {("kg", 0): 5}
    out = cli(server, "kgroup", "--topic", "kg", "--shift-by", "-2", "--execute", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"group": "kgroup", "topic": "kg", "partition": 0, "current_offset": 5,
                                       "new_offset": 3, "log_end_offset": 5, "lag_after": 2, "executed": True}]
    assert committed(server, "kgroup") == {("kg", 0): 3}
    bad = cli(server, "kgroup", "--topic", "kg")
    assert bad.returncode == 2  # no strategy
    missing = cli(server, "kgroup", "--topic", "nope", "--to-latest")
    assert missing.returncode == 2 and "nope" in missing.stderr
