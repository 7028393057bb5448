"""`pinpipe sink status` tells a running sink from a stopped one (issue 19 §4): RUNNING only while
a server (or `pinpipe sink`) runs on the data dir, STOPPED after it stopped — never a stale
RUNNING — and the log end read from the log itself, not the last value the connector saw. The
running server answers Kafka Connect's REST shape: GET /connectors, GET
/connectors/{name}/status (one task per topic-partition), behind the API key like every route."""
import json
import subprocess

import requests

from conftest import BIN
from rest_helpers import produce_json
from test_sink import wait_until

SINK = ["sink.flush_size=100", "sink.rotate_schedule_interval_ms=200"]


def status(data_dir, *extra):
    out = subprocess.run([BIN, "--set", f"data.dir={data_dir}", "sink", "status", *extra],
                         check=True, capture_output=True, text=True).stdout
    return out


def status_json(data_dir):
    doc = json.loads(status(data_dir, "--format", "json"))
    return doc["connector"], {(p["topic"], p["partition"]): p for p in doc["partitions"]}


def test_running_then_stopped_with_the_log_end_of_the_log(server_factory):
    srv = server_factory(SINK).start()
    r = produce_json(srv.url, "pinterest.pin", [{"i": i} for i in range(3)])
    assert r.status_code == 200, r.text

    def landed():
        conn, parts = status_json(srv.data_dir)
        p = parts.get(("pinterest.pin", 0))
        return conn == "RUNNING" and p is not None and p["committed"] == 3 and p["state"] == "RUNNING"
    assert wait_until(landed, 30), status(srv.data_dir)
    assert "connector RUNNING" in status(srv.data_dir)

    # Connect's REST shape, live from the server.
    assert requests.get(f"{srv.url}/connectors").json() == ["pinpipe-s3-sink"]
    st = requests.get(f"{srv.url}/connectors/pinpipe-s3-sink/status").json()
    assert st["name"] == "pinpipe-s3-sink" and st["type"] == "sink"
    assert st["connector"]["state"] == "RUNNING"
    task = next(t for t in st["tasks"] if t["topic"] == "pinterest.pin")
    assert task["state"] == "RUNNING" and task["committed_offset"] == 3
    assert task["log_end_offset"] == 3 and task["lag"] == 0
    missing = requests.get(f"{srv.url}/connectors/other/status")
    assert missing.status_code == 404 and missing.json()["error_code"] == 404
    srv.stop()

    conn, parts = status_json(srv.data_dir)
    assert conn == "STOPPED"
    assert parts[("pinterest.pin", 0)]["state"] == "STOPPED"
    assert "connector STOPPED" in status(srv.data_dir)

    # Records produced while the sink does not run: the lag shows them (the log's end, not the
    # connector's last view of it).
    srv.extra_sets = ["sink.enabled=false"]
    srv.start()
    assert produce_json(srv.url, "pinterest.pin", [{"i": 3}, {"i": 4}]).status_code == 200
    srv.stop()
    _, parts = status_json(srv.data_dir)
    p = parts[("pinterest.pin", 0)]
    assert (p["committed"], p["log_end"], p["lag"], p["state"]) == (3, 5, 2, "STOPPED")


def test_connector_routes_need_the_api_key(server_factory):
    srv = server_factory(SINK + ["http.api_key=s3cret"]).start()
    assert requests.get(f"{srv.url}/connectors/pinpipe-s3-sink/status").status_code == 403
    ok = requests.get(f"{srv.url}/connectors/pinpipe-s3-sink/status", headers={"x-api-key": "s3cret"})
    assert ok.status_code == 200 and ok.json()["connector"]["state"] == "RUNNING"


def test_topics_the_sink_does_not_copy_are_listed_with_why(server_factory):
    # The original posted to `<user-id>.pin`; the default sink copies `<pipeline.id>\..*`.
    srv = server_factory(SINK).start()
    for topic in ("pinterest.pin", "0a1b2c.pin"):
        r = produce_json(srv.url, topic, [{"i": 1}])
        assert r.status_code == 200, r.text
    assert wait_until(lambda: ("pinterest.pin", 0) in status_json(srv.data_dir)[1], 30)
    doc = json.loads(status(srv.data_dir, "--format", "json"))
    skipped = {s["topic"]: s["reason"] for s in doc["skipped_topics"]}
    assert set(skipped) == {"0a1b2c.pin"}, doc
    assert "sink.topics_regex" in skipped["0a1b2c.pin"] and "pinterest" in skipped["0a1b2c.pin"]
    assert "not copied: 0a1b2c.pin" in status(srv.data_dir)
    srv.stop()
    # An explicit topic list names itself as the reason, also while stopped.
    out = subprocess.run([BIN, "--set", f"data.dir={srv.data_dir}", "--set", "sink.topics=0a1b2c.pin",
                          "sink", "status", "--format", "json"], check=True, capture_output=True, text=True).stdout
    skipped = {s["topic"]: s["reason"] for s in json.loads(out)["skipped_topics"]}
    assert skipped == {"pinterest.pin": "not in sink.topics (0a1b2c.pin)"}, skipped
