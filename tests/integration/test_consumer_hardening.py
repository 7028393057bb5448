"""Hardening of the REST Proxy's consumer side and of the offsets store (issue 14): hostile
topic patterns, Kafka's offset-commit limits, a damaged offsets file, fetch.min.bytes and
range checks of consumer configs. Each test failed before its fix."""
import json
import threading

import pytest
import requests

from rest_helpers import V2, create_consumer, produce_json, read_all, subscribe

BINARY = "application/vnd.kafka.binary.v2+json"


def post(url, body, timeout=10):
    return requests.post(url, headers={"Content-Type": V2}, data=json.dumps(body), timeout=timeout)


def get_offsets(base, partitions):
    r = requests.get(f"{base}/offsets", headers={"Content-Type": V2},
                     data=json.dumps({"partitions": partitions}), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["offsets"]


def test_huge_topic_pattern_is_refused_and_the_server_keeps_serving(server):
    base = create_consumer(server.url, "g", name="c")
    # 100 kB: std::regex recursed once per character compiling it and overflowed the
    # reactor's stack (SIGSEGV).
    r = post(f"{base}/subscription", {"topic_pattern": "a" * 100000})
    assert r.status_code == 422, r.text
    assert r.json()["error_code"] == 422 and "1024 bytes" in r.json()["message"]
    # Under the size limit but an automaton too big for RE2's memory budget.
    r = post(f"{base}/subscription", {"topic_pattern": "((((a{100}){100}){100}){100})"})
    assert r.status_code == 422, r.text
    assert "invalid topic_pattern" in r.json()["message"]
    assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    # Lookahead is not RE2 syntax: a clear 422, not a 500.
    r = post(f"{base}/subscription", {"topic_pattern": "(?=x)t"})
    assert r.status_code == 422 and "invalid topic_pattern" in r.json()["message"]


def test_backtracking_pattern_neither_hangs_nor_blocks_the_server(server):
    long_names = ["a" * 200 + suffix for suffix in ("x", "y", "c")]
    for t in long_names + ["ab"]:
        assert produce_json(server.url, t, [{"t": t}]).status_code == 200
    base = create_consumer(server.url, "g", name="c")
    # (a*)*b backtracked exponentially over the long names while holding the manager's lock.
    r = post(f"{base}/subscription", {"topic_pattern": "(a*)*b"}, timeout=10)
    assert r.status_code == 204, r.text
    r = requests.get(f"{base}/subscription", timeout=10)
    assert r.json() == {"topics": ["ab"]}
    got = read_all(base)
    assert [g["value"] for g in got] == [{"t": "ab"}]
    assert produce_json(server.url, "ab", [{"t": "more"}]).status_code == 200
    assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    assert server.stop() == 0  # SIGTERM still stops it


def test_offset_commits_obey_kafkas_limits(server):
    produce_json(server.url, "t1", [{"n": 1}])
    base = create_consumer(server.url, "g", name="c")
    subscribe(base, ["t1"])
    ok = post(f"{base}/offsets", {"offsets": [{"topic": "t1", "partition": 0, "offset": 0,
                                                "metadata": "m" * 4096}]})
    assert ok.status_code == 200 and ok.json() == []
    # offset.metadata.max.bytes = 4096 (OFFSET_METADATA_TOO_LARGE); the 8 MB commits of the
    # report grew the offsets file that is read whole at start-up.
    r = post(f"{base}/offsets", {"offsets": [{"topic": "t1", "partition": 0, "offset": 0,
                                               "metadata": "m" * (8 << 20)}]}, timeout=30)
    assert r.status_code == 422, r.text
    assert "OFFSET_METADATA_TOO_LARGE" in r.json()["message"]
    # UNKNOWN_TOPIC_OR_PARTITION: 404/40403 as rest-utils maps it.
    for topic, partition in (("nope", 0), ("t1", 1), ("t1", -1)):
        r = post(f"{base}/offsets", {"offsets": [{"topic": topic, "partition": partition, "offset": 0}]})
        assert r.status_code == 404 and r.json()["error_code"] == 40403, (topic, partition, r.text)
    assert get_offsets(base, [{"topic": "t1", "partition": 0}]) == [
        {"topic": "t1", "partition": 0, "offset": 1, "metadata": "m" * 4096}]
    state = server.data_dir / "state" / "consumer_offsets.log"
    assert state.stat().st_size < 64 << 10
    # Names: topics up to Kafka's 249 bytes, groups and instances up to 255.
    r = post(f"{server.url}/consumers/{'g' * 256}", {"name": "c"})
    assert r.status_code == 422, r.text
    r = post(f"{server.url}/consumers/g", {"name": "i" * 256})
    assert r.status_code == 422, r.text
    r = post(f"{server.url}/consumers/g", {"name": "i" * (1 << 20)}, timeout=30)
    assert r.status_code == 422, r.text
    r = post(f"{base}/subscription", {"topics": ["t" * 250]})
    assert r.status_code == 400 and r.json()["error_code"] == 40002
    assert requests.post(f"{server.url}/consumers/{'g' * 255}", headers={"Content-Type": V2},
                         data=json.dumps({"name": "i" * 255}), timeout=10).status_code == 200


def test_a_flipped_byte_in_the_offsets_file_loses_one_entry_not_all(server):
    produce_json(server.url, "t1", [{"n": i} for i in range(10)])
    bases = {}
    for i, g in enumerate(["g1", "g2", "g3"]):
        bases[g] = create_consumer(server.url, g, name="c")
        subscribe(bases[g], ["t1"])
        assert post(f"{bases[g]}/offsets",
                    {"offsets": [{"topic": "t1", "partition": 0, "offset": i + 2}]}).status_code == 200
    assert server.stop() == 0
    path = server.data_dir / "state" / "consumer_offsets.log"
    data = bytearray(path.read_bytes())
    g2 = data.find(b"g2")
    assert g2 > 0
    # The last byte of g2's offset (group, topic length, "t1", partition, offset): its CRC no
    # longer matches. This used to cut the file at the first bad entry, silently.
    data[g2 + 17] ^= 0x01
    path.write_bytes(bytes(data))
    server.start()
    log = server.output()
    assert "damaged entries skipped" in log and str(path) in log and "g2/t1/0" in log, log
    got = {}
    for g in ("g1", "g2", "g3"):
        base = create_consumer(server.url, g, name="after")
        got[g] = [o["offset"] for o in get_offsets(base, [{"topic": "t1", "partition": 0}])]
    assert got == {"g1": [3], "g2": [], "g3": [5]}
    metrics = requests.get(f"{server.url}/metrics", timeout=5).text
    assert "pinpipe_offsets_damaged_entries_total 1" in metrics
    assert (server.data_dir / "state" / "consumer_offsets.log.damaged").exists()


def test_fetch_min_bytes_waits_for_enough_data(server):
    produce_json(server.url, "t1", [{"first": 1}])
    base = create_consumer(server.url, "g", name="c", **{"fetch.min.bytes": 1000,
                                                          "consumer.request.timeout.ms": 30000})
    subscribe(base, ["t1"])
    result = {}

    def poll():
        r = requests.get(f"{base}/records", params={"timeout": 30000},
                         headers={"Accept": "application/vnd.kafka.json.v2+json"}, timeout=60)
        result["r"] = r

    t = threading.Thread(target=poll)
    t.start()
    # Only ~11 bytes are there: the poll must keep waiting (it used to answer at once).
    t.join(0.5)
    assert t.is_alive(), "answered before fetch.min.bytes were available: " + result["r"].text
    produce_json(server.url, "t1", [{"pad": "x" * 200} for _ in range(6)])
    t.join(30)
    assert not t.is_alive()
    got = result["r"].json()
    assert [g["offset"] for g in got] == list(range(7))
    # The wait ends at the request's timeout with what is there.
    produce_json(server.url, "t1", [{"last": 1}])
    r = requests.get(f"{base}/records", params={"timeout": 200},
                     headers={"Accept": "application/vnd.kafka.json.v2+json"}, timeout=30)
    assert [g["offset"] for g in r.json()] == [7]


@pytest.mark.parametrize("value", [-5, 999999999999, "-5", "999999999999", "12abc", 300001])
def test_consumer_request_timeout_out_of_range_is_refused(server, value):
    r = post(f"{server.url}/consumers/g", {"name": "c", "consumer.request.timeout.ms": value})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error_code"] == 40001 and "consumer.request.timeout.ms" in body["message"]


def test_consumer_request_timeout_in_range_is_used(server):
    base = create_consumer(server.url, "g", name="c", **{"consumer.request.timeout.ms": "0"})
    subscribe(base, ["t1"])
    r = requests.get(f"{base}/records", headers={"Accept": "application/vnd.kafka.json.v2+json"}, timeout=30)
    assert r.status_code == 200 and r.json() == []
    assert post(f"{server.url}/consumers/g", {"name": "d", "consumer.request.timeout.ms": 300000}).status_code == 200
