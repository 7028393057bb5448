"""Contract tests of the dashboard documents added for issue 20's missing pages: the REST Proxy
page (/ui/api/rest), the per-task DAG lines on /metrics, the overview's freshness and latency
cards, the consumer groups' member assignments and lag in time, the sink's open objects and
last uploads, the Kinesis iterator ages and the streaming job's batch-duration histogram."""
import json
import re
import time

import requests

from conftest import wait_for
from rest_helpers import JSON_V2, create_consumer, produce_json

UI = "/ui/api"


def csrf(url):
    return requests.get(url + UI + "/session").json()["csrf"]


def route(doc, method, pattern):
    return next((r for r in doc["routes"] if r["method"] == method and r["route"] == pattern), None)


def test_rest_document_counts_requests_by_route_status_and_latency(server):
    for i in range(3):
        assert produce_json(server.url, "rp", [{"i": i}]).status_code == 200
    bad = requests.post(server.url + "/topics/rp", headers={"Content-Type": JSON_V2}, data="{not json")
    assert bad.status_code in (400, 422), bad.text
    assert requests.get(server.url + "/topics/no-such-topic").status_code == 404
    csrf(server.url)  # a dashboard route answered too

    doc = requests.get(server.url + UI + "/rest").json()
    produce = route(doc, "POST", "/topics/{topic}")
    assert produce, [(r["method"], r["route"]) for r in doc["routes"]]
    assert produce["by_class"]["2xx"] == 3 and produce["ui"] is False
    assert produce["errors"] == {str(bad.status_code): 1}
    assert produce["requests"] == 4 == sum(produce["histogram"])
    assert len(produce["histogram"]) == len(doc["buckets"]) + 1
    assert 0 < produce["p50_ms"] <= produce["p99_ms"] <= doc["buckets"][-1] * 1000
    get_topic = route(doc, "GET", "/topics/{topic}")
    assert get_topic["errors"] == {"404": 1} and get_topic["by_class"] == {"4xx": 1}
    codes = {r["code"]: r["count"] for r in doc["rejections"]}
    assert codes[404] == 1 and codes[bad.status_code] == 1
    assert doc["totals"]["4xx"] >= 2 and doc["totals"]["5xx"] == 0
    # The dashboard's own routes are listed, flagged, and kept out of the totals.
    assert route(doc, "GET", "/ui/api/session")["ui"] is True
    assert doc["totals"]["requests"] == sum(r["requests"] for r in doc["routes"] if not r["ui"])

    # The sampler's per-route series add up to the requests.
    def sampled():
        d = requests.get(server.url + UI + "/rest").json()
        p = route(d, "POST", "/topics/{topic}")
        return p if sum(v or 0 for v in p["series"]["requests"]["values"]) == 4 else None
    p = wait_for(sampled, timeout=6)
    assert p, route(requests.get(server.url + UI + "/rest").json(), "POST", "/topics/{topic}")
    assert sum(v or 0 for v in p["series"]["rejected"]["values"]) == 1
    assert any(v is not None and v > 0 for v in p["series"]["p99_ms"]["values"])


def prom_lines(text, name):
    return [l for l in text.splitlines() if l.startswith(name + "{")]


def test_metrics_carry_dag_run_and_task_states_and_durations(server):
    dags = requests.get(server.url + UI + "/dags").json()["dags"]
    dag = dags[0]
    r = requests.post(server.url + UI + f"/dags/{dag}/trigger", json={"date": "2026-02-03"},
                      headers={"x-csrf-token": csrf(server.url)})
    assert r.status_code == 202, r.text

    def finished():
        runs = requests.get(server.url + UI + "/dags").json()["runs"]
        run = next((x for x in runs if x["logical_date"] == "2026-02-03"), None)
        return run if run and run["state"] != "running" else None
    run = wait_for(finished, timeout=60)
    assert run, requests.get(server.url + UI + "/dags").json()["runs"]

    expected = {f'pinpipe_dag_task_runs{{dag="{dag}",task="{t["task_id"]}",state="{t["state"]}"}} 1' for t in run["tasks"]}

    def metrics_show_the_run():
        text = requests.get(server.url + "/metrics").text
        return text if expected <= set(prom_lines(text, "pinpipe_dag_task_runs")) else None
    text = wait_for(metrics_show_the_run, timeout=10)
    assert text, (expected, prom_lines(requests.get(server.url + "/metrics").text, "pinpipe_dag_task_runs"))
    assert f'pinpipe_dag_runs{{dag="{dag}",state="{run["state"]}"}} 1' in prom_lines(text, "pinpipe_dag_runs")
    last = [l for l in prom_lines(text, "pinpipe_dag_last_run_seconds") if f'dag="{dag}"' in l]
    assert len(last) == 1 and f'state="{run["state"]}"' in last[0]
    assert abs(float(last[0].split()[-1]) - (run["end_us"] - run["start_us"]) / 1e6) < 1e-3
    durations = {}
    for l in prom_lines(text, "pinpipe_dag_task_last_duration_seconds"):
        m = re.match(r'pinpipe_dag_task_last_duration_seconds\{dag="([^"]+)",task="([^"]+)"\} (\S+)$', l)
        assert m, l
        durations[(m[1], m[2])] = float(m[3])
    finished_tasks = [t for t in run["tasks"] if t["state"] in ("success", "failed") and t["duration_us"] > 0]
    assert finished_tasks, run["tasks"]
    for t in finished_tasks:
        assert abs(durations[(dag, t["task_id"])] - t["duration_us"] / 1e6) < 1e-3, (t, durations)
    # Tasks that never ran have no duration line.
    for t in run["tasks"]:
        if t["state"] not in ("success", "failed"):
            assert (dag, t["task_id"]) not in durations


def overview_cards(url, *keys):
    """The cards of `keys` from one overview document (several requests could straddle an
    update of the cards and mix two states)."""
    cards = {c["key"]: c for c in requests.get(url + UI + "/overview").json()["cards"]}
    return [cards.get(k) for k in keys]


def overview_card(url, key):
    return overview_cards(url, key)[0]


SINK = ["sink.flush_size=5", "sink.rotate_schedule_interval_ms=600000", "log.default_partitions=1"]


def test_sink_document_shows_open_objects_next_rotation_and_last_objects(server_factory):
    from test_sink import lake_objects
    srv = server_factory(SINK).start()
    before = int(time.time() * 1000)
    # One request: 12 records with one timestamp; flush.size 5 cuts [0,5) and [5,10), and
    # [10,12) stays open until the wall-clock rotation (10 min away).
    values = [{"i": i} for i in range(12)]
    assert produce_json(srv.url, "pinterest.pin", values).status_code == 200

    def landed():
        d = requests.get(srv.url + UI + "/sink").json()
        p = next((p for p in d["partitions"] if p["topic"] == "pinterest.pin"), None)
        return d if p and p["committed"] == 10 and p.get("open", {}).get("records") == 2 and len(p["recent"]) == 2 else None
    d = wait_for(landed, timeout=20)
    assert d, requests.get(srv.url + UI + "/sink").json()
    assert d["rotation"]["flush_size"] == 5 and d["rotation"]["rotate_schedule_interval_ms"] == 600000
    p = next(p for p in d["partitions"] if p["topic"] == "pinterest.pin")
    o = p["open"]
    # The open object holds records 10 and 11 as the sink will write them: one JSON line each.
    assert o["start_offset"] == 10 and o["bytes"] == sum(len(json.dumps(v, separators=(",", ":"))) + 1 for v in values[10:])
    assert before - 1000 <= o["since_ms"] <= int(time.time() * 1000)
    assert before - 1000 <= o["first_record_ms"] <= int(time.time() * 1000)
    n = o["next_rotation"]
    assert n["records_left"] == 3 and n["rotate_at_record_ms"] is None
    assert o["since_ms"] < n["rotate_at_ms"] <= o["since_ms"] + 600000
    # The last objects, newest first, are the lake's objects with their keys and sizes.
    objects = {k: v for k, v in lake_objects(srv.data_dir / "lake").items() if "/pinterest.pin/" in k}
    assert [(r["start_offset"], r["end_offset"], r["records"]) for r in p["recent"]] == [(5, 10, 5), (0, 5, 5)]
    for r in p["recent"]:
        match = [k for k in objects if k.endswith(r["key"]) or r["key"].endswith(k)]
        assert len(match) == 1, (r["key"], list(objects))
        assert r["bytes"] == len(objects[match[0]])
        assert before - 1000 <= r["committed_ms"] <= int(time.time() * 1000)

    # Freshness: records 10 and 11 wait in the open object, so the sink lags by their age.
    def lag_card():
        c = overview_card(srv.url, "sink.lag_ms")
        return c if c and c["value"] is not None and c["value"] > 0 else None
    c = wait_for(lag_card, timeout=12)
    assert c, overview_card(srv.url, "sink.lag_ms")
    assert c["value"] <= int(time.time() * 1000) - before + 1000 and c["unit"] == "ms" and c["state"] == "ok"
    lines = [l for l in requests.get(srv.url + "/metrics").text.splitlines() if l.startswith("pinpipe_sink_lag_seconds ")]
    assert len(lines) == 1 and 0 < float(lines[0].split()[1]) <= (time.time() * 1000 - before) / 1000 + 6


def test_group_detail_shows_member_assignments_and_lag_in_time(server):
    from rest_helpers import read_all, subscribe
    produce_json(server.url, "gd", [{"i": i} for i in range(10)])
    t_produced = int(time.time() * 1000)
    base = create_consumer(server.url, "gd-group", name="gd-reader")
    subscribe(base, ["gd"])
    assert len(read_all(base)) == 10
    # Commit offset 3 (the REST Proxy stores 4: the next record to read).
    r = requests.post(base + "/offsets", headers={"Content-Type": "application/vnd.kafka.v2+json"},
                      data=json.dumps({"offsets": [{"topic": "gd", "partition": 0, "offset": 3}]}))
    assert r.status_code == 200, r.text
    d = requests.get(server.url + UI + "/groups/gd-group").json()
    assert len(d["members"]) == 1, d
    m = d["members"][0]
    assert m["kind"] == "rest" and m["client_id"] == "gd-reader" and m["member_id"]
    assert m["partitions"] == [{"topic": "gd", "partition": 0}]
    assert any(x.startswith("rest:gd-reader") for x in d["described"])
    p = d["partitions"]
    assert len(p) == 1 and p[0]["committed"] == 4 and p[0]["lag"] == 6 and p[0]["assigned_to"] == m["member_id"]
    # Lag in time = now - the timestamp of record 4 (produced in the request above).
    first = requests.get(server.url + UI + "/topics/gd/messages", params={"from": "offset", "arg": 4, "partition": 0,
                                                                         "limit": 1}).json()["records"][0]
    assert first["timestamp"] <= t_produced
    assert d["time"] - first["timestamp"] == p[0]["lag_ms"] == d["lag_ms"]
    # Caught up: lag 0 in records and in time.
    r = requests.post(base + "/offsets", headers={"Content-Type": "application/vnd.kafka.v2+json"},
                      data=json.dumps({"offsets": [{"topic": "gd", "partition": 0, "offset": 9}]}))
    assert r.status_code == 200
    p = requests.get(server.url + UI + "/groups/gd-group").json()["partitions"][0]
    assert p["lag"] == 0 and p["lag_ms"] == 0
    assert requests.get(server.url + UI + "/groups/no-such-group").status_code == 404


STREAM = "streaming-pinterest-pin"


def stream_caught_up(url, total):
    d = requests.get(url + UI + "/stream").json()
    parts = [p for p in d.get("partitions", []) if p["topic"] == STREAM]
    return d if parts and sum(p["committed"] for p in parts) == total and all(p["lag_records"] == 0 for p in parts) else None


def test_kinesis_iterator_age_per_shard_and_reader(server):
    from kinesis_helpers import boto3_client
    from test_ui_api import put_kinesis_rows
    acked = put_kinesis_rows(server.url, STREAM, shards=1, rounds=2, per_round=10)
    c = boto3_client(server.url)
    it = c.get_shard_iterator(StreamName=STREAM, ShardId="shardId-000000000000",
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = c.get_records(ShardIterator=it, Limit=5)
    assert len(got["Records"]) == 5
    behind = got["MillisBehindLatest"]
    assert wait_for(lambda: stream_caught_up(server.url, acked["shardId-000000000000"]), timeout=20)

    def readers():
        d = requests.get(server.url + UI + "/streams").json()
        sh = next(s for s in d["streams"] if s["name"] == STREAM)["shards"][0]
        kinds = {r["kind"] for r in sh["readers"]}
        return sh if {"GetRecords", "stream job"} <= kinds else None
    sh = wait_for(readers, timeout=5)
    assert sh, requests.get(server.url + UI + "/streams").json()
    by = {r["reader"]: r for r in sh["readers"]}
    # The GetRecords caller's age is the MillisBehindLatest it was answered; the stream job,
    # caught up, is 0 behind; the shard's age is the largest.
    assert by["GetRecords"]["millis_behind"] == behind and by["GetRecords"]["records"] == 5
    assert by["GetRecords"]["at_ms"] <= int(time.time() * 1000)
    assert by["stream job"]["millis_behind"] == 0
    assert sh["iterator_age_ms"] == max(r["millis_behind"] for r in sh["readers"]) == behind
    line = f'pinpipe_kinesis_iterator_age_ms{{stream="{STREAM}",shard="shardId-000000000000"}} {behind}'
    assert wait_for(lambda: line in requests.get(server.url + "/metrics").text.splitlines(), timeout=5), \
        [l for l in requests.get(server.url + "/metrics").text.splitlines() if "iterator_age" in l]
    # A later read that reaches the tip answers 0 behind, and the age follows.
    rest = c.get_records(ShardIterator=got["NextShardIterator"], Limit=100)
    assert rest["MillisBehindLatest"] == 0 and len(rest["Records"]) == 15
    sh = next(s for s in requests.get(server.url + UI + "/streams").json()["streams"] if s["name"] == STREAM)["shards"][0]
    assert sh["iterator_age_ms"] == 0


def test_stream_job_batch_and_commit_latency_histograms(server):
    from test_ui_api import put_kinesis_rows
    acked = put_kinesis_rows(server.url, STREAM, shards=2)
    d = wait_for(lambda: stream_caught_up(server.url, sum(acked.values())), timeout=20)
    assert d, requests.get(server.url + UI + "/stream").json()
    job = d["job"]
    hs = job["histograms"]
    for name in ("batch_duration", "commit_latency"):
        h = hs[name]
        assert len(h["counts"]) == len(h["le"]) + 1 and h["le"] == sorted(h["le"])
    # One observation per committed batch (none replayed here).
    assert sum(hs["batch_duration"]["counts"]) == job["batches"] == sum(hs["commit_latency"]["counts"]) >= 1
    # The last batch is one of the observations: the sum holds at least its duration (whole ms).
    assert hs["batch_duration"]["sum_s"] * 1000 >= job["last_batch"]["duration_ms"] - 1
    text = requests.get(server.url + "/metrics").text
    cum = 0
    for le, n in zip(hs["batch_duration"]["le"] + ["+Inf"], hs["batch_duration"]["counts"]):
        cum += n
        bound = le if le == "+Inf" else f"{le:g}"
        assert f'pinpipe_stream_batch_duration_seconds_bucket{{le="{bound}"}} {cum}' in text, (bound, cum)
    assert f"pinpipe_stream_batch_duration_seconds_count {job['batches']}" in text
    assert f"pinpipe_stream_commit_latency_seconds_count {job['batches']}" in text

    # The overview's ack → Delta cards: quantiles of the batches of the last 30 s.
    def cards():
        p50, p99 = overview_cards(server.url, "stream.latency_p50_ms", "stream.latency_p99_ms")
        return (p50, p99) if p50["value"] is not None and p99["value"] is not None else None
    got = wait_for(cards, timeout=8)
    assert got, overview_card(server.url, "stream.latency_p99_ms")
    p50, p99 = got
    assert p50["unit"] == p99["unit"] == "ms" and 0 <= p50["value"] <= p99["value"] <= 60000
    assert p99["state"] in ("ok", "warn", "bad")


def test_kinesis_iterator_age_of_a_registered_consumer(server_factory):
    from kinesis_helpers import boto3_client
    srv = server_factory(["sink.enabled=false", "stream.enabled=false"]).start()
    c = boto3_client(srv.url)
    c.create_stream(StreamName="efo-age", ShardCount=1)
    arn = c.describe_stream_summary(StreamName="efo-age")["StreamDescriptionSummary"]["StreamARN"]
    consumer = c.register_stream_consumer(StreamARN=arn, ConsumerName="dash")["Consumer"]["ConsumerARN"]
    for i in range(4):
        c.put_record(StreamName="efo-age", Data=f"r{i}".encode(), PartitionKey=f"k{i}")
    r = c.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                             StartingPosition={"Type": "TRIM_HORIZON"})
    behind, got = [], 0
    for ev in r["EventStream"]:
        e = ev["SubscribeToShardEvent"]
        behind.append(e["MillisBehindLatest"])
        got += len(e["Records"])
        if got >= 4:
            break
    r["EventStream"].close()
    sh = next(s for s in requests.get(srv.url + UI + "/streams").json()["streams"] if s["name"] == "efo-age")["shards"][0]
    readers = {x["reader"]: x for x in sh["readers"]}
    # The consumer is named; its age is what its latest event said (caught up: 0).
    assert set(readers) == {"dash"} and readers["dash"]["kind"] == "consumer", sh["readers"]
    assert readers["dash"]["millis_behind"] == behind[-1] == 0
    assert sh["iterator_age_ms"] == 0
    line = 'pinpipe_kinesis_iterator_age_ms{stream="efo-age",shard="shardId-000000000000"} 0'
    assert wait_for(lambda: line in requests.get(srv.url + "/metrics").text.splitlines(), timeout=5)
