"""Contract tests of the dashboard's JSON API (/ui/api/...), its assets, SSE feed, security
(CSRF, API key on non-loopback binds), the /metrics lines it adds and `pinpipe status`, against
the real binary."""
import gzip
import json
import subprocess
import time

import requests

from conftest import BIN, wait_for
from rest_helpers import JSON_V2, V2, create_consumer, produce_json

UI = "/ui/api"


def csrf(url):
    return requests.get(url + UI + "/session").json()["csrf"]


def test_overview_cards_follow_produced_records(server):
    body = requests.get(server.url + UI + "/overview").json()
    keys = [c["key"] for c in body["cards"]]
    assert {"ingest.requests", "ingest.records", "ingest.p50_ms", "ingest.p99_ms", "group.total_lag",
            "sink.lag", "log.bytes"} <= set(keys)
    for c in body["cards"]:
        assert set(c) >= {"key", "label", "unit", "value", "state", "series"}
        assert c["state"] in ("ok", "warn", "bad", "idle")
        assert set(c["series"]) == {"name", "step", "t0", "values"}
    assert produce_json(server.url, "ov", [{"i": i} for i in range(7)]).status_code == 200

    def records_seen():
        cards = {c["key"]: c for c in requests.get(server.url + UI + "/overview").json()["cards"]}
        return sum(v or 0 for v in cards["ingest.records"]["series"]["values"]) >= 7 and cards
    cards = wait_for(records_seen, timeout=6)
    assert cards, "the sampler never counted the 7 records"
    assert cards["ingest.p99_ms"]["series"]["step"] == 1
    hist = requests.get(server.url + UI + "/history", params={"names": "ingest.records,topic.ov.records",
                                                              "window": 600}).json()
    assert [s["name"] for s in hist["series"]] == ["ingest.records", "topic.ov.records"]
    assert sum(v or 0 for v in hist["series"][1]["values"]) == 7
    # A window above an hour is served from the 1-minute ring.
    assert requests.get(server.url + UI + "/history", params={"names": "ingest.records", "window": 86400}
                        ).json()["series"][0]["step"] == 60


def test_topics_and_message_browser(server):
    assert produce_json(server.url, "mb", [{"n": i} for i in range(5)], keys=[f"k{i}" for i in range(5)]).status_code == 200
    topics = requests.get(server.url + UI + "/topics").json()["topics"]
    t = next(t for t in topics if t["name"] == "mb")
    assert t["records"] == 5 and t["partition_count"] == 1
    assert t["partitions"][0]["high_watermark"] == 5 and t["partitions"][0]["size_bytes"] > 0

    def msgs(**q):
        return requests.get(server.url + UI + "/topics/mb/messages", params=q)
    newest = msgs(limit=2).json()
    assert [r["offset"] for r in newest["records"]] == [3, 4]
    r = newest["records"][1]
    assert json.loads(r["value"]["text"]) == {"n": 4} and r["value"]["json"] is True
    assert r["key"]["text"] == '"k4"' and r["value"]["hex"] == r["value"]["text"].encode().hex()
    assert [r["offset"] for r in msgs(**{"from": "offset", "arg": 1, "limit": 2, "partition": 0}).json()["records"]] == [1, 2]
    assert msgs(**{"from": "offset", "arg": 1, "limit": 2, "partition": 0}).json()["next"] == "3"
    assert [r["offset"] for r in msgs(**{"from": "beginning", "limit": 10}).json()["records"]] == [0, 1, 2, 3, 4]
    ts = newest["records"][0]["timestamp"]
    assert msgs(**{"from": "timestamp", "arg": ts + 10**9}).json()["records"] == []
    assert msgs(**{"from": "timestamp", "arg": 0}).json()["records"][0]["offset"] == 0
    assert msgs(partition=7).status_code == 400
    assert msgs(**{"from": "sideways"}).status_code == 400
    assert msgs(**{"from": "offset", "arg": "x"}).status_code == 400
    assert requests.get(server.url + UI + "/topics/nope/messages").status_code == 404


def test_produce_needs_csrf_and_round_trips(server):
    produce_json(server.url, "pf", [{"seed": 1}])
    url = server.url + UI + "/topics/pf/produce"
    body = {"value": '{ "a" : [1, 2] }', "key": '"k"', "headers": [{"key": "h", "value": "v"}]}
    assert requests.post(url, json=body).status_code == 403  # no token
    assert requests.post(url, json=body, headers={"x-csrf-token": "0" * 32}).status_code == 403
    token = csrf(server.url)
    assert requests.post(url, json=body, headers={"x-csrf-token": token, "Origin": "http://evil.example"}).status_code == 403
    r = requests.post(url, json=body, headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["offset"] == 1 and out["partition"] == 0
    rec = requests.get(server.url + UI + "/topics/pf/messages", params={"from": "offset", "arg": 1, "partition": 0}).json()["records"][0]
    assert rec["value"]["text"] == '{"a":[1,2]}'  # minified, as the REST Proxy stores json
    assert rec["headers"] == [{"key": "h", "value": {"size": 1, "text": "v", "json": False, "hex": "76"}}]
    bad = requests.post(url, json={"value": "{nope"}, headers={"x-csrf-token": token})
    assert bad.status_code == 422
    raw = requests.post(url, json={"value": "plain text", "format": "string"}, headers={"x-csrf-token": token})
    assert raw.status_code == 200
    assert requests.post(server.url + UI + "/topics/missing/produce", json=body, headers={"x-csrf-token": token}).status_code == 404


def test_groups_lag_and_prometheus_lines(server):
    produce_json(server.url, "gl", [{"i": i} for i in range(10)])
    base = create_consumer(server.url, "ui-group")
    r = requests.post(base + "/offsets", headers={"Content-Type": V2},
                      data=json.dumps({"offsets": [{"topic": "gl", "partition": 0, "offset": 3}]}))
    assert r.status_code == 200, r.text
    g = next(g for g in requests.get(server.url + UI + "/groups").json()["groups"] if g["group"] == "ui-group")
    # The REST Proxy commits offset + 1 (the next record to read): lag 10 - 4.
    assert g["lag"] == 6 and g["partitions"] == [{"topic": "gl", "partition": 0, "committed": 4,
                                                  "high_watermark": 10, "lag": 6}]
    line = 'pinpipe_consumer_group_lag{group="ui-group",topic="gl",partition="0"} 6'
    assert wait_for(lambda: line in requests.get(server.url + "/metrics").text, timeout=5), "no lag line in /metrics"
    text = requests.get(server.url + "/metrics").text
    assert 'pinpipe_http_request_duration_seconds_bucket{route="/topics/{topic}",method="POST"' in text
    assert "pinpipe_log_fsync" in text or "pinpipe_fsync" in text
    topics = requests.get(server.url + UI + "/topics").json()["topics"]
    assert next(t for t in topics if t["name"] == "gl")["groups"] == [{"group": "ui-group", "lag": 6}]


def read_sse(url, headers=None, timeout=10):
    r = requests.get(url, headers=headers or {}, timeout=timeout)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/event-stream"
    events, cur = [], {}
    for line in r.text.split("\n"):
        if not line:
            if cur:
                events.append(cur)
            cur = {}
        elif not line.startswith(":"):
            k, _, v = line.partition(": ")
            cur[k] = v
    return events


def test_sse_feed_carries_metrics_and_tail(server):
    produce_json(server.url, "sse", [{"i": 0}])
    first = read_sse(server.url + UI + "/events?topic=sse")
    assert first[0]["retry"] == "100"
    last_id = first[0]["id"]
    assert last_id.endswith("|1")  # a new tail starts live, at the end
    assert any(e.get("event") == "metrics" and "log.bytes" in json.loads(e["data"])["values"] for e in first)
    # Resuming from offset 0 (as the browser's reconnect does with Last-Event-ID) yields the record.
    evs = read_sse(server.url + UI + "/events?topic=sse", headers={"Last-Event-ID": "0|0"})
    recs = [e for e in evs if e.get("event") == "records"]
    assert recs and json.loads(json.loads(recs[0]["data"])["records"][0]["value"]["text"]) == {"i": 0}
    assert evs[0]["id"].endswith("|1")
    # A parked feed wakes up for a new record well before its 15 s deadline.
    t0 = time.time()
    import threading
    threading.Timer(0.3, lambda: produce_json(server.url, "sse", [{"i": 1}])).start()
    evs = read_sse(server.url + UI + "/events?topic=sse", headers={"Last-Event-ID": f"{2**40}|1"})
    assert time.time() - t0 < 10
    recs = [e for e in evs if e.get("event") == "records"]
    assert recs and json.loads(json.loads(recs[0]["data"])["records"][0]["value"]["text"]) == {"i": 1}


def test_assets_are_compressed_etagged_and_confined(server):
    r = requests.get(server.url + "/ui", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "Content-Encoding" not in r.headers and "/ui/assets/app.js" in r.text
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "no-cache"
    assert requests.get(server.url + "/ui", headers={"If-None-Match": etag}).status_code == 304
    z = requests.get(server.url + "/ui/assets/app.js", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert z.headers["Content-Encoding"] == "gzip"
    raw = z.raw.read()
    plain = requests.get(server.url + "/ui/assets/app.js", headers={"Accept-Encoding": "identity"}).content
    assert gzip.decompress(raw) == plain and len(raw) < len(plain) / 2
    assert requests.get(server.url + "/ui/assets/..%2Fapp.js").status_code == 404
    assert requests.get(server.url + "/ui/assets/nope.js").status_code == 404


def test_ui_dir_serves_from_disk(server_factory, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("dev copy 1")
    s = server_factory([f"ui.dir={web}"]).start()
    r = requests.get(s.url + "/ui")
    assert r.text == "dev copy 1" and r.headers["Cache-Control"] == "no-store"
    (web / "index.html").write_text("dev copy 2")
    assert requests.get(s.url + "/ui").text == "dev copy 2"


def test_non_loopback_bind_requires_the_api_key(server_factory):
    nokey = server_factory(["http.bind=0.0.0.0"], name="nokey").start()
    r = requests.get(nokey.url + UI + "/overview")
    assert r.status_code == 403 and "http.api_key" in r.json()["message"]
    s = server_factory(["http.bind=0.0.0.0", "http.api_key=s3cret"], name="key").start()
    assert requests.get(s.url + UI + "/overview").status_code == 403
    assert requests.get(s.url + UI + "/overview", headers={"x-api-key": "wrong"}).status_code == 403
    assert requests.get(s.url + UI + "/overview", headers={"x-api-key": "s3cret"}).status_code == 200
    login = requests.get(s.url + "/ui")
    assert login.status_code == 401 and "/ui/api/login" in login.text
    assert requests.post(s.url + UI + "/login", json={"key": "nope"}).status_code == 403
    sess = requests.Session()
    ok = sess.post(s.url + UI + "/login", json={"key": "s3cret"})
    assert ok.status_code == 200 and "HttpOnly" in ok.headers["Set-Cookie"] and "SameSite=Strict" in ok.headers["Set-Cookie"]
    assert sess.get(s.url + UI + "/overview").status_code == 200
    assert sess.get(s.url + "/ui").status_code == 200
    # Still a CSRF token for state changes, even with the cookie.
    assert sess.post(s.url + UI + "/dags/x/trigger", json={}).status_code == 403


def test_dags_trigger_validates_and_runs(server):
    d = requests.get(server.url + UI + "/dags").json()
    assert d["dags"], "no DAG listed"
    token = csrf(server.url)
    h = {"x-csrf-token": token}
    assert requests.post(server.url + UI + "/dags/no_such_dag/trigger", json={}, headers=h).status_code == 404
    assert requests.post(server.url + UI + f"/dags/{d['dags'][0]}/trigger", json={"date": "2026-13"}, headers=h).status_code == 400
    r = requests.post(server.url + UI + f"/dags/{d['dags'][0]}/trigger", json={"date": "2026-01-02"}, headers=h)
    assert r.status_code == 202, r.text

    def run_listed():
        runs = requests.get(server.url + UI + "/dags").json()["runs"]
        return [x for x in runs if x["logical_date"] == "2026-01-02" and x["tasks"]]
    runs = wait_for(run_listed, timeout=20)
    assert runs and runs[0]["dag_id"] == d["dags"][0] and runs[0]["trigger"] == "manual"
    assert {"task_id", "state", "attempts", "records_in", "records_out", "records_quarantined"} <= set(runs[0]["tasks"][0])


def test_lake_and_analytics_browsing(server_factory):
    s = server_factory(["sink.flush_size=1", "sink.topics=lk"]).start()
    produce_json(s.url, "lk", [{"i": 1}])
    lake = lambda prefix: requests.get(s.url + UI + "/lake", params={"prefix": prefix})  # noqa: E731
    entries = wait_for(lambda: lake("topics/lk").json().get("entries"), timeout=15)
    assert entries, lake("topics").text
    # Walk down to the first object and preview it.
    prefix = "topics/lk"
    while entries and entries[0]["dir"]:
        prefix += "/" + entries[0]["name"]
        entries = lake(prefix).json()["entries"]
    obj = requests.get(s.url + UI + "/lake/object", params={"key": prefix + "/" + entries[0]["name"]}).json()
    assert obj["size"] == entries[0]["size"] and json.loads(obj["preview"]["text"].splitlines()[0]) == {"i": 1}
    assert lake("../").status_code == 400
    assert requests.get(s.url + UI + "/lake/object", params={"key": "../../etc/passwd"}).status_code == 400
    assert requests.get(s.url + UI + "/delta").json() == {"tables": []}
    # Analytics results are the CSVs a daily run writes to <data.dir>/reports/<date>/.
    rep = s.data_dir / "reports" / "2026-01-03"
    rep.mkdir(parents=True)
    (rep / "q4_popular_category.csv").write_text('country,category,count\n"Korea, South",art,12\nChile,"say ""hi""",3\n')
    a = requests.get(s.url + UI + "/analytics").json()
    assert a["dates"] == ["2026-01-03"] and a["results"] == [{"name": "q4_popular_category", "rows": 2}]
    res = requests.get(s.url + UI + "/analytics/result", params={"date": "2026-01-03", "name": "q4_popular_category"}).json()
    assert res["columns"] == ["country", "category", "count"]
    assert res["rows"] == [["Korea, South", "art", "12"], ["Chile", 'say "hi"', "3"]]
    assert requests.get(s.url + UI + "/analytics/result", params={"date": "..", "name": "x"}).status_code == 400


def test_status_command_prints_the_summary(server):
    produce_json(server.url, "st", [{"i": i} for i in range(3)])
    wait_for(lambda: any(t["name"] == "st" for t in requests.get(server.url + UI + "/topics").json()["topics"]))
    p = subprocess.run([BIN, "--api", server.url, "status"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert "health: ok" in p.stdout and "Produce p99" in p.stdout
    line = next(l for l in p.stdout.splitlines() if l.strip().startswith("st "))
    assert line.split()[1:3] == ["1", "3"]  # partitions, records
    down = subprocess.run([BIN, "--api", "http://127.0.0.1:1", "status"], capture_output=True, text=True, timeout=30)
    assert down.returncode == 1 and "pinpipe:" in down.stderr


def history_sum(url, name, window=600):
    s = requests.get(url + UI + "/history", params={"names": name, "window": window}).json()["series"][0]
    return sum(v or 0 for v in s["values"])


def put_kinesis_rows(url, stream, shards, rounds=3, per_round=10):
    """PutRecords of pin rows with distinct partition keys; returns the records acknowledged
    per shard id."""
    from kinesis_helpers import boto3_client
    c = boto3_client(url)
    c.create_stream(StreamName=stream, ShardCount=shards)
    acked = {}
    for r in range(rounds):
        out = c.put_records(StreamName=stream, Records=[
            {"Data": json.dumps({"index": r * per_round + j, "title": f"pin {j}"}).encode(),
             "PartitionKey": f"k{r}-{j}"} for j in range(per_round)])
        assert out["FailedRecordCount"] == 0, out
        for a in out["Records"]:
            acked[a["ShardId"]] = acked.get(a["ShardId"], 0) + 1
    return acked


def test_kinesis_streams_document_shows_shards_positions_and_rates(server):
    name = "streaming-pinterest-pin"
    acked = put_kinesis_rows(server.url, name, shards=3)
    total = sum(acked.values())

    def counted():
        doc = requests.get(server.url + UI + "/streams").json()
        s = next((s for s in doc["streams"] if s["name"] == name), None)
        return s if s and sum(v or 0 for v in s["series"]["values"]) >= total else None
    s = wait_for(counted, timeout=6)
    assert s, "the sampler never counted the stream's records"
    assert s["status"] == "ACTIVE" and s["open_shards"] == 3 and s["mode"] == "PROVISIONED"
    shards = s["shards"]
    assert [sh["shard_id"] for sh in shards] == [f"shardId-00000000000{i}" for i in range(3)]
    # The hash ranges cover 0 .. 2^128-1 without gap or overlap.
    assert shards[0]["starting_hash_key"] == "0" and shards[-1]["ending_hash_key"] == str(2**128 - 1)
    for a, b in zip(shards, shards[1:]):
        assert int(b["starting_hash_key"]) == int(a["ending_hash_key"]) + 1
    for sh in shards:
        # Position = the partition's log end; every acknowledged record is counted on its shard.
        assert sh["open"] is True and sh["end_offset"] is None and sh["parent"] is None
        assert sh["position"] == sh["start_offset"] + acked.get(sh["shard_id"], 0), (sh, acked)
        assert sh["records"] == acked.get(sh["shard_id"], 0)
        assert sh["records_per_s"] is None or sh["records_per_s"] >= 0
        # The per-shard rate series adds up to the shard's records.
        assert history_sum(server.url, f"kinesis.{name}.{sh['index']}.records") == sh["records"]
    assert wait_for(lambda: history_sum(server.url, "kinesis.records") == total, timeout=3)
    metrics = requests.get(server.url + "/metrics").text
    for sh in shards:
        assert f'pinpipe_kinesis_shard_records_total{{stream="{name}",shard="{sh["shard_id"]}"}} {sh["records"]}\n' \
            in metrics, metrics[-2000:]
    cards = {c["key"] for c in requests.get(server.url + UI + "/overview").json()["cards"]}
    assert {"kinesis.records", "stream.lag"} <= cards


def test_stream_job_document_shows_positions_lag_batches_and_rates(server):
    name = "streaming-pinterest-pin"
    acked = put_kinesis_rows(server.url, name, shards=2)
    total = sum(acked.values())

    def caught_up():
        d = requests.get(server.url + UI + "/stream").json()
        parts = [p for p in d["partitions"] if p["topic"] == name]
        return d if len(parts) == 2 and sum(p["committed"] for p in parts) == total and \
            all(p["lag_records"] == 0 for p in parts) else None
    d = wait_for(caught_up, timeout=20)
    assert d, requests.get(server.url + UI + "/stream").json()
    assert d["enabled"] is True
    job = d["job"]
    assert job["errors"] == 0 and job["last_error"] == "" and job["records"] == total
    assert job["last_batch"]["records"] > 0 and job["last_batch"]["duration_ms"] >= 0
    streams = {sh["shard_id"]: sh for sh in requests.get(server.url + UI + "/streams").json()["streams"][0]["shards"]}
    for p in (p for p in d["partitions"] if p["topic"] == name):
        # Each shard's committed position is its log end, which the streams page shows too.
        assert p["shard"] == f"shardId-00000000000{p['partition']}"
        assert p["committed"] == p["end"] == streams[p["shard"]]["position"] == acked.get(p["shard"], 0)
        assert p["lag_ms"] == 0 and p["last_record_ms"] > 0
    assert set(d["rates"]) == {"input", "processed", "lag", "batch_ms"}
    # Input (records arriving) and processing (records read) rates over time both add up to
    # what was put.
    assert wait_for(lambda: history_sum(server.url, "stream.input") == total and
                    history_sum(server.url, "stream.processed") == total, timeout=5), \
        (history_sum(server.url, "stream.input"), history_sum(server.url, "stream.processed"))


def test_stream_and_streams_documents_when_the_job_is_off(server_factory):
    srv = server_factory(["stream.enabled=false"]).start()
    assert requests.get(srv.url + UI + "/stream").json() == {"enabled": False}
    assert requests.get(srv.url + UI + "/streams").json() == {"enabled": True, "streams": []}


def delta_snapshot(table_dir):
    """The table's active files, replayed from its JSON commits (independently of the server)."""
    active = set()
    for f in sorted((table_dir / "_delta_log").glob("*.json")):
        for line in f.read_text().splitlines():
            a = json.loads(line) if line else {}
            if "add" in a:
                active.add(a["add"]["path"])
            elif "remove" in a:
                active.discard(a["remove"]["path"])
    return active


def test_record_trace_follows_a_record_to_its_delta_file(server_factory):
    from test_daily_runs import post_interactions
    # One clean part file per raw object (dag.clean_chunk_bytes=1): the commit adds two.
    s = server_factory(["sink.flush_size=5", "dag.clean_chunk_bytes=1"]).start()
    post_interactions(s.url, n=10)  # pinterest.pin offsets 0..9 → objects +0 (0–4) and +5 (5–9)
    trace = lambda offset, topic="pinterest.pin": requests.get(  # noqa: E731
        s.url + UI + "/trace", params={"topic": topic, "partition": 0, "offset": offset})
    # Not there yet: an offset past the log end, and before any batch run.
    future = trace(50).json()
    assert future["record"]["state"] == "not yet" and future["object"]["state"] == "not yet"
    assert future["delta"]["state"] == "not yet" and future["run"]["state"] == "not yet"
    early = wait_for(lambda: (lambda d: d["object"]["state"] == "done" and d)(trace(7).json()), timeout=20)
    assert early, trace(7).text
    assert early["delta"]["state"] == "not yet" and early["run"]["state"] == "not yet"
    assert trace(3, topic="nope").status_code == 404
    assert requests.get(s.url + UI + "/trace", params={"topic": "pinterest.pin", "partition": 9, "offset": 1}).status_code == 400

    h = {"x-csrf-token": csrf(s.url)}
    r = requests.post(s.url + UI + "/dags/pinterest_batch/trigger", json={"date": "2026-11-22"}, headers=h)
    assert r.status_code == 202, r.text

    def run_done():
        runs = requests.get(s.url + UI + "/dags").json()["runs"]
        return [x for x in runs if x["logical_date"] == "2026-11-22" and x["state"] in ("success", "failed")]
    runs = wait_for(run_done, timeout=90, step=0.5)
    assert runs and runs[0]["state"] == "success", runs

    lake = s.data_dir / "lake"
    # The Delta page's document says what the table's own log says.
    doc = requests.get(s.url + UI + "/delta/table", params={"path": "delta/pin"}).json()
    log = sorted((lake / "delta/pin/_delta_log").glob("*.json"))
    assert doc["versions"] == len(log) and doc["history"][0]["version"] == len(log) - 1
    newest = [json.loads(x) for x in log[-1].read_text().splitlines() if x]
    info = next(a["commitInfo"] for a in newest if "commitInfo" in a)
    assert doc["history"][0]["operation"] == info["operation"]
    assert doc["history"][0]["parameters"] == info["operationParameters"]
    assert doc["history"][0]["adds"] == sum("add" in a for a in newest)
    schemas = [a["metaData"]["schemaString"] for f in log for a in map(json.loads, f.read_text().splitlines()) if "metaData" in a]
    assert doc["schema"] == json.loads(schemas[-1])
    assert requests.get(s.url + UI + "/delta/table", params={"path": "delta/nope"}).status_code == 404
    files = {}
    for offset, start, end in ((3, 0, 4), (7, 5, 9)):
        d = trace(offset).json()
        assert d["record"]["state"] == "done"
        value = json.loads(d["record"]["value"]["text"])
        assert value["index"] == offset
        obj = d["object"]
        assert obj["state"] == "done" and (obj["start_offset"], obj["end_offset"]) == (start, end)
        # The object named actually holds the record: read from the lake itself.
        lines = [json.loads(x) for x in (lake / obj["key"]).read_text().splitlines() if x]
        assert value in lines
        delta = d["delta"]
        assert delta["state"] == "done" and delta["table"] == "delta/pin" and delta["logical_date"] == "2026-11-22"
        # Exactly the part file holding the record's row, of the commit's two.
        assert len(delta["files"]) == 2, delta
        assert delta["file"] and (lake / "delta/pin" / delta["file"]).is_file(), delta
        assert delta["file"] in delta_snapshot(lake / "delta/pin") and delta["in_current_snapshot"] is True
        files[offset] = delta["file"]
        # Read back independently: the named row of that file is the record's, and no other
        # part file of the commit has it.
        for f in delta["files"]:
            rows = [json.loads(x) for x in subprocess.run(
                [BIN, "lake", "parquet-cat", str(lake / "delta/pin" / f["path"])],
                capture_output=True, text=True, check=True).stdout.splitlines() if x]
            inds = [r["ind"] for r in rows]
            assert (offset in inds) == (f["path"] == delta["file"]), (f, inds)
            if f["path"] == delta["file"]:
                assert rows[delta["row"]]["ind"] == offset and delta["ind"] == offset
        assert d["run"]["state"] == "done" and d["run"]["run_id"] == runs[0]["run_id"]
        assert d["run"]["dag_id"] == "pinterest_batch" and d["run"]["run_state"] == "success"
    assert files[3] != files[7]


def test_record_trace_of_a_kinesis_record_reaches_the_streaming_commit(server):
    from kinesis_helpers import boto3_client, create_and_put_pins
    name = "streaming-pinterest-pin"
    out = create_and_put_pins(server.url, name)
    rec = out["Records"][5]
    trace = lambda: requests.get(server.url + UI + "/trace", params={"stream": name, "seq": rec["SequenceNumber"]}).json()  # noqa: E731
    d = wait_for(lambda: (lambda t: t["stream"]["state"] == "done" and
                          any(x["holds_record"] for x in t["stream"]["commits"]) and t)(trace()), timeout=20)
    assert d, trace()
    # The sequence number decodes to the record's shard (= partition) and offset.
    assert d["topic"] == name and f"shardId-{d['partition']:012d}" == rec["ShardId"]
    assert json.loads(d["record"]["value"]["text"])["index"] == 5
    commits = d["stream"]["commits"]
    assert commits and all(x["operation"] == "STREAMING UPDATE" and x["batch"] >= 0 for x in commits)
    lake = server.data_dir / "lake"
    for x in commits:
        # Each commit's userMetadata names a range covering the offset; its file is in the snapshot.
        log = lake / x["table"] / "_delta_log" / f"{x['version']:020d}.json"
        info = next(json.loads(line)["commitInfo"] for line in log.read_text().splitlines() if '"commitInfo"' in line)
        meta = json.loads(info["userMetadata"])
        assert any(r["topic"] == name and r["partition"] == d["partition"] and r["start"] <= d["offset"] < r["end"]
                   for r in meta["ranges"]), meta
        if x["holds_record"]:
            assert x["file"] in delta_snapshot(lake / x["table"]) and (lake / x["table"] / x["file"]).is_file()
            rows = [json.loads(line) for line in subprocess.run(
                [BIN, "lake", "parquet-cat", str(lake / x["table"] / x["file"])], capture_output=True, text=True,
                check=True).stdout.splitlines() if line]
            held = rows[x["row"]]
            assert held.get("ind") == 5 or held.get("raw") == d["record"]["value"]["text"], held
        else:
            assert x["holds_record"] is False and x["file"] is None, x
    # Exactly one of the batch's commits (clean or quarantine) holds the record.
    assert [x["holds_record"] for x in commits].count(True) == 1, commits
    assert next(x for x in commits if x["holds_record"])["table"] == "delta/pinterest_pin_table", commits
    # A record the job quarantines: its batch commits to both tables; the quarantine one holds it.
    bad = boto3_client(server.url).put_records(StreamName=name, Records=[
        {"Data": b"not json at all", "PartitionKey": "k1"},
        {"Data": json.dumps({"index": 99, "unique_id": "u99"}).encode(), "PartitionKey": "k1"}])
    qtrace = lambda: requests.get(server.url + UI + "/trace",  # noqa: E731
                                  params={"stream": name, "seq": bad["Records"][0]["SequenceNumber"]}).json()
    # (The batch commits to the clean table, then to the quarantine table: wait for the second.)
    q = wait_for(lambda: (lambda t: t["stream"]["state"] == "done" and
                          any(x["holds_record"] for x in t["stream"]["commits"]) and t)(qtrace()), timeout=20)
    assert q, qtrace()
    held = [x for x in q["stream"]["commits"] if x["holds_record"]]
    assert len(held) == 1 and "quarantine" in held[0]["table"], q["stream"]["commits"]
    assert {x["table"] for x in q["stream"]["commits"]} >= {held[0]["table"]}
    assert requests.get(server.url + UI + "/trace", params={"stream": name, "seq": "12x"}).status_code == 400


def test_worldmap_document_maps_every_dataset_country(server):
    """The Q1 world map's document: projected shapes, the dataset's country names → ISO code (each
    either shaped, with a shape of that code, or listed beside the map), the report's palette."""
    w = requests.get(server.url + UI + "/worldmap").json()
    assert w["width"] == 960 and 400 < w["height"] < 500
    assert len(w["palette"]) >= 8 and all(c.startswith("#") and len(c) == 7 for c in w["palette"])
    shapes = {s["iso"]: s for s in w["shapes"]}
    assert len(shapes) == len(w["shapes"])
    for s in w["shapes"]:
        assert s["d"].startswith("M") and s["d"].endswith("Z"), s["name"]
    names = {c["name"]: c for c in w["countries"]}
    assert len(names) == 243
    for c in w["countries"]:
        assert c["shaped"] == (c["iso"] in shapes), c
    if shapes:  # a build with the geometry (scripts/fetch-geometry)
        assert names["France"]["shaped"] and shapes[names["France"]["iso"]]["name"] == "France"
        assert names["Libyan Arab Jamahiriya"]["iso"] == 434 and names["Libyan Arab Jamahiriya"]["shaped"]
        assert not names["Bouvet Island (Bouvetoya)"]["shaped"]


def test_message_search_reads_only_the_index_blocks_that_may_match(server):
    """Search by key and time range from the per-partition sparse index (blocks of 1,024
    offsets with a key filter and a time span): the answer says how many records it decoded of
    the partition's total, and it is far fewer than all of them."""
    keys = [f"k{i}" for i in range(3000)]
    assert produce_json(server.url, "srch", [{"i": i} for i in range(3000)], keys=keys).status_code == 200
    time.sleep(0.05)  # the second batch is strictly later
    assert produce_json(server.url, "srch", [{"i": 3000 + i} for i in range(500)],
                        keys=[f"m{i}" for i in range(500)]).status_code == 200

    def search(**q):
        return requests.get(server.url + UI + "/topics/srch/search", params=q)

    first = search(key="k1234").json()
    assert [(r["offset"], r["key"]["text"]) for r in first["records"]] == [(1234, '"k1234"')]
    assert first["total"] == 3500 and first["indexed"] == 3500 and first["blocks_total"] == 4
    assert 1 <= first["blocks_read"] < 4 and first["scanned"] <= first["blocks_read"] * 1024 < first["total"]
    again = search(key='"k1234"').json()  # the stored bytes match too; nothing new to index
    assert [r["offset"] for r in again["records"]] == [1234] and again["indexed"] == 0
    assert again["scanned"] <= first["scanned"]  # one form to look up: fewer false positives
    missing = search(key="nobody").json()
    assert missing["records"] == [] and missing["scanned"] < missing["total"] / 2

    # Time range: from the first record of the second batch on.
    ts = requests.get(server.url + UI + "/topics/srch/messages",
                      params={"from": "offset", "arg": 3000, "limit": 1, "partition": 0}).json()["records"][0]["timestamp"]
    later = search(from_ts=ts, limit=1000).json()
    assert [r["offset"] for r in later["records"]] == list(range(3000, 3500))
    assert later["scanned"] < later["total"] and later["blocks_read"] <= 2
    both = search(key="m7", from_ts=ts).json()
    assert [r["offset"] for r in both["records"]] == [3007]
    assert search(key="k7", to_ts=ts - 1).json()["records"][0]["offset"] == 7
    assert search(key="k7", from_ts=ts).json()["records"] == []
    # New records are indexed by the next search.
    assert produce_json(server.url, "srch", [{"i": -1}], keys=["late"]).status_code == 200
    late = search(key="late").json()
    assert late["indexed"] == 1 and [r["offset"] for r in late["records"]] == [3500]
    assert search().status_code == 400 and search(from_ts="x").status_code == 400
    assert requests.get(server.url + UI + "/topics/nope/search", params={"key": "a"}).status_code == 404


def test_message_search_filters_values_on_the_server_in_bounded_scans(server):
    """A filter on the value (a substring, or a top-level JSON field), evaluated by the server
    record by record; a scan decodes at most max_scan records and answers where to continue."""
    made = requests.post(server.url + "/v3/clusters/pinpipe/topics", json={"topic_name": "vf", "partitions_count": 2})
    assert made.status_code == 201, made.text

    def produce(partition, values):
        body = {"records": [{"value": v, "partition": partition} for v in values]}
        resp = requests.post(server.url + "/topics/vf", headers={"Content-Type": JSON_V2}, data=json.dumps(body))
        assert resp.status_code == 200, resp.text
    # Partition 0: travel at 0,5,..,25, "Trip to PARIS" at 3,13,23; partition 1 (later): travel at 0,3,6,9.
    produce(0, [{"i": i, "category": "travel" if i % 5 == 0 else "food",
                 "note": "Trip to PARIS" if i % 10 == 3 else "home"} for i in range(30)])
    time.sleep(0.05)
    produce(1, [{"i": i, "category": "travel" if i % 3 == 0 else "food", "note": "x"} for i in range(10)])
    travel = [(0, o) for o in range(0, 30, 5)] + [(1, o) for o in (0, 3, 6, 9)]

    def search(**q):
        return requests.get(server.url + UI + "/topics/vf/search", params=q)

    def offsets(d):
        return [(r["partition"], r["offset"]) for r in d["records"]]
    everything = search(field="category=travel", limit=1000).json()
    assert offsets(everything) == travel
    assert everything["scanned"] == 40 and everything["total"] == 40 and everything["next"] is None
    assert all(json.loads(r["value"]["text"])["category"] == "travel" for r in everything["records"])
    # Substrings: ASCII case-folded unless case_sensitive.
    assert offsets(search(contains="paris").json()) == [(0, 3), (0, 13), (0, 23)]
    assert offsets(search(contains="paris", case_sensitive="true").json()) == []
    assert offsets(search(contains="PARIS", case_sensitive="1", partition=0).json()) == [(0, 3), (0, 13), (0, 23)]
    assert offsets(search(field="i=7", partition=1).json()) == [(1, 7)]  # a number by its JSON text
    # With the time range and the key filter too: nothing before from_ts of partition 1.
    ts1 = requests.get(server.url + UI + "/topics/vf/messages",
                       params={"from": "offset", "arg": 0, "limit": 1, "partition": 1}).json()["records"][0]["timestamp"]
    assert offsets(search(field="category=travel", from_ts=ts1).json()) == travel[6:]

    # Bounded: 12 records decoded per request, continued from `next` until it is null.
    pages, cursor = [], None
    while True:
        q = {"field": "category=travel", "max_scan": 12, "limit": 1000}
        if cursor:
            q["cursor"] = cursor
        d = search(**q).json()
        pages.append((offsets(d), d["scanned"], d["next"]))
        cursor = d["next"]
        if cursor is None:
            break
        assert len(pages) < 10
    assert pages == [
        ([(0, 0), (0, 5), (0, 10)], 12, "0:12,1:0"),
        ([(0, 15), (0, 20)], 12, "0:24,1:0"),
        ([(0, 25), (1, 0), (1, 3)], 12, "0:30,1:6"),
        ([(1, 6), (1, 9)], 4, None),
    ]
    # The match limit also stops a scan: the rows cut by the merge are where a partition continues.
    first = search(field="category=travel", limit=2).json()
    assert offsets(first) == [(0, 0), (0, 5)] and first["next"] == "0:6,1:0"
    second = search(field="category=travel", limit=2, cursor=first["next"]).json()
    assert offsets(second) == [(0, 10), (0, 15)] and second["next"] == "0:16,1:0"

    # Bad filters: 400 with a message.
    for q, words in [({"field": "category"}, "name=value"), ({"field": "=travel"}, "name"),
                     ({"field": "a=b", "contains": "c"}, "not both"), ({"contains": "x" * 1025}, "longer"),
                     ({"contains": "x", "max_scan": 0}, "max_scan"), ({"contains": "x", "cursor": "0-5"}, "cursor")]:
        bad = search(**q)
        assert bad.status_code == 400 and words in bad.json()["message"], (q, bad.text)


def delta_log_state(table_dir, version):
    """The table's own log replayed up to `version` (delta_replay.py)."""
    from delta_replay import replay_commits
    files = sorted((table_dir / "_delta_log").glob("*.json"))
    return replay_commits(((int(f.stem), f.read_text()) for f in files), version)


def test_delta_snapshot_shows_detail_rows_and_time_travel(server_factory):
    s = server_factory([]).start()
    table = s.data_dir / "lake" / "demo"
    made = json.loads(subprocess.run([BIN, "--data-dir", str(s.data_dir), "lake", "write-demo-table", str(table),
                                      "--appends", "3", "--rows", "4"], check=True, capture_output=True, text=True).stdout)
    snap = lambda **q: requests.get(s.url + UI + "/delta/snapshot", params=dict({"path": "demo"}, **q))  # noqa: E731
    cur = snap().json()
    assert cur["version"] == cur["current_version"] == made["version"]
    # DESCRIBE DETAIL of the current version against the table's own log.
    adds, protocol, meta, times = delta_log_state(table, made["version"])
    d = cur["detail"]
    assert d["format"] == "delta" and d["id"] == meta["id"] and d["location"] == str(table)
    assert d["numFiles"] == len(adds) and d["sizeInBytes"] == sum(a["size"] for a in adds.values())
    assert d["partitionColumns"] == meta["partitionColumns"] and d["properties"] == meta["configuration"]
    assert d["minReaderVersion"] == protocol["minReaderVersion"] and d["minWriterVersion"] == protocol["minWriterVersion"]
    assert d["createdAt"] == meta.get("createdTime") and d["lastModified"] == times[made["version"]]
    assert cur["schema"] == json.loads(meta["schemaString"])
    assert cur["columns"] == [f["name"] for f in cur["schema"]["fields"]]
    # The rows, paged: every row of the version once, in order, as `lake show` prints them.
    shown = subprocess.run([BIN, "--data-dir", str(s.data_dir), "lake", "show", str(table), "--format", "ndjson",
                            "--version", str(made["lastAppendVersion"])], check=True, capture_output=True, text=True).stdout
    expected = [json.loads(x) for x in shown.splitlines() if x]
    v = made["lastAppendVersion"]
    pages, offset = [], 0
    while True:
        p = snap(version=v, offset=offset, limit=5).json()
        assert p["version"] == v and p["offset"] == offset and len(p["rows"]) <= 5
        pages.append(p)
        if not p["more"]:
            break
        offset += 5
    rows = [dict(zip(p["columns"], r)) for p in pages for r in p["rows"]]
    adds_v, _, _, _ = delta_log_state(table, v)
    assert len(rows) == sum(json.loads(a["stats"])["numRecords"] for a in adds_v.values()) == len(expected) > 5
    assert rows == expected
    assert pages[0]["detail"]["numFiles"] == len(adds_v)
    # Time travel by timestamp: the newest commit at or before the time — version 1, or a later
    # one committed within the same millisecond.
    def as_of(t):
        return max(v for v, tv in times.items() if tv <= t)
    assert snap(timestamp=times[1]).json()["version"] == as_of(times[1]) >= 1
    if times[2] - 1 >= times[1]:
        assert snap(timestamp=times[2] - 1).json()["version"] == as_of(times[2] - 1)
    assert snap(timestamp=times[made["version"]] + 10**6).json()["version"] == made["version"]
    assert snap(version=1).json()["detail"]["numFiles"] == len(delta_log_state(table, 1)[0])
    # Errors.
    assert snap(timestamp=times[0] - 1).status_code == 400
    assert snap(version=made["version"] + 1).status_code == 400
    assert snap(version=1, timestamp=times[1]).status_code == 400
    assert snap(path="nope").status_code == 404
    assert snap(path="../etc").status_code == 400


def test_dag_graph_task_log_tail_and_backfill(server_factory):
    import sqlite3
    from test_dag import seed_lake
    s = server_factory(["dag.sink_wait_s=0", "kafka.enabled=false"])
    seed_lake(s.data_dir, interactions=100)
    s.start()
    dag = "pinterest_batch"
    # The graph: the DAG's tasks in topological order with their upstream tasks.
    g = requests.get(s.url + UI + f"/dags/{dag}/graph").json()
    up = {t["task_id"]: t["upstream"] for t in g["tasks"]}
    assert list(up) == ["load", "clean_pin", "clean_geo", "clean_user", "analyze"], up
    assert up["load"] == [] and all(up[c] == ["load"] for c in ("clean_pin", "clean_geo", "clean_user"))
    assert sorted(up["analyze"]) == ["clean_geo", "clean_pin", "clean_user"]
    order = [t["task_id"] for t in g["tasks"]]
    assert all(order.index(u) < order.index(t) for t, ups in up.items() for u in ups)
    assert requests.get(s.url + UI + "/dags/nope/graph").status_code == 404

    # Backfill: validated before anything runs.
    url = s.url + UI + f"/dags/{dag}/backfill"
    h = {"x-csrf-token": csrf(s.url)}
    bf = lambda body, dag_url=url: requests.post(dag_url, json=body, headers=h)  # noqa: E731
    assert requests.post(url, json={"from": "2026-11-20", "to": "2026-11-22"}).status_code == 403  # no CSRF token
    assert bf({"from": "2026-11-2", "to": "2026-11-22"}).status_code == 400
    assert bf({"from": "2026-11-20", "to": "2026-02-30"}).status_code == 400
    r = bf({"from": "2026-11-22", "to": "2026-11-20"})
    assert r.status_code == 400 and "before the start date" in r.json()["message"]
    r = bf({"from": "2020-01-01", "to": "2020-12-31"})
    assert r.status_code == 400 and "too many runs: 366 dates" in r.json()["message"]
    assert bf({"from": "2026-11-20", "to": "2026-11-22"}, s.url + UI + "/dags/nope/backfill").status_code == 404
    # A dry run lists the runs it would create and creates none.
    plan = bf({"from": "2026-11-20", "to": "2026-11-22", "dry_run": True})
    assert plan.status_code == 200, plan.text
    assert plan.json()["dates"] == [{"date": d, "skip": False} for d in ("2026-11-20", "2026-11-21", "2026-11-22")]
    assert plan.json()["runs"] == 3 and plan.json()["started"] is False
    assert requests.get(s.url + UI + "/dags").json()["runs"] == []
    started = bf({"from": "2026-11-20", "to": "2026-11-22", "dry_run": False})
    assert started.status_code == 202, started.text
    assert started.json()["started"] is True and started.json()["runs"] == 3

    def backfilled():
        runs = requests.get(s.url + UI + "/dags").json()["runs"]
        done = [x for x in runs if x["trigger"] == "backfill" and x["state"] in ("success", "failed")]
        return len(done) == 3 and done
    runs = wait_for(backfilled, timeout=180, step=0.5)
    assert runs, requests.get(s.url + UI + "/dags").text
    assert sorted(x["logical_date"] for x in runs) == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert all(x["state"] == "success" for x in runs), runs
    # Planned again: every date already succeeded, so nothing would run (unless rerun).
    again = bf({"from": "2026-11-20", "to": "2026-11-22", "dry_run": True}).json()
    assert [d["skip"] for d in again["dates"]] == [True] * 3 and again["runs"] == 0
    assert bf({"from": "2026-11-20", "to": "2026-11-21", "dry_run": True, "rerun": True}).json()["runs"] == 2

    # A task run's log, as the runner recorded it in the run history, read as a tail.
    run = runs[0]
    log_url = s.url + UI + f"/dags/runs/{run['id']}/log"
    doc = requests.get(log_url, params={"task": "load"}).json()
    assert doc["state"] == "success" and doc["done"] is True
    lines = [x["line"] for x in doc["lines"]]
    db = sqlite3.connect(s.data_dir / "state" / "runs.db")
    stored = [r[0] for r in db.execute("SELECT line FROM task_log WHERE run_pk = ? AND task_id = 'load' ORDER BY seq", (run["id"],))]
    assert lines == stored and len(lines) >= 3
    assert lines[0].startswith("attempt 1 of ") and lines[0].endswith(f" started: run {run['run_id']}, logical date {run['logical_date']}")
    assert lines[-1].startswith("succeeded in ")
    task = next(t for t in run["tasks"] if t["task_id"] == "load")
    assert any(l.startswith(f"rows in {task['records_in']}, out {task['records_out']}") for l in lines), lines
    # The tail: only the lines after the last one read; paging by limit.
    assert requests.get(log_url, params={"task": "load", "after": doc["last_seq"]}).json()["lines"] == []
    first = requests.get(log_url, params={"task": "load", "limit": 1}).json()
    assert [x["line"] for x in first["lines"]] == lines[:1] and first["more"] is True
    rest = requests.get(log_url, params={"task": "load", "after": first["last_seq"]}).json()
    assert [x["line"] for x in rest["lines"]] == lines[1:]
    assert requests.get(log_url, params={"task": "nope"}).status_code == 404
    assert requests.get(log_url).status_code == 400
    assert requests.get(s.url + UI + "/dags/runs/x/log", params={"task": "load"}).status_code == 400
