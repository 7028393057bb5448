"""Issue 14 on the real binary: what produce accepts can always be landed, a record that still
cannot be (written to the log bypassing the REST validator) never stops its partition, and the
HTTP edges answer as the REST Proxy's Jetty/Jersey do."""
import base64
import json
import socket
import time

import requests

from conftest import free_port
from rest_helpers import BINARY_V2, JSON_V2, V2, create_consumer, read_all, subscribe
from test_sink import lake_objects, sink_status, wait_until


def raw_request(port, text):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(text.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode()


def test_bad_record_in_the_log_is_dead_lettered_and_the_partition_goes_on(server_factory):
    # Defaults: errors.tolerance=all with <pipeline.id>-dlq. The binary format stores any bytes,
    # so a value no JSON reader accepts reaches the log without the produce validator.
    server = server_factory(["sink.flush_size=100", "sink.rotate_schedule_interval_ms=300",
                             "log.default_partitions=1"]).start()
    url = server.url
    def post(recs, ctype=JSON_V2):
        r = requests.post(f"{url}/topics/pinterest.pin", headers={"Content-Type": ctype},
                          data=json.dumps({"records": recs}))
        assert r.status_code == 200, r.text
    post([{"value": {"a": 1}}])
    post([{"value": base64.b64encode(b'{"a":01}').decode()}], BINARY_V2)
    post([{"value": base64.b64encode(b'"\\ud800"').decode()}], BINARY_V2)
    post([{"value": {"a": 4}}])

    def landed():
        st = sink_status(server.data_dir).get(("pinterest.pin", 0))
        return st is not None and st["committed"] == 4
    assert wait_until(landed, 20), sink_status(server.data_dir)
    st = sink_status(server.data_dir)[("pinterest.pin", 0)]
    assert st["state"] == "RUNNING" and st["dead_lettered"] == 2 and st["records"] == 2
    assert lake_objects(server.data_dir / "lake") == {
        "topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json": b'{"a":1}\n{"a":4}\n'}
    base = create_consumer(url, "dlq-check", fmt="binary")
    subscribe(base, ["pinterest-dlq"])
    recs = read_all(base, fmt="binary", idle_polls=3)
    assert [base64.b64decode(r["value"]) for r in recs] == [b'{"a":01}', b'"\\ud800"']
    h = requests.get(f"{url}/healthz")
    assert h.status_code == 200 and h.json() == {"status": "ok"}


def test_healthz_is_degraded_while_sink_uploads_fail(server_factory):
    dead = free_port()  # nothing listens here: every upload fails
    server = server_factory(["sink.flush_size=1", "log.default_partitions=1",
                             "lake.uri=s3://lake/prefix", f"s3.endpoint=http://127.0.0.1:{dead}",
                             "s3.region=us-east-1"],
                            env={"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}).start()
    r = requests.post(f"{server.url}/topics/pinterest.geo", headers={"Content-Type": JSON_V2},
                      data=json.dumps({"records": [{"value": {"a": 1}}]}))
    assert r.status_code == 200, r.text

    def degraded():
        h = requests.get(f"{server.url}/healthz")
        return h.status_code == 503 and h.json()["status"] == "degraded"
    assert wait_until(degraded, 60), requests.get(f"{server.url}/healthz").text
    reasons = requests.get(f"{server.url}/healthz").json()["reasons"]
    assert any(r.startswith("sink: uploads failing") for r in reasons), reasons


def test_http_edges_answer_as_jetty_does(server):
    port = server.port
    # RFC 9110 §10.1.1 allows 417 for an unknown expectation; Jetty sends it on HTTP/1.1.
    assert raw_request(port, "GET /topics HTTP/1.1\r\nHost: h\r\nExpect: foo\r\n\r\n") == \
        "HTTP/1.1 417 Expectation Failed"
    assert raw_request(port, "GET /topics HTTP/1.0\r\nExpect: foo\r\n\r\n").startswith("HTTP/1.1 200")
    # No request-target form has a fragment (RFC 9112 §3.2): 400 on every route alike.
    for target in ("/topics#x", "/healthz#x", "/nowhere#x", "/topics?x=1#y"):
        assert raw_request(port, f"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n") == \
            "HTTP/1.1 400 Bad Request", target
    # GET records with an Accept naming nothing served: 406, as Jersey answers.
    requests.post(f"{server.url}/topics/a", headers={"Content-Type": JSON_V2},
                  data=json.dumps({"records": [{"value": 1}]}))
    base = create_consumer(server.url, "g", fmt="json")
    subscribe(base, ["a"])
    r = requests.get(f"{base}/records?timeout=100", headers={"Accept": "text/html"})
    assert r.status_code == 406, r.text
    r = requests.get(f"{base}/records?timeout=100", headers={"Accept": "text/html, */*;q=0.1"})
    assert r.status_code == 200, r.text


def test_refused_requests_leave_the_log_untouched(server):
    url = server.url
    def post(path, body):
        return requests.post(url + path, headers={"Content-Type": JSON_V2}, data=body)
    r = post("/topics/new/partitions/3", json.dumps({"records": [{"value": 1}]}))
    assert r.status_code == 404 and r.json()["error_code"] == 40402
    assert requests.get(f"{url}/topics/new").status_code == 404
    r = post("/topics/t", '{"records":[{"value":1}],"records":[{"value":2}]}')
    assert r.status_code == 422, r.text
    r = post("/topics/t", '{"records":[{"valu":1}]}')
    assert r.status_code == 422, r.text
    for bad in ("01", "-01.5", "1e999", '"\\ud800"', "[" * 100000 + "]" * 100000):
        r = post("/topics/t", '{"records":[{"value":%s}]}' % bad)
        assert r.status_code == 422 and r.json()["error_code"] == 42206, (bad[:20], r.text)
    r = post("/topics/t", json.dumps({"records": [{}] * 20001}))
    assert r.status_code == 413 and len(r.content) < 256, r.text
    assert requests.get(f"{url}/topics/t").status_code == 404


def test_a_record_json_consumers_cannot_read_costs_only_that_record(server):
    # Offsets 0 and 2 are JSON; offset 1 (stored through the binary format) is not. A json
    # consumer gets the records before it, then one error naming it, then the records after it.
    url = server.url
    topic = "poison"
    for ctype, value in ((JSON_V2, {"a": 1}), (BINARY_V2, base64.b64encode(b'{"a":01}').decode()),
                         (JSON_V2, {"a": 3})):
        r = requests.post(f"{url}/topics/{topic}", headers={"Content-Type": ctype},
                          data=json.dumps({"records": [{"value": value, "partition": 0}]}))
        assert r.status_code == 200, r.text
    base = create_consumer(url, "poison-readers")
    subscribe(base, [topic])
    answers = []
    for _ in range(10):
        r = requests.get(f"{base}/records", headers={"Accept": JSON_V2}, params={"timeout": 300})
        if r.status_code == 200 and not r.json() and len(answers) >= 3:
            break
        if r.status_code != 200 or r.json():
            answers.append((r.status_code, r.json()))
    assert answers[0] == (200, [{"topic": topic, "key": None, "value": {"a": 1}, "partition": 0,
                                 "offset": 0}])
    assert answers[1][0] >= 400 and answers[1][1]["error_code"] == 40801
    assert "offset 1" in answers[1][1]["message"]
    assert answers[2] == (200, [{"topic": topic, "key": None, "value": {"a": 3}, "partition": 0,
                                 "offset": 2}])
    assert len(answers) == 3
