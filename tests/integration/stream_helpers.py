"""What the streaming-job tests share: the job's status, waiting for it to catch up, reading its
tables, the fixture rows, and a kill -9 loop under producer load."""
import json
import random
import threading
import time
from collections import Counter

from conftest import SHARED_DATA
from test_dag import pinpipe

FIXTURE = SHARED_DATA / "fixtures" / "ChefData.input.json"


def stream_status(data):
    return json.loads(pinpipe(data, "stream", "status", "--json").stdout)


def wait_caught_up(data, expected, timeout=60, no_lag=False):
    """expected: {topic: records}. Waits until the job committed that many records of each topic
    (and, with no_lag, reports no lag on any partition)."""
    deadline = time.time() + timeout
    while True:
        try:
            st = stream_status(data)
        except (AssertionError, json.JSONDecodeError):
            st = {"partitions": []}
        got = Counter()
        for p in st.get("partitions", []):
            got[p["topic"]] += p["committed"]
        # Without the job's live status (not written yet, or between its replacements) the
        # status is the minimal one from the state, with no lag fields: not known to be caught up.
        if all(got[t] >= n for t, n in expected.items()) and \
                (not no_lag or all(p.get("lag_records") == 0 for p in st["partitions"])):
            return st
        assert time.time() < deadline, f"stream did not catch up to {expected}: {st}"
        time.sleep(0.1)


def table_rows(data, table):
    """Every row of a lake Delta table ([] while the table does not exist yet)."""
    path = data / "lake" / "delta" / table
    if not (path / "_delta_log").exists():
        return []
    out = pinpipe(data, "lake", "show", str(path), "--format", "ndjson", "--limit", "10000000").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def fixture_rows():
    data = json.loads(FIXTURE.read_text())
    # The notebooks displayed Spark nulls as "null": back to null (as the peer tests do).
    return {t: [{k: (None if v == "null" else v) for k, v in r.items()} for r in data[t]]
            for t in ("pin", "geo", "user")}


def pin_rows(first, n):
    """n distinct, cleanable pin rows with index first, first + 1, ..."""
    return [{"index": i, "unique_id": f"u{i}", "title": "t", "category": "travel",
             "follower_count": "1k", "save_location": "Local save in /data/travel"}
            for i in range(first, first + n)]


def kill9_under_load(srv, producer, rounds, max_up_s, producers=3):
    """Runs `producers` threads of producer(stop) while `srv` (a server, or a stream job: what
    has kill9() and start()) is killed with SIGKILL and restarted `rounds` times at random
    points (up 0.3..max_up_s seconds each time)."""
    stop = threading.Event()
    threads = [threading.Thread(target=producer, args=(stop,)) for _ in range(producers)]
    for t in threads:
        t.start()
    rng = random.Random()
    try:
        for _ in range(rounds):
            time.sleep(rng.uniform(0.3, max_up_s))
            srv.kill9()
            time.sleep(rng.uniform(0.0, 0.3))
            srv.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
