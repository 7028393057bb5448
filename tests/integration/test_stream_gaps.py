"""Streaming-job behaviour of `pinpipe serve` that the other stream tests do not cover (issue 18):
- `stream.table_prefix` names the Delta tables (rows and quarantine) instead of `<pipeline.id>`;
- SIGTERM while a batch is between "plan durable" and "committed" finishes that batch: every
  record of the plan committed, once;
- `pinpipe stream status` shows the lag in records and time while the job is behind."""
import json
import time

import requests

from rest_helpers import JSON_V2
from stream_helpers import fixture_rows, pin_rows, stream_status, table_rows as rows, wait_caught_up
from test_dag import pinpipe


def post(url, topic, values, session=requests):
    return session.post(f"{url}/topics/{topic}", headers={"Content-Type": JSON_V2},
                        data=json.dumps({"records": [{"value": v} for v in values]}), timeout=5)


def test_table_prefix_names_the_stream_tables(server_factory):
    srv = server_factory(["stream.source=rest", "stream.table_prefix=custom", "sink.enabled=false",
                          "scheduler.enabled=false", "stream.compact_interval_ms=0"]).start()
    data = srv.data_dir
    fx = fixture_rows()
    sent = {"pin": pin_rows(0, 30), "geo": fx["geo"][:5],
            "user": fx["user"][:5] + [{"ind": {"not": "a number"}, "first_name": "x"}]}
    s = requests.Session()
    for t, values in sent.items():
        r = post(srv.url, f"pinterest.{t}", values, s)
        assert r.status_code == 200, r.text
    st = wait_caught_up(data, {f"pinterest.{t}": len(v) for t, v in sent.items()})
    assert st["errors"] == 0 and st["last_error"] == "", st
    srv.stop()

    delta = data / "lake" / "delta"
    # Every row under the configured prefix (the pin rows are distinct, so none is a duplicate).
    got_pin = rows(data, "custom_pin_table")
    assert sorted(r["ind"] for r in got_pin) == list(range(30)), got_pin
    assert {r["unique_id"] for r in got_pin} == {f"u{i}" for i in range(30)}
    assert len(rows(data, "custom_geo_table")) == len({json.dumps(r, sort_keys=True) for r in sent["geo"]})
    assert len(rows(data, "custom_user_table")) == len({json.dumps(r, sort_keys=True) for r in fx["user"][:5]})
    quarantined = rows(data, "custom_user_quarantine")
    assert len(quarantined) == 1 and json.loads(quarantined[0]["raw"])["ind"] == {"not": "a number"}, \
        quarantined
    # ... and nothing under the default names (`<pipeline.id>` = pinterest).
    made = sorted(p.name for p in delta.iterdir())
    assert not any(n.startswith("pinterest_") for n in made), made
    assert {"custom_pin_table", "custom_geo_table", "custom_user_table",
            "custom_user_quarantine"} <= set(made), made


def test_sigterm_finishes_the_batch_in_flight(server_factory):
    # The job pauses 1.5 s at each step of its protocol (plan durable, table committed, state
    # durable): the SIGTERM lands while batch 0 is planned and not yet committed.
    srv = server_factory(["stream.source=rest", "sink.enabled=false", "scheduler.enabled=false",
                          "stream.compact_interval_ms=0", "live.enabled=false"],
                         env={"PINPIPE_TEST_STREAM_DELAY_MS": "1500"}).start()
    data = srv.data_dir
    values = pin_rows(0, 50)
    r = post(srv.url, "pinterest.pin", values)  # one append: one batch
    assert r.status_code == 200, r.text
    deadline = time.time() + 60
    while not list((data / "state" / "stream").glob("*/stream.plan")):
        assert time.time() < deadline, "no plan"
        time.sleep(0.02)
    states = list((data / "state" / "stream").glob("*/stream.state"))
    assert not states or stream_status(data)["committed_batch"] < 0, "batch 0 committed already"
    assert srv.stop(timeout=60) == 0, srv.output()  # SIGTERM; exits by itself
    # Without a restart: the batch in flight was committed, with every record of its plan.
    st = stream_status(data)
    assert st["committed_batch"] == 0, st
    assert sorted(r["ind"] for r in rows(data, "pinterest_pin_table")) == list(range(50))
    # A restart neither replays nor duplicates it.
    srv.env.pop("PINPIPE_TEST_STREAM_DELAY_MS")
    srv.start()
    r = post(srv.url, "pinterest.pin", pin_rows(50, 5))
    assert r.status_code == 200, r.text
    wait_caught_up(data, {"pinterest.pin": 55}, no_lag=True)
    srv.stop()
    assert sorted(r["ind"] for r in rows(data, "pinterest_pin_table")) == list(range(55))
    hist = [json.loads(line) for line in pinpipe(
        data, "lake", "history", str(data / "lake" / "delta" / "pinterest_pin_table"),
        "--format", "ndjson").stdout.splitlines() if line]
    epochs = [h["operationParameters"]["epochId"] for h in hist if h.get("operation") == "STREAMING UPDATE"]
    assert sorted(epochs) == ["0", "1"], hist


def test_status_shows_the_lag_while_behind(server_factory):
    # Records produced while the job is off (five appends of 10), then the job on with batches
    # of at most 10 records that pause 1 s at each step: after each of its first batches the job
    # is behind, and `stream status` says by how much, in records and in time.
    srv = server_factory(["stream.source=rest", "stream.enabled=false", "sink.enabled=false",
                          "scheduler.enabled=false"]).start()
    data = srv.data_dir
    for first in range(0, 50, 10):
        r = post(srv.url, "pinterest.pin", pin_rows(first, 10))
        assert r.status_code == 200, r.text
    srv.stop()
    srv.extra_sets = [s for s in srv.extra_sets if s != "stream.enabled=false"] + [
        "stream.max_batch_records=10", "stream.compact_interval_ms=0", "live.enabled=false"]
    srv.env["PINPIPE_TEST_STREAM_DELAY_MS"] = "1000"
    srv.start()
    deadline = time.time() + 60
    while True:  # the status of the first committed batch (the next one is seconds away)
        try:
            st = stream_status(data)
        except (AssertionError, json.JSONDecodeError):
            st = {}
        # (until the job writes its first live status, `stream status` prints the state alone)
        if st.get("committed_batch", -1) >= 0 and all("log_end" in p for p in st["partitions"]):
            break
        assert time.time() < deadline, st
        time.sleep(0.02)
    parts = [p for p in st["partitions"] if p["topic"] == "pinterest.pin"]
    committed = sum(p["committed"] for p in parts)
    assert sum(p["log_end"] for p in parts) == 50, st
    assert 0 < committed < 50, st
    assert sum(p["lag_records"] for p in parts) == 50 - committed, st
    behind = [p for p in parts if p["lag_records"] > 0]
    assert behind and all(p["lag_ms"] > 0 for p in behind), st
    # The listing shows the same kind of figures (of this batch or a later one).
    listed = [json.loads(line) for line in pinpipe(data, "stream", "status", "--format", "ndjson")
              .stdout.splitlines() if line.strip()]
    listed = [p for p in listed if p["topic"] == "pinterest.pin"]
    assert sum(p["log_end"] for p in listed) == 50, listed
    assert sum(p["committed"] + p["lag_records"] for p in listed) == 50, listed
    # Caught up: no lag left.
    wait_caught_up(data, {"pinterest.pin": 50}, timeout=120, no_lag=True)
    srv.stop()
    assert sorted(r["ind"] for r in rows(data, "pinterest_pin_table")) == list(range(50))
