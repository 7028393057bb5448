"""Acknowledged means durable: many concurrent producers while the server is killed with
kill -9 at random moments, several rounds; after each restart every acknowledged record is in
the log exactly once and in order per partition."""
import json
import random
import threading
import time

import requests

from rest_helpers import JSON_V2, V2

ROUNDS = 5
PRODUCERS = 8


def producer(url, writer_id, acked, stop, lock):
    s = requests.Session()
    seq = 0
    while not stop.is_set():
        batch = random.choice([1, 1, 1, 5, 20])
        values = [{"w": writer_id, "s": seq + i, "pad": "x" * 300} for i in range(batch)]
        try:
            r = s.post(f"{url}/topics/crash", headers={"Content-Type": JSON_V2},
                       data=json.dumps({"records": [{"value": v} for v in values]}), timeout=5)
        except requests.RequestException:
            time.sleep(0.01)
            s = requests.Session()
            continue  # not acknowledged: may or may not be in the log
        if r.status_code == 200:
            offs = r.json()["offsets"]
            with lock:
                for v, o in zip(values, offs):
                    assert o["error_code"] is None
                    acked.append(((o["partition"], o["offset"]), (v["w"], v["s"])))
        seq += batch


def read_partition(url, topic, partition):
    base = requests.post(f"{url}/consumers/verify", headers={"Content-Type": V2},
                         data=json.dumps({"format": "json"})).json()["base_uri"]
    requests.post(f"{base}/assignments", headers={"Content-Type": V2},
                  data=json.dumps({"partitions": [{"topic": topic, "partition": partition}]}))
    requests.post(f"{base}/positions/beginning", headers={"Content-Type": V2},
                  data=json.dumps({"partitions": [{"topic": topic, "partition": partition}]}))
    out = []
    while True:
        batch = requests.get(f"{base}/records", params={"timeout": 200},
                             headers={"Accept": JSON_V2}).json()
        if not batch:
            break
        out.extend(batch)
    requests.delete(base)
    return out


def validated_bytes(url):
    """What the last start-up CRC-checked (the active segments after the recovery points)."""
    for line in requests.get(f"{url}/metrics").text.splitlines():
        if line.startswith("pinpipe_log_recovery_validated_bytes "):
            return int(line.split()[1])
    raise AssertionError("no pinpipe_log_recovery_validated_bytes in /metrics")


# Even rounds write a recovery point after every group commit, so that kill -9 also lands in
# the middle of writing one; odd rounds keep the default (once a second or per 16 MiB). Three
# partitions, so that several partitions commit concurrently when the server dies.
def sets_for_round(rnd):
    sets = ["log.default_partitions=3"]
    return sets + ["log.recovery_point_interval_ms=0"] if rnd % 2 == 0 else sets


def test_kill9_under_load_loses_no_acknowledged_record(server_factory):
    server = server_factory(sets_for_round(0)).start()
    acked, lock = [], threading.Lock()
    rng = random.Random(7)
    for rnd in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=producer, args=(server.url, rnd * 100 + w, acked, stop, lock))
                   for w in range(PRODUCERS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.5))
        server.kill9()
        stop.set()
        for t in threads:
            t.join()
        server.extra_sets = sets_for_round(rnd + 1)
        server.start()
        if rnd % 2 == 0:
            # Points after every commit: the restart re-checked a few commits, not the log
            # (which holds at least 300 bytes of padding per acknowledged record).
            assert validated_bytes(server.url) < len(acked) * 300 // 4, server.output()[-2000:]
        # Every acknowledged record is there exactly once, at its acknowledged offset.
        with lock:
            expected = dict(acked)
        assert len(expected) == len(acked), "an offset was acknowledged twice"
        seen = {}
        for p in range(3):
            recs = read_partition(server.url, "crash", p)
            offsets = [r["offset"] for r in recs]
            assert offsets == list(range(len(offsets))), f"partition {p} has gaps or disorder"
            ids = [(r["value"]["w"], r["value"]["s"]) for r in recs]
            assert len(set(ids)) == len(ids), f"partition {p} holds a record twice"
            # Per producer, sequence numbers increase along the partition (post order kept).
            last = {}
            for w, sq in ids:
                assert sq > last.get(w, -1)
                last[w] = sq
            for r in recs:
                seen[(p, r["offset"])] = (r["value"]["w"], r["value"]["s"])
        missing = [k for k, v in expected.items() if seen.get(k) != tuple(v)]
        assert not missing, f"round {rnd}: {len(missing)} acknowledged records lost, e.g. {missing[:3]}"
    assert len(acked) > 100
    assert {p for (p, _), _ in acked} == {0, 1, 2}, "the load did not reach every partition"
