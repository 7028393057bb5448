"""The Kafka REST Proxy v2 of `pinpipe serve`, driven like the original pipeline's scripts:
python3-requests and curl against the real binary."""
import base64
import json
import socket
import subprocess
import time

import pytest
import requests

from conftest import SHARED_DATA
from rest_helpers import (BINARY_V2, JSON_V2, V2, create_consumer, delete_consumer,
                          produce_json, read_all, read_records, subscribe)


@pytest.fixture
def server3(server_factory):
    """A server whose auto-created topics have three partitions (keyed placement, group splits)."""
    return server_factory(extra_sets=["log.default_partitions=3"]).start()


def example_rows(shared_data=None):
    """Rows shaped like the original's pin/geo/user rows (from the examples when present)."""
    if shared_data is not None:
        rows = {}
        for t in ("pin", "geo", "user"):
            data = json.loads((shared_data / "examples" / f"rest-consumer-output.{t}_consumer.json").read_text())
            rows[t] = [d["value"] for d in data]
        return rows
    return {
        "pin": [{"index": 10794, "unique_id": "c4bd2577-a7bb-4409-bb7a-17d5ed7e1cf1", "title": "TireBuyer",
                 "description": "Nissan GT-R. Sick.", "poster_name": "Ray Uyemura", "follower_count": "437",
                 "tag_list": "Lowrider,Old Vintage Cars", "is_image_or_video": "image",
                 "image_src": "https://i.pinimg.com/originals/0d/29/9f/0d299f3df020395aa7ce8387f40fbeed.jpg",
                 "downloaded": 1, "save_location": "Local save in /data/vehicles", "category": "vehicles"}],
        "geo": [{"ind": 10794, "latitude": -89.5236, "longitude": -154.567,
                 "country": "Cocos (Keeling) Islands", "timestamp": "2022-01-01 02:26:50"}],
        "user": [{"ind": 10794, "first_name": "Thomas", "last_name": "Turner", "age": 34,
                  "date_joined": "2016-12-22 00:02:02"}],
    }


def test_produce_then_students_consumer_reads_back_in_example_shape(server):
    # The original's rows when ../shared/data is here, built-in rows of the same shape otherwise.
    rows = example_rows(SHARED_DATA if SHARED_DATA.exists() else None)
    pid = "129a67850695"
    for t, values in rows.items():
        for v in values:  # one record per request, as the original emulator posts
            r = produce_json(server.url, f"{pid}.{t}", [v])
            assert r.status_code == 200, r.text
            assert r.headers["Content-Type"].startswith(V2)
            body = r.json()
            assert body["key_schema_id"] is None and body["value_schema_id"] is None
            assert body["offsets"][0]["error_code"] is None
    for t, values in rows.items():
        base = create_consumer(server.url, "students", name=f"{t}_consumer")
        subscribe(base, [f"{pid}.{t}"])
        got = read_all(base)
        delete_consumer(base)
        assert len(got) == len(values)
        for rec in got:
            assert list(rec.keys()) == ["topic", "key", "value", "partition", "offset"]
            assert rec["topic"] == f"{pid}.{t}" and rec["key"] is None
        # Unkeyed records spread over partitions; within a partition the order is the post order.
        by_value = sorted(json.dumps(r["value"], sort_keys=True) for r in got)
        assert by_value == sorted(json.dumps(v, sort_keys=True) for v in values)
        for p in {r["partition"] for r in got}:
            offs = [r["offset"] for r in got if r["partition"] == p]
            assert offs == sorted(offs) == list(range(len(offs)))


def test_curl_produce_and_metadata(server):
    out = subprocess.run(
        ["curl", "-s", "-X", "POST", "-H", f"Content-Type: {JSON_V2}", "--data",
         '{"records":[{"value":{"ind":1,"country":"Albania"}}]}', f"{server.url}/topics/pinterest.geo"],
        capture_output=True, text=True, check=True).stdout
    body = json.loads(out)
    assert body["offsets"][0]["offset"] == 0
    topics = json.loads(subprocess.run(["curl", "-s", f"{server.url}/topics"], capture_output=True,
                                       text=True, check=True).stdout)
    assert topics == ["pinterest.geo"]
    t = requests.get(f"{server.url}/topics/pinterest.geo").json()
    # An auto-created topic has log.default_partitions partitions: 1, as Kafka's num.partitions.
    assert t["name"] == "pinterest.geo" and len(t["partitions"]) == 1
    assert t["partitions"][0]["replicas"][0] == {"broker": 0, "leader": True, "in_sync": True}
    p = body["offsets"][0]["partition"]
    offs = requests.get(f"{server.url}/topics/pinterest.geo/partitions/{p}/offsets").json()
    assert offs == {"beginning_offset": 0, "end_offset": 1}
    assert requests.get(f"{server.url}/topics/pinterest.geo/partitions/7").json()["error_code"] == 40402
    assert requests.get(f"{server.url}/topics/nope").json() == {"error_code": 40401, "message": "Topic not found."}


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (Utils.murmur2), to check key placement independently of the server."""
    m, r, mask = 0x5BD1E995, 24, 0xFFFFFFFF
    h = (0x9747B28C ^ len(data)) & mask
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    tail = data[4 * n4:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h


def test_binary_format_keys_and_partitioning(server3):
    keys = [f"user-{i}".encode() for i in range(20)]
    records = [{"key": base64.b64encode(k).decode(), "value": base64.b64encode(b"\x00\xffv" + k).decode()}
               for k in keys]
    r = requests.post(f"{server3.url}/topics/bin", headers={"Content-Type": BINARY_V2},
                      data=json.dumps({"records": records}))
    assert r.status_code == 200, r.text
    offsets = r.json()["offsets"]
    for k, o in zip(keys, offsets):
        assert o["partition"] == (murmur2(k) & 0x7FFFFFFF) % 3
    # json keys hash over their JSON text, quotes included.
    r = produce_json(server3.url, "jk", [1], keys=["k"])
    assert r.json()["offsets"][0]["partition"] == (murmur2(b'"k"') & 0x7FFFFFFF) % 3
    # explicit partition, in the path and per record (the record wins)
    r = requests.post(f"{server3.url}/topics/bin/partitions/1", headers={"Content-Type": BINARY_V2},
                      data=json.dumps({"records": [{"value": "AA=="}, {"value": "AQ==", "partition": 2}]}))
    assert [o["partition"] for o in r.json()["offsets"]] == [1, 2]
    base = create_consumer(server3.url, "g-bin", fmt="binary")
    subscribe(base, ["bin"])
    got = read_all(base, fmt="binary")
    assert len(got) == 22
    decoded = {base64.b64decode(g["key"]): base64.b64decode(g["value"]) for g in got if g["key"]}
    assert decoded == {k: b"\x00\xffv" + k for k in keys}
    # The instance is binary: asking for json is a format mismatch.
    r = requests.get(f"{base}/records", headers={"Accept": JSON_V2})
    assert r.status_code == 406 and r.json()["error_code"] == 40601


def test_committed_offsets_survive_restart(server):
    produce_json(server.url, "t1", [{"n": i} for i in range(10)])  # one request -> one partition
    base = create_consumer(server.url, "grp", name="a", **{"auto.commit.enable": "false"})
    subscribe(base, ["t1"])
    got = read_all(base)
    assert [g["value"]["n"] for g in got] == list(range(10))
    p = got[0]["partition"]
    r = requests.post(f"{base}/offsets", headers={"Content-Type": V2},
                      data=json.dumps({"offsets": [{"topic": "t1", "partition": p, "offset": 4}]}))
    assert r.status_code == 200 and r.json() == []
    r = requests.get(f"{base}/offsets", headers={"Content-Type": V2},
                     data=json.dumps({"partitions": [{"topic": "t1", "partition": p}]}))
    assert r.json()["offsets"] == [{"topic": "t1", "partition": p, "offset": 5, "metadata": ""}]
    server.restart()
    base = create_consumer(server.url, "grp", name="b")
    subscribe(base, ["t1"])
    got = read_all(base)
    assert [g["value"]["n"] for g in got] == list(range(5, 10))


def test_two_instances_in_one_group_split_partitions(server3):
    for i in range(30):  # round-robin per request: every partition gets records
        produce_json(server3.url, "split", [{"i": i}])
    a = create_consumer(server3.url, "pair", name="a")
    b = create_consumer(server3.url, "pair", name="b")
    subscribe(a, ["split"])
    subscribe(b, ["split"])
    pa = {p["partition"] for p in requests.get(f"{a}/assignments").json()["partitions"]}
    pb = {p["partition"] for p in requests.get(f"{b}/assignments").json()["partitions"]}
    assert pa and pb and not (pa & pb) and pa | pb == {0, 1, 2}
    ga, gb = read_all(a), read_all(b)
    assert {g["partition"] for g in ga} <= pa and {g["partition"] for g in gb} <= pb
    assert sorted(g["value"]["i"] for g in ga + gb) == list(range(30))
    # When one leaves, the other takes over every partition.
    delete_consumer(b)
    pa = {p["partition"] for p in requests.get(f"{a}/assignments").json()["partitions"]}
    assert pa == {0, 1, 2}


def test_long_poll_returns_when_data_arrives(server):
    base = create_consumer(server.url, "lp", **{"consumer.request.timeout.ms": 5000})
    subscribe(base, ["lp"])
    requests.post(f"{server.url}/topics/lp", headers={"Content-Type": JSON_V2},
                  data=json.dumps({"records": [{"value": 0}]}))
    assert len(read_records(base, timeout_ms=1000)) == 1
    start = time.time()
    assert read_records(base, timeout_ms=300) == []
    assert 0.25 <= time.time() - start < 3
    import threading
    threading.Timer(0.3, lambda: produce_json(server.url, "lp", [1, 2, 3])).start()
    start = time.time()
    got = read_records(base, timeout_ms=4000)
    assert [g["value"] for g in got] == [1, 2, 3]
    assert time.time() - start < 2.5


def test_consumer_api_errors_and_positions(server):
    produce_json(server.url, "pos", list(range(5)))
    base = create_consumer(server.url, "g", name="x")
    r = requests.post(f"{server.url}/consumers/g", headers={"Content-Type": V2},
                      data=json.dumps({"name": "x", "format": "json"}))
    assert r.status_code == 409 and r.json()["error_code"] == 40902
    r = requests.post(f"{server.url}/consumers/g", headers={"Content-Type": V2},
                      data=json.dumps({"format": "xml"}))
    assert r.status_code == 422
    r = requests.post(f"{server.url}/consumers/g", headers={"Content-Type": V2},
                      data=json.dumps({"auto.offset.reset": "bad-config"}))
    assert r.status_code == 422 and r.json()["error_code"] == 42204
    assert requests.get(f"{server.url}/consumers/g/instances/nope/records").json()["error_code"] == 40403
    part = produce_json(server.url, "pos", [5]).json()["offsets"][0]["partition"]
    r = requests.post(f"{base}/assignments", headers={"Content-Type": V2},
                      data=json.dumps({"partitions": [{"topic": "pos", "partition": part}]}))
    assert r.status_code == 204
    r = requests.post(f"{base}/subscription", headers={"Content-Type": V2}, data=json.dumps({"topics": ["pos"]}))
    assert r.status_code == 409 and r.json()["error_code"] == 40903
    r = requests.post(f"{base}/positions/end", headers={"Content-Type": V2},
                      data=json.dumps({"partitions": [{"topic": "pos", "partition": part}]}))
    assert r.status_code == 204
    assert read_records(base, timeout_ms=100) == []
    r = requests.post(f"{base}/positions", headers={"Content-Type": V2},
                      data=json.dumps({"offsets": [{"topic": "pos", "partition": part, "offset": 0}]}))
    assert r.status_code == 204
    got = read_all(base)
    assert got and got[0]["offset"] == 0
    r = requests.post(f"{base}/positions/beginning", headers={"Content-Type": V2},
                      data=json.dumps({"partitions": [{"topic": "pos", "partition": (part + 1) % 3}]}))
    assert r.status_code == 409 and r.json()["error_code"] == 40903
    assert requests.delete(base).status_code == 204
    assert requests.delete(base).json()["error_code"] == 40403


def test_idle_consumer_instances_expire(server_factory):
    s = server_factory(["rest.consumer_instance_timeout_ms=500"]).start()
    base = create_consumer(s.url, "exp")
    assert requests.get(f"{base}/subscription").status_code == 200
    time.sleep(2.0)
    r = requests.get(f"{base}/subscription")
    assert r.status_code == 404 and r.json()["error_code"] == 40403


def post_raw(port, data, read=True, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if not read:
            return b""
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_bad_input_gets_documented_errors_and_server_keeps_serving(server_factory):
    s = server_factory(["log.auto_create_topics=false", "http.max_body_bytes=100000",
                        "http.header_timeout_ms=1500"]).start()
    url = s.url
    h = {"Content-Type": JSON_V2}
    r = requests.post(f"{url}/topics/x", headers=h, data='{"records":[{"value":')
    assert r.status_code == 400 and r.json()["error_code"] == 400
    r = requests.post(f"{url}/topics/x", headers={"Content-Type": "text/plain"}, data="{}")
    assert r.status_code == 415 and r.json()["error_code"] == 415
    r = requests.post(f"{url}/topics/unknown", headers=h, data='{"records":[{"value":1}]}')
    assert r.status_code == 404 and r.json() == {"error_code": 40401, "message": "Topic not found."}
    r = requests.post(f"{url}/topics/x", headers=h, data='{"records":[]}')
    assert r.status_code == 422 and r.json()["error_code"] == 422
    r = requests.post(f"{url}/topics/x", headers={"Content-Type": BINARY_V2},
                      data='{"records":[{"value":"%%"}]}')
    assert r.status_code == 400 and "base64" in r.json()["message"]
    r = requests.post(f"{url}/topics/x", headers=h, data='{"records":[{"value":"' + "a" * 200000 + '"}]}')
    assert r.status_code == 413
    r = requests.get(f"{url}/topics", headers={"X-Big": "a" * 20000})
    assert r.status_code == 431
    # Path tricks never reach the log: extra segments do not match a route; bad names are refused.
    for path in ["/topics/../x", "/topics/a/b", "/topics/%2e%2e", "/topics/a%2Fb", "/topics/..", "/topics/."]:
        out = post_raw(s.port, f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON_V2}\r\n"
                               f"Content-Length: 26\r\nConnection: close\r\n\r\n"
                               '{"records":[{"value":1}]}\n'.encode())
        status = int(out.split(b" ")[1])
        assert status in (400, 404), (path, out[:200])
    assert not (s.data_dir / "x").exists() and not (s.data_dir.parent / "x").exists()
    # A client sending one byte per second times out (408 or closed) while others are served.
    slow = socket.create_connection(("127.0.0.1", s.port))
    slow.settimeout(6)
    got = b""
    start = time.time()
    for ch in b"POST /topics/x HTTP/1.1\r\n":
        try:
            slow.send(bytes([ch]))
        except OSError:
            break
        assert requests.get(f"{url}/healthz", timeout=2).status_code == 200
        time.sleep(0.5)
        if time.time() - start > 4:
            break
    try:
        got = slow.recv(1000)
    except OSError:
        pass
    assert got == b"" or b" 408 " in got
    slow.close()
    # A client that disconnects mid-request.
    post_raw(s.port, b"POST /topics/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"rec", read=False)
    assert requests.get(f"{url}/healthz").status_code == 200
    assert s.proc.poll() is None


def test_metrics_and_health(server):
    produce_json(server.url, "m", [1, 2])
    text = requests.get(f"{server.url}/metrics").text
    assert 'pinpipe_http_requests_total{route="/topics/{topic}",method="POST",code="2xx"} 1' in text
    assert "pinpipe_http_request_duration_seconds_bucket" in text
    assert 'pinpipe_log_records_appended_total{topic="m"} 2' in text
    assert "pinpipe_log_fsync_seconds" in text
    assert requests.get(f"{server.url}/healthz").json() == {"status": "ok"}


def test_garbage_tail_is_cut_at_startup_and_reported(server):
    produce_json(server.url, "g", [{"n": i} for i in range(3)])
    produce_json(server.url, "g", [{"n": 3}])
    server.stop()
    segs = sorted((server.data_dir / "log").glob("g-*/*.log"))
    nonempty = [p for p in segs if p.stat().st_size > 0]
    assert nonempty
    with open(nonempty[0], "ab") as f:
        f.write(b"\x00\x00\x00\x00\x00\x00\x00\x09garbage-garbage-garbage")
    server.start()
    assert "recovery" in server.output() and "cut" in server.output()
    base = create_consumer(server.url, "after", name="z")
    subscribe(base, ["g"])
    got = read_all(base)
    assert sorted(g["value"]["n"] for g in got) == [0, 1, 2, 3]
    r = produce_json(server.url, "g", [{"n": 4}])
    assert r.status_code == 200
