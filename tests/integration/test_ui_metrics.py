"""The /metrics lines behind the dashboard's log, sink and streaming-job views (issue 20 §2):
log end offsets and high watermarks, the sink's committed offsets, lag, objects, bytes and
failed partitions, and the stream job's last batch duration, each checked against what was
produced and what landed in the lake, against the real binary."""
import json
import re

import requests

from conftest import wait_for
from test_sink import lake_objects, produce_to
from test_ui_api import put_kinesis_rows

NAME = "pinpipe-s3-sink"
SINK = ["sink.flush_size=3", "sink.rotate_schedule_interval_ms=200", "log.default_partitions=2"]
LINE = re.compile(r'^(\w+)(?:\{([^}]*)\})? (\S+)$')


def metrics(url):
    """{(name, frozenset(labels)): value} of every sample line of /metrics."""
    out = {}
    for line in requests.get(url + "/metrics").text.splitlines():
        m = LINE.match(line)
        if not m or line.startswith("#"):
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def sample(ms, name, **labels):
    return ms.get((name, frozenset((k, str(v)) for k, v in labels.items())))


def sink_objects(srv, topic):
    return {k: v for k, v in lake_objects(srv.data_dir / "lake").items() if f"/{topic}/" in k}


def test_log_and_sink_lines_follow_what_was_produced_and_landed(server_factory):
    srv = server_factory(SINK).start()
    produce_to(srv.url, "pinterest.pin", 0, [{"i": i} for i in range(7)])
    produce_to(srv.url, "pinterest.pin", 1, [{"i": i} for i in range(7, 11)])
    ends = {0: 7, 1: 4}

    for p, end in ends.items():
        # The log's own gauges answer at once.
        ms = metrics(srv.url)
        assert sample(ms, "pinpipe_log_end_offset", topic="pinterest.pin", partition=p) == end
        assert sample(ms, "pinpipe_log_high_watermark", topic="pinterest.pin", partition=p) == end

    def landed():
        ms = metrics(srv.url)
        return all(sample(ms, "pinpipe_sink_committed_offset", topic="pinterest.pin", partition=p) == end
                   for p, end in ends.items()) and ms
    ms = wait_for(landed, timeout=30)
    assert ms, {k: v for k, v in metrics(srv.url).items() if k[0].startswith("pinpipe_sink")}
    # The sampler writes the sink lines in one pass: they agree with the lake at that moment.
    objects = sink_objects(srv, "pinterest.pin")
    assert sorted(json.loads(line)["i"] for data in objects.values() for line in data.decode().splitlines()) == list(range(11))
    assert sample(ms, "pinpipe_sink_lag_records") == 0
    assert sample(ms, "pinpipe_sink_objects_total") == len(objects)
    assert sample(ms, "pinpipe_sink_bytes_total") == sum(len(v) for v in objects.values())
    assert sample(ms, "pinpipe_sink_failed_partitions") == 0
    assert sample(ms, "pinpipe_sink_paused") == 0
    # /ui/api/sink says the same per partition.
    rows = {r["partition"]: r for r in requests.get(srv.url + "/ui/api/sink").json()["partitions"]
            if r["topic"] == "pinterest.pin"}
    assert sum(r["objects"] for r in rows.values()) == len(objects)
    assert sum(r["bytes"] for r in rows.values()) == sum(len(v) for v in objects.values())

    # Paused, the sink lands nothing: its lag is the records produced since.
    assert requests.put(f"{srv.url}/connectors/{NAME}/pause").status_code == 202
    assert wait_for(lambda: all(t["state"] == "PAUSED" for t in
                                requests.get(f"{srv.url}/connectors/{NAME}/status").json()["tasks"]), timeout=10)
    produce_to(srv.url, "pinterest.pin", 1, [{"i": i} for i in range(11, 16)])
    ms = metrics(srv.url)
    assert sample(ms, "pinpipe_log_end_offset", topic="pinterest.pin", partition=1) == 9
    assert sample(ms, "pinpipe_log_high_watermark", topic="pinterest.pin", partition=1) == 9

    def lagging():
        m = metrics(srv.url)
        return sample(m, "pinpipe_sink_lag_records") == 5 and sample(m, "pinpipe_sink_paused") == 1 and m
    ms = wait_for(lagging, timeout=20)
    assert ms, {k: v for k, v in metrics(srv.url).items() if k[0].startswith("pinpipe_sink")}
    assert sample(ms, "pinpipe_sink_committed_offset", topic="pinterest.pin", partition=1) == 4
    assert sample(ms, "pinpipe_sink_objects_total") == len(objects)

    # Resumed, it catches up: lag 0, and the counters grow by what landed.
    assert requests.put(f"{srv.url}/connectors/{NAME}/resume").status_code == 202

    def caught_up():
        m = metrics(srv.url)
        return sample(m, "pinpipe_sink_committed_offset", topic="pinterest.pin", partition=1) == 9 and \
            sample(m, "pinpipe_sink_lag_records") == 0 and m
    ms = wait_for(caught_up, timeout=30)
    assert ms, {k: v for k, v in metrics(srv.url).items() if k[0].startswith("pinpipe_sink")}
    objects = sink_objects(srv, "pinterest.pin")
    assert sample(ms, "pinpipe_sink_objects_total") == len(objects)
    assert sample(ms, "pinpipe_sink_bytes_total") == sum(len(v) for v in objects.values())


def test_a_failed_sink_partition_is_counted(server_factory):
    srv = server_factory(["sink.flush_size=2", "sink.rotate_schedule_interval_ms=200", "log.default_partitions=1",
                          "sink.errors_tolerance=none"]).start()
    produce_to(srv.url, "pinterest.geo", 0, [{"a": 1}, {"a": 2}])
    produce_to(srv.url, "pinterest.geo", 0, [b"not json {"], binary=True)
    produce_to(srv.url, "pinterest.user", 0, [{"u": 1}])

    def failed():
        m = metrics(srv.url)
        return sample(m, "pinpipe_sink_failed_partitions") == 1 and \
            sample(m, "pinpipe_sink_committed_offset", topic="pinterest.user", partition=0) == 1 and m
    ms = wait_for(failed, timeout=30)
    assert ms, {k: v for k, v in metrics(srv.url).items() if k[0].startswith("pinpipe_sink")}
    # The bad record and everything after it stay in the log: the geo partition's lag is 1.
    assert sample(ms, "pinpipe_sink_committed_offset", topic="pinterest.geo", partition=0) == 2
    assert sample(ms, "pinpipe_sink_lag_records") == 1
    row = next(r for r in requests.get(srv.url + "/ui/api/sink").json()["partitions"] if r["topic"] == "pinterest.geo")
    assert row["failed"] is True and "offset 2" in row["last_error"]


def test_stream_last_batch_duration_is_the_job_documents_last_batch(server):
    name = "streaming-pinterest-pin"
    acked = put_kinesis_rows(server.url, name, shards=2)
    total = sum(acked.values())

    def caught_up():
        d = requests.get(server.url + "/ui/api/stream").json()
        ms = metrics(server.url)
        return d["job"]["records"] == total and all(p["lag_records"] == 0 for p in d["partitions"]) and \
            sample(ms, "pinpipe_stream_records_total") == total and (d, ms)
    got = wait_for(caught_up, timeout=20)
    assert got, requests.get(server.url + "/ui/api/stream").json()
    d, ms = got
    job = d["job"]
    assert sample(ms, "pinpipe_stream_batches_total") == job["batches"] > 0
    # No batch runs once the job has caught up: the gauge and the document name the same batch.
    assert sample(ms, "pinpipe_stream_last_batch_duration_ms") == job["last_batch"]["duration_ms"] >= 0
    text = requests.get(server.url + "/metrics").text
    assert "# TYPE pinpipe_stream_last_batch_duration_ms gauge" in text
