"""issue 19 §4 topic administration: `pinpipe topics create|delete` through the server's REST
API (Confluent REST Proxy v3 shapes, /v3/clusters/{id}/topics), and what a deletion means for
the topic's consumers: create -> produce -> consume -> delete -> list (gone) -> recreate ->
offsets start at 0 and the old consumer group resumes at the new topic's start, not at a
stale offset."""
import json

import requests

from rest_helpers import V2, create_consumer, produce_json, read_all, subscribe
from test_cli import pinpipe


def v3(server, path=""):
    return f"{server.url}/v3/clusters/pinpipe/topics{path}"


def test_create_produce_consume_delete_recreate(server):
    api = ["--api", server.url]
    p = pinpipe(*api, "topics", "create", "orders", "--partitions", 2, "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"topic": "orders", "partitions": 2}
    p = pinpipe(*api, "topics", "create", "orders")
    assert p.returncode == 1 and "exists" in p.stderr, p.stderr
    p = pinpipe(*api, "topics", "create", "bad name!")
    assert p.returncode == 2 and "invalid topic name" in p.stderr, p.stderr

    r = produce_json(server.url, "orders", [{"n": i} for i in range(4)], keys=["a", "b", "c", "d"])
    assert r.status_code == 200, r.text
    p = pinpipe(*api, "consume", "-t", "orders", "--group", "g1", "--timeout-ms", 800)
    assert p.returncode == 0, p.stderr
    assert sorted(r["value"]["n"] for r in json.loads(p.stdout)) == [0, 1, 2, 3]
    # A REST consumer that stays subscribed across the deletion.
    base = create_consumer(server.url, "g2")
    subscribe(base, ["orders"])
    assert len(read_all(base)) == 4
    assert requests.post(f"{base}/offsets", headers={"Content-Type": V2}).status_code in (200, 204)

    # Not on a pipe without --yes: nothing happens.
    p = pinpipe(*api, "topics", "delete", "orders")
    assert p.returncode == 2 and "--yes" in p.stderr, p.stderr
    assert "orders" in pinpipe(*api, "topics", "list").stdout.split()
    p = pinpipe(*api, "topics", "delete", "orders", "--yes")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "deleted topic orders"

    p = pinpipe(*api, "topics", "list", "--format", "json")
    assert "orders" not in json.loads(p.stdout)
    assert requests.get(f"{server.url}/topics/orders").status_code == 404
    p = pinpipe(*api, "topics", "describe", "orders")
    assert p.returncode == 1
    p = pinpipe(*api, "topics", "delete", "orders", "--yes", "--format", "json")
    assert p.returncode == 1 and "topic 'orders' does not exist" in p.stderr, p.stderr
    # Nothing of it is left on disk once the background removal ran.
    log_dir = server.data_dir / "log"
    assert not [d for d in log_dir.iterdir() if d.name.startswith("orders-") and
                not d.name.endswith("-delete")]

    p = pinpipe(*api, "topics", "create", "orders", "--partitions", 1)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "created topic orders (1 partition)"
    r = produce_json(server.url, "orders", [{"n": "new"}])
    assert r.json()["offsets"] == [{"partition": 0, "offset": 0, "error_code": None, "error": None}]
    p = pinpipe(*api, "topics", "describe", "orders", "--format", "json")
    assert json.loads(p.stdout) == [{"topic": "orders", "partition": 0, "beginning_offset": 0,
                                     "end_offset": 1, "records": 1}]
    # The group's committed offsets went with the topic: it reads the new record.
    p = pinpipe(*api, "consume", "-t", "orders", "--group", "g1", "--timeout-ms", 800)
    assert p.returncode == 0, p.stderr
    assert [r["value"]["n"] for r in json.loads(p.stdout)] == ["new"]
    # The REST consumer subscribed across the deletion: its position (4) is past the new
    # topic's end, so auto.offset.reset (earliest) applies and it reads the new record.
    assert [r["value"]["n"] for r in read_all(base)] == ["new"]


def test_v3_admin_routes_and_errors(server):
    r = requests.get(f"{server.url}/v3/clusters")
    assert r.status_code == 200
    assert [c["cluster_id"] for c in r.json()["data"]] == ["pinpipe"]
    r = requests.post(v3(server), json={"topic_name": "a.pin", "partitions_count": 3})
    assert r.status_code == 201, r.text
    t = r.json()
    assert (t["kind"], t["topic_name"], t["partitions_count"], t["replication_factor"]) == \
        ("KafkaTopic", "a.pin", 3, 1)
    assert t["metadata"]["self"] == "/v3/clusters/pinpipe/topics/a.pin"
    r = requests.get(v3(server, "/a.pin"))
    assert r.status_code == 200 and r.json()["partitions_count"] == 3
    names = [t["topic_name"] for t in requests.get(v3(server)).json()["data"]]
    assert "a.pin" in names

    def error(resp, status):
        assert resp.status_code == status, resp.text
        assert resp.headers["Content-Type"].startswith("application/json")
        body = resp.json()
        assert body["error_code"] == status and body["message"]
        return body["message"]

    assert "exists" in error(requests.post(v3(server), json={"topic_name": "a.pin"}), 409)
    error(requests.post(v3(server), data="{not json", headers={"Content-Type": "application/json"}), 400)
    error(requests.post(v3(server), json={"partitions_count": 1}), 422)
    error(requests.post(v3(server), json={"topic_name": "x", "partitions_count": 0}), 422)
    error(requests.post(v3(server), json={"topic_name": "bad/name"}), 422)
    error(requests.post(v3(server), json={"topic_name": "x", "replication_factor": 3}), 422)
    error(requests.get(v3(server, "/nope")), 404)
    error(requests.delete(v3(server, "/nope")), 404)
    error(requests.get(f"{server.url}/v3/clusters/other/topics"), 404)
    error(requests.delete(f"{server.url}/v3/clusters/other/topics/a.pin"), 404)

    r = requests.delete(v3(server, "/a.pin"))
    assert r.status_code == 204, r.text
    error(requests.get(v3(server, "/a.pin")), 404)
    assert requests.get(f"{server.url}/topics/a.pin").status_code == 404
