"""Sink pause / resume / restart with Kafka Connect's REST semantics (issue 20 §1, issue 19 §4):
PUT /connectors/{name}/pause|resume (202), POST /connectors/{name}/restart (204, or 202 with
the status when tasks are included), POST /connectors/{name}/tasks/{id}/restart (204); a paused
sink lands nothing while its lag grows, stays paused across a server restart, and resumes
with every record landed exactly once; a FAILED task is restarted from its committed offset.
Also `pinpipe sink pause|resume|restart` and the dashboard's POST /ui/api/sink/{action}."""
import json
import subprocess
import time

import requests

from conftest import BIN
from rest_helpers import produce_json
from test_sink import lake_objects, produce_to, wait_until

SINK = ["sink.flush_size=5", "sink.rotate_schedule_interval_ms=200", "log.default_partitions=1"]
NAME = "pinpipe-s3-sink"
TOPIC = "pinterest.pin"


def status(srv):
    return requests.get(f"{srv.url}/connectors/{NAME}/status").json()


def task(srv, topic=TOPIC):
    return next((t for t in status(srv)["tasks"] if t["topic"] == topic), None)


def landed_values(srv, topic=TOPIC):
    """Every line of every lake object of `topic`, in object order."""
    out = []
    for key, data in sorted(lake_objects(srv.data_dir / "lake").items()):
        if f"/{topic}/" in key:
            out += [json.loads(line) for line in data.decode().splitlines()]
    return out


def sink_cli(srv, *args):
    return subprocess.run([BIN, "--set", f"http.port={srv.port}", "--set", f"data.dir={srv.data_dir}",
                           "sink", *args], capture_output=True, text=True, timeout=60)


def cli_status(srv):
    out = sink_cli(srv, "status", "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_pause_lands_nothing_and_resume_lands_everything_once(server_factory):
    srv = server_factory(SINK).start()
    assert produce_json(srv.url, TOPIC, [{"i": i} for i in range(7)]).status_code == 200
    assert wait_until(lambda: (task(srv) or {}).get("committed_offset") == 7, 30), status(srv)
    assert sorted(v["i"] for v in landed_values(srv)) == list(range(7))

    # Pause through the CLI (PUT /connectors/{name}/pause): 202, state PAUSED.
    out = sink_cli(srv, "pause")
    assert out.returncode == 0 and "paused" in out.stdout, out.stderr
    assert status(srv)["connector"]["state"] == "PAUSED"
    assert wait_until(lambda: task(srv)["state"] == "PAUSED", 10), status(srv)
    objects_before = lake_objects(srv.data_dir / "lake")
    assert produce_json(srv.url, TOPIC, [{"i": i} for i in range(7, 30)]).status_code == 200
    time.sleep(1.5)  # well past flush.size and the 200 ms rotation: a running sink would have landed them
    assert lake_objects(srv.data_dir / "lake") == objects_before
    t = task(srv)
    assert (t["committed_offset"], t["log_end_offset"], t["lag"]) == (7, 30, 23)
    assert wait_until(lambda: cli_status(srv)["connector"] == "PAUSED", 10)
    # The dashboard and /metrics see it too.
    assert requests.get(f"{srv.url}/ui/api/sink").json()["connector"]["connector"]["state"] == "PAUSED"
    assert wait_until(lambda: "\npinpipe_sink_paused 1\n" in requests.get(f"{srv.url}/metrics").text, 15)

    # Paused survives a restart of the server (Connect keeps the state in its config topic).
    srv.restart()
    assert status(srv)["connector"]["state"] == "PAUSED"
    assert produce_json(srv.url, TOPIC, [{"i": i} for i in range(30, 33)]).status_code == 200
    time.sleep(1.0)
    assert lake_objects(srv.data_dir / "lake") == objects_before

    # Resume from the dashboard (CSRF-checked POST): every record lands, each exactly once.
    csrf = requests.get(f"{srv.url}/ui/api/session").json()["csrf"]
    assert requests.post(f"{srv.url}/ui/api/sink/resume").status_code == 403
    r = requests.post(f"{srv.url}/ui/api/sink/resume", headers={"x-csrf-token": csrf})
    assert r.status_code == 202, r.text
    assert r.json()["connector"]["state"] == "RUNNING"
    assert wait_until(lambda: (task(srv) or {}).get("committed_offset") == 33, 30), status(srv)
    assert [v["i"] for v in landed_values(srv)] == list(range(33))
    assert cli_status(srv)["connector"] == "RUNNING"
    assert wait_until(lambda: "\npinpipe_sink_paused 0\n" in requests.get(f"{srv.url}/metrics").text, 15)

    # Pause and resume through Connect's paths: 202 each, idempotent.
    for path in ("pause", "pause", "resume", "resume"):
        assert requests.put(f"{srv.url}/connectors/{NAME}/{path}").status_code == 202
    assert requests.put(f"{srv.url}/connectors/other/pause").status_code == 404
    # A cross-site page cannot drive the control paths.
    assert requests.post(f"{srv.url}/connectors/{NAME}/restart",
                         headers={"Origin": "http://evil.example"}).status_code == 403
    assert produce_json(srv.url, TOPIC, [{"i": 33}]).status_code == 200
    assert wait_until(lambda: task(srv)["committed_offset"] == 34, 30)
    assert [v["i"] for v in landed_values(srv)] == list(range(34))


def test_a_failed_task_is_restarted_from_its_committed_offset(server_factory):
    # flush.size 2: the two good records before the bad one make one object.
    srv = server_factory(["sink.flush_size=2", "sink.rotate_schedule_interval_ms=200", "log.default_partitions=1",
                          "sink.errors_tolerance=none"]).start()
    produce_to(srv.url, "pinterest.geo", 0, [{"a": 1}, {"a": 2}])
    produce_to(srv.url, "pinterest.geo", 0, [b"not json {"], binary=True)
    produce_to(srv.url, "pinterest.user", 0, [{"u": 1}])
    assert wait_until(lambda: (task(srv, "pinterest.geo") or {}).get("state") == "FAILED", 30), status(srv)
    assert wait_until(lambda: (task(srv, "pinterest.user") or {}).get("committed_offset") == 1, 30)
    geo = task(srv, "pinterest.geo")
    assert geo["committed_offset"] == 2 and "offset 2" in geo["trace"]
    assert status(srv)["degraded"] is True

    # includeTasks + onlyFailed: 202 with the status, the failed task RESTARTING, the others as they are.
    r = requests.post(f"{srv.url}/connectors/{NAME}/restart", params={"includeTasks": "true", "onlyFailed": "true"})
    assert r.status_code == 202, r.text
    states = {t["topic"]: t["state"] for t in r.json()["tasks"]}
    assert states["pinterest.geo"] == "RESTARTING" and states["pinterest.user"] == "RUNNING"
    # The restarted task re-reads from offset 2 and meets the same bad record: FAILED again,
    # once more in the server's log.
    assert wait_until(lambda: srv.output().count("pinterest.geo-0: task restarted at offset 2") == 1, 10), srv.output()
    assert wait_until(lambda: task(srv, "pinterest.geo")["state"] == "FAILED", 10)
    assert wait_until(lambda: srv.output().count("task stopped at offset 2") >= 2, 10), srv.output()

    # One task by id (the ids of the status document); the connector alone (204, no body).
    geo_id = task(srv, "pinterest.geo")["id"]
    assert requests.post(f"{srv.url}/connectors/{NAME}/tasks/{geo_id}/restart").status_code == 204
    assert wait_until(lambda: srv.output().count("pinterest.geo-0: task restarted at offset 2") == 2, 10)
    assert requests.post(f"{srv.url}/connectors/{NAME}/tasks/99/restart").status_code == 404
    assert requests.post(f"{srv.url}/connectors/{NAME}/tasks/x/restart").status_code == 404
    r = requests.post(f"{srv.url}/connectors/{NAME}/restart")
    assert r.status_code == 204 and r.content == b""
    assert requests.post(f"{srv.url}/connectors/other/restart").status_code == 404

    # The CLI.
    out = sink_cli(srv, "restart", "--include-tasks", "--only-failed")
    assert out.returncode == 0, out.stderr
    assert "pinterest.geo-0 restarting" in out.stdout and "pinterest.user" not in out.stdout
    assert wait_until(lambda: srv.output().count("pinterest.geo-0: task restarted at offset 2") == 3, 10)
    assert sink_cli(srv, "restart", "--task", "99").returncode == 2
    # Nothing at or after the bad record was ever written.
    assert [v for v in landed_values(srv, "pinterest.geo")] == [{"a": 1}, {"a": 2}]


def test_a_run_during_a_pause_says_the_sink_is_paused(server_factory):
    srv = server_factory(SINK + ["scheduler.enabled=false"]).start()
    assert requests.put(f"{srv.url}/connectors/{NAME}/pause").status_code == 202
    assert wait_until(lambda: (srv.data_dir / "state" / "sink" / "paused").exists(), 10)
    assert produce_json(srv.url, TOPIC, [{"i": 1}]).status_code == 200
    run = subprocess.run([BIN, "--set", f"data.dir={srv.data_dir}", "--set", "dag.sink_wait_s=1",
                          "--set", "dag.retries=0", "dag", "run", "--date", "2026-12-01"],
                         capture_output=True, text=True, timeout=60)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "the sink has not landed" in out and "the sink is paused (`pinpipe sink resume` resumes it)" in out, out
