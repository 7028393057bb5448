"""The dashboard's sink document and controls (issue 20 §1 "S3 sink"): the /ui/api/sink
partition rows (committed vs log end, objects, bytes, records per partition) against what was
produced and what landed; upload errors shown per partition; the dashboard's restart POST
(CSRF-checked), after which the sink lands every record exactly once."""
import json

import requests

from conftest import wait_for
from test_sink import lake_objects, produce_to

UI = "/ui/api"
SINK = ["sink.flush_size=3", "sink.rotate_schedule_interval_ms=200", "log.default_partitions=2"]
ROW_KEYS = {"topic", "partition", "committed", "log_end", "objects", "bytes", "records", "skipped", "dlq",
            "failed", "last_error"}
LIVE_KEYS = {"open", "recent"}  # once the sink has published its open and recent objects (~1 s)


def csrf(url):
    return requests.get(url + UI + "/session").json()["csrf"]


def sink_rows(url, topic):
    return {r["partition"]: r for r in requests.get(url + UI + "/sink").json()["partitions"] if r["topic"] == topic}


def partition_objects(srv, topic, partition):
    return {k: v for k, v in lake_objects(srv.data_dir / "lake").items()
            if f"/{topic}/" in k and f"+{partition}+" in k.rsplit("/", 1)[-1]}


def test_sink_rows_show_committed_against_log_end_per_partition(server_factory):
    srv = server_factory(SINK).start()
    produce_to(srv.url, "pinterest.pin", 0, [{"i": i} for i in range(8)])
    produce_to(srv.url, "pinterest.pin", 1, [{"i": i} for i in range(8, 13)])
    ends = {0: 8, 1: 5}

    def landed():
        rows = sink_rows(srv.url, "pinterest.pin")
        return len(rows) == 2 and all(rows[p]["committed"] == end for p, end in ends.items()) and rows
    rows = wait_for(landed, timeout=30)
    assert rows, requests.get(srv.url + UI + "/sink").json()
    doc = requests.get(srv.url + UI + "/sink").json()
    assert doc["enabled"] is True and "error" not in doc
    assert doc["connector"]["connector"]["state"] == "RUNNING"
    for p, end in ends.items():
        r = rows[p]
        assert ROW_KEYS <= set(r) <= ROW_KEYS | LIVE_KEYS, r
        objects = partition_objects(srv, "pinterest.pin", p)
        lines = [json.loads(line) for data in objects.values() for line in data.decode().splitlines()]
        # Everything produced to the partition landed once: committed = log end = records written.
        assert r["log_end"] == end and r["committed"] == end and r["records"] == end == len(lines)
        assert r["objects"] == len(objects) and r["bytes"] == sum(len(v) for v in objects.values())
        assert (r["skipped"], r["dlq"], r["failed"], r["last_error"]) == (0, 0, False, "")
    assert sorted(v["i"] for p in ends for data in partition_objects(srv, "pinterest.pin", p).values()
                  for v in map(json.loads, data.decode().splitlines())) == list(range(13))

    # Paused: the log end moves on, the committed offset stays (the page's lag column).
    assert requests.post(srv.url + UI + "/sink/pause", headers={"x-csrf-token": csrf(srv.url)}).status_code == 202
    assert wait_for(lambda: all(t["state"] == "PAUSED" for t in
                                requests.get(srv.url + UI + "/sink").json()["connector"]["tasks"]), timeout=10)
    produce_to(srv.url, "pinterest.pin", 1, [{"i": i} for i in range(13, 17)])
    rows = sink_rows(srv.url, "pinterest.pin")
    assert (rows[1]["committed"], rows[1]["log_end"]) == (5, 9)
    assert (rows[0]["committed"], rows[0]["log_end"]) == (8, 8)


def test_upload_errors_show_on_the_partition_and_a_restart_lands_everything_once(server_factory, tmp_path):
    srv = server_factory(["sink.flush_size=2", "sink.rotate_schedule_interval_ms=200",
                          "log.default_partitions=1"])
    # A file where the sink needs the topic's directory: every upload of pinterest.geo fails.
    blocker = srv.data_dir / "lake" / "topics" / "pinterest.geo"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")
    srv.start(allow_degraded=True)
    produce_to(srv.url, "pinterest.geo", 0, [{"g": i} for i in range(5)])

    def failing():
        r = sink_rows(srv.url, "pinterest.geo").get(0)
        return r and r["last_error"].startswith("upload failed") and r
    row = wait_for(failing, timeout=30)
    assert row, requests.get(srv.url + UI + "/sink").json()
    assert row["committed"] == 0 and row["log_end"] == 5 and row["objects"] == 0
    reasons = requests.get(srv.url + "/healthz").json().get("reasons", [])
    assert any(r.startswith("sink: uploads failing") for r in reasons), reasons

    # The dashboard's restart: a POST with the session's CSRF token, refused without it.
    assert requests.post(srv.url + UI + "/sink/restart", json={"include_tasks": True}).status_code == 403
    assert requests.post(srv.url + UI + "/sink/restart", json={"include_tasks": True},
                         headers={"x-csrf-token": "wrong"}).status_code == 403
    assert requests.post(srv.url + UI + "/sink/nothing", headers={"x-csrf-token": csrf(srv.url)}).status_code == 404
    blocker.unlink()
    r = requests.post(srv.url + UI + "/sink/restart", json={"include_tasks": True},
                      headers={"x-csrf-token": csrf(srv.url)})
    assert r.status_code == 202, r.text
    tasks = r.json()["tasks"]
    assert any(t["topic"] == "pinterest.geo" and t["state"] == "RESTARTING" for t in tasks), tasks

    def recovered():
        r = sink_rows(srv.url, "pinterest.geo").get(0)
        return r and r["committed"] == 5 and r["last_error"] == "" and r
    row = wait_for(recovered, timeout=30)
    assert row, requests.get(srv.url + UI + "/sink").json()
    objects = partition_objects(srv, "pinterest.geo", 0)
    assert [json.loads(line)["g"] for _, data in sorted(objects.items()) for line in data.decode().splitlines()] == \
        list(range(5))
    assert row["objects"] == len(objects) and row["records"] == 5
    assert wait_for(lambda: requests.get(srv.url + "/healthz").status_code == 200, timeout=15), \
        requests.get(srv.url + "/healthz").text
