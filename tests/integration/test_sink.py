"""The S3 sink connector inside `pinpipe serve`: kill -9 at random moments while producers post
through the REST Proxy; afterwards each partition's objects cover its offsets without gap or
overlap, every acknowledged record is in exactly one object, and the objects equal byte for
byte those of an uninterrupted `pinpipe sink --once` over a copy of the same log."""
import base64
import json
import random
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import requests

from conftest import BIN
from rest_helpers import BINARY_V2, JSON_V2

ROUNDS = 5
PRODUCERS = 4
TOPIC = "pinterest.pin"
NAME = re.compile(r"^(?P<t>[^+]+)\+(?P<p>\d+)\+(?P<o>\d{10,})\.json$")


def producer(url, writer_id, acked, stop, lock):
    s = requests.Session()
    seq = 0
    while not stop.is_set():
        batch = random.choice([1, 3, 10])
        values = [{"w": writer_id, "s": seq + i, "title": "pin \u00e9 " + "x" * 200}
                  for i in range(batch)]
        try:
            r = s.post(f"{url}/topics/{TOPIC}", headers={"Content-Type": JSON_V2},
                       data=json.dumps({"records": [{"value": v} for v in values]}), timeout=5)
        except requests.RequestException:
            time.sleep(0.01)
            s = requests.Session()
            continue
        if r.status_code == 200:
            with lock:
                for v in values:
                    acked.add((v["w"], v["s"]))
        seq += batch


def sink_status(data_dir):
    out = subprocess.run([BIN, "--set", f"data.dir={data_dir}", "sink", "status", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return {(p["topic"], p["partition"]): p for p in json.loads(out)["partitions"]}


def lake_objects(lake):
    lake = Path(lake)
    return {str(p.relative_to(lake)): p.read_bytes() for p in sorted(lake.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(lake).parts)}


def wait_until(pred, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return False


def check_coverage(objects, log_ends):
    """Per partition: contiguous from 0 to the log end, no gap, no overlap."""
    by_part = {}
    for key, data in objects.items():
        parts = key.split("/")
        assert parts[0] == "topics" and parts[2].startswith("partition="), key
        m = NAME.match(parts[3])
        assert m, key
        assert m["t"] == parts[1] and "partition=" + m["p"] == parts[2], key
        assert data.endswith(b"\n")
        by_part.setdefault((m["t"], int(m["p"])), []).append((int(m["o"]), data.count(b"\n")))
    for tp, objs in by_part.items():
        objs.sort()
        nxt = 0
        for start, count in objs:
            assert start == nxt, f"{tp}: object at {start}, expected {nxt} (gap or overlap)"
            nxt = start + count
        assert nxt == log_ends[tp], f"{tp}: objects end at {nxt}, log ends at {log_ends[tp]}"
    return by_part


def test_sink_exactly_once_under_kill9(server_factory, tmp_path):
    sets = ["sink.flush_size=37", "sink.rotate_schedule_interval_ms=-1", "log.default_partitions=3"]
    server = server_factory(sets).start()
    acked, lock = set(), threading.Lock()
    rng = random.Random(11)
    for rnd in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=producer, args=(server.url, w + 100 * rnd, acked, stop, lock))
                   for w in range(PRODUCERS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.5, 2.0))
        server.kill9()
        stop.set()
        for t in threads:
            t.join()
        server.start()
    # Final phase: a wall-clock rotation flushes the tails once the sink has caught up.
    server.stop()
    server.extra_sets = ["sink.flush_size=37", "sink.rotate_schedule_interval_ms=500",
                         "log.default_partitions=3"]
    server.start()
    data = server.data_dir

    def caught_up():
        st = sink_status(data)
        return len(st) == 3 and all(p["lag"] == 0 and p["log_end"] > 0 and p["planned_objects"] == 0
                                    and p["state"] == "RUNNING" for p in st.values())
    assert wait_until(caught_up, 60), sink_status(data)
    status = sink_status(data)  # works while the server runs
    server.stop()

    objects = lake_objects(data / "lake")
    log_ends = {tp: p["log_end"] for tp, p in status.items()}
    check_coverage(objects, log_ends)
    seen = {}
    for data_bytes in objects.values():
        for line in data_bytes.decode().splitlines():
            v = json.loads(line)
            key = (v["w"], v["s"])
            assert key not in seen, f"record {key} written twice"
            seen[key] = True
    missing = acked - seen.keys()
    assert not missing, f"{len(missing)} acknowledged records missing, e.g. {sorted(missing)[:5]}"
    assert len(acked) > 100
    assert sum(p["records"] for p in status.values()) == len(seen)

    # An uninterrupted run over a copy of the same log gives the same objects, byte for byte.
    ref = tmp_path / "ref"
    ref.mkdir()
    shutil.copytree(data / "log", ref / "log")
    subprocess.run([BIN, "--set", f"data.dir={ref}", "--set", "log.default_partitions=3",
                    "--set", "sink.flush_size=37", "--set", "sink.rotate_schedule_interval_ms=-1",
                    "sink", "--once"], check=True, capture_output=True)
    ref_objects = lake_objects(ref / "lake")
    assert ref_objects.keys() == objects.keys()
    for k in objects:
        assert ref_objects[k] == objects[k], k


def produce_to(url, topic, partition, values, binary=False):
    if binary:
        recs = [{"value": base64.b64encode(v).decode(), "partition": partition} for v in values]
        ctype = BINARY_V2
    else:
        recs = [{"value": v, "partition": partition} for v in values]
        ctype = JSON_V2
    r = requests.post(f"{url}/topics/{topic}", headers={"Content-Type": ctype},
                      data=json.dumps({"records": recs}))
    assert r.status_code == 200, r.text


def test_bad_record_stops_the_task_with_tolerance_none(server_factory):
    server = server_factory(["sink.flush_size=2", "sink.rotate_schedule_interval_ms=300",
                             "log.default_partitions=1", "sink.errors_tolerance=none"]).start()
    produce_to(server.url, "pinterest.geo", 0, [{"a": 1}, {"a": 2}, {"a": 3}])
    produce_to(server.url, "pinterest.geo", 0, [b"not json {"], binary=True)
    produce_to(server.url, "pinterest.geo", 0, [{"a": 5}, {"a": 6}, {"a": 7}])
    produce_to(server.url, "pinterest.user", 0, [{"u": 1}])  # another task keeps going

    def failed():
        st = sink_status(server.data_dir).get(("pinterest.geo", 0))
        return st is not None and st["state"] == "FAILED"
    assert wait_until(failed, 20), sink_status(server.data_dir)
    assert wait_until(lambda: sink_status(server.data_dir).get(("pinterest.user", 0), {}).get("committed") == 1)
    st = sink_status(server.data_dir)[("pinterest.geo", 0)]
    assert st["error_offset"] == 3
    assert "offset 3" in st["last_error"] and "not valid JSON" in st["last_error"]
    out = subprocess.run([BIN, "--set", f"data.dir={server.data_dir}", "sink", "status"],
                         capture_output=True, text=True, check=True).stdout
    assert "FAILED" in out and "not valid JSON" in out
    time.sleep(0.8)  # the wall clock has passed: nothing more is written
    objs = lake_objects(server.data_dir / "lake")
    geo = {k: v for k, v in objs.items() if "pinterest.geo" in k}
    assert geo == {"topics/pinterest.geo/partition=0/pinterest.geo+0+0000000000.json":
                   b'{"a":1}\n{"a":2}\n'}
    assert objs["topics/pinterest.user/partition=0/pinterest.user+0+0000000000.json"] == b'{"u":1}\n'


def test_bad_records_go_to_the_dead_letter_topic_with_tolerance_all(server_factory):
    server = server_factory(["sink.flush_size=100", "sink.rotate_schedule_interval_ms=300",
                             "log.default_partitions=1", "sink.errors_tolerance=all",
                             "sink.errors_deadletterqueue_topic_name=pinterest-dlq",
                             "sink.behavior_on_null_values=ignore"]).start()
    produce_to(server.url, "pinterest.pin", 0, [{"a": 1}])
    produce_to(server.url, "pinterest.pin", 0, [b"\xff\xfe binary"], binary=True)
    produce_to(server.url, "pinterest.pin", 0, [None, {"a": 3}])

    def flushed():
        st = sink_status(server.data_dir).get(("pinterest.pin", 0))
        return st is not None and st["committed"] == 4
    assert wait_until(flushed, 20), sink_status(server.data_dir)
    st = sink_status(server.data_dir)[("pinterest.pin", 0)]
    assert st["state"] == "RUNNING" and st["dead_lettered"] == 1 and st["records"] == 2
    objs = lake_objects(server.data_dir / "lake")
    assert objs == {"topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json":
                    b'{"a":1}\n{"a":3}\n'}
    # The errant record is in the dead-letter topic (not sunk itself: it does not match).
    from rest_helpers import create_consumer, read_all, subscribe
    base = create_consumer(server.url, "dlq-check", fmt="binary")
    subscribe(base, ["pinterest-dlq"])
    recs = read_all(base, fmt="binary", idle_polls=3)
    assert [base64.b64decode(r["value"]) for r in recs] == [b"\xff\xfe binary"]
