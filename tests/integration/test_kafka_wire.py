"""issue 16: pinpipe as a Kafka broker over its durable log, driven by real clients —
kafka-python, confluent-kafka (librdkafka), kcat and the Kafka 4.4 Java CLI tools from the peer
kit — and by a raw client (kafka_wire.py) for what real clients never send."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as kw  # noqa: E402
from rest_helpers import create_consumer, produce_json, read_all, subscribe  # noqa: E402

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

FAST_GROUPS = ["kafka.group_initial_rebalance_delay_ms=0"]


@pytest.fixture
def broker(server_factory):
    return server_factory(FAST_GROUPS).start()


def bootstrap(s):
    return f"127.0.0.1:{s.kafka_port}"


PEER = Path(__file__).resolve().parents[1] / "peers" / "peer"


def java_tools():
    """The Kafka 4.4 CLI tools of the peer kit; fails (never skips) when the peer is not
    installed (`tests/peers/peer kafka install`), unless PINPIPE_PEERS=none."""
    if os.environ.get("PINPIPE_PEERS") == "none":
        pytest.skip("PINPIPE_PEERS=none")
    proc = subprocess.run([str(PEER), "kafka", "env", "--json"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"peer kafka: {proc.stderr.strip()}", pytrace=False)
    env = json.loads(proc.stdout)
    return env["PINPIPE_PEER_KAFKA_BIN"], dict(os.environ, JAVA_HOME=env["JAVA_HOME"])


def run_tool(tool, *args, stdin=None, timeout=120):
    bin_dir, env = java_tools()
    p = subprocess.run([f"{bin_dir}/{tool}", *args], input=stdin, capture_output=True, text=True,
                       env=env, timeout=timeout)
    return p


def end_offset(s, topic, partition=0):
    c = KafkaConsumer(bootstrap_servers=bootstrap(s))
    tp = TopicPartition(topic, partition)
    try:
        return c.end_offsets([tp])[tp]
    finally:
        c.close()


# --- the protocol's own answers to bad input (raw frames) -----------------------------------

def test_api_versions_advertises_what_is_implemented_and_answers_unknown_versions(broker):
    c = kw.Conn(broker.kafka_port)
    corr, body = c.call(18, 0, b"", correlation_id=7)
    assert corr == 7
    err, n = struct.unpack_from(">hi", body, 0)
    assert err == 0
    ranges = {}
    for i in range(n):
        key, lo, hi = struct.unpack_from(">hhh", body, 6 + 6 * i)
        ranges[key] = (lo, hi)
    assert ranges[0] == (3, 7) and ranges[1] == (4, 18) and ranges[18] == (0, 3)
    assert ranges[23] == (3, 4)  # OffsetForLeaderEpoch (KIP-320)
    assert ranges[9] == (1, 5)  # OffsetFetch: v5 answers committed leader epochs
    assert ranges[22] == (0, 1)  # InitProducerId: idempotent producers
    assert ranges[37] == (0, 1)  # CreatePartitions
    # A version above ApiVersions' own: Kafka's v0 body with UNSUPPORTED_VERSION (35) and only
    # the ApiVersions range, so the client can retry (kafka.md §1.3).
    # (v3+ use request header v2: an empty tagged-field section after the client id.)
    corr, body = c.call(18, 9, b"\0", correlation_id=8)
    assert corr == 8
    assert body == struct.pack(">hihhh", 35, 1, 18, 0, 3)
    # An unknown API key closes the connection, as Kafka's broker does.
    c.send(kw.request(999, 0, b""))
    assert c.recv_frame() is None
    c.close()
    # So does an unsupported version of another API.
    c = kw.Conn(broker.kafka_port)
    c.send(kw.request(0, 1, b""))
    assert c.recv_frame() is None
    c.close()


def test_frames_over_socket_request_max_bytes_close_the_connection(server_factory):
    s = server_factory(["kafka.socket_request_max_bytes=4096"]).start()
    c = kw.Conn(s.kafka_port)
    c.send(struct.pack(">i", 5000) + b"\0" * 100)
    assert c.recv_frame() is None
    c.close()
    c = kw.Conn(s.kafka_port)  # the server still serves
    assert c.call(18, 0, b"")[1][:2] == b"\0\0"
    c.close()


def test_pipelined_requests_are_answered_in_order(broker):
    c = kw.Conn(broker.kafka_port)
    c.send(b"".join(kw.request(18, v % 3, b"", correlation_id=100 + v) for v in range(20)))
    assert [c.recv_frame()[0] for _ in range(20)] == list(range(100, 120))
    c.close()


def test_corrupt_crc_is_corrupt_message_and_nothing_is_stored(broker):
    c = kw.Conn(broker.kafka_port)
    good = kw.record_batch([b"a", b"b"])
    bad = bytearray(good)
    bad[-1] ^= 0xFF  # inside the CRC's range
    _, body = c.call(0, 3, kw.produce_v3("crc", 0, bytes(bad)))
    assert kw.parse_produce_v3(body) == [(0, 2, -1)]  # CORRUPT_MESSAGE
    _, body = c.call(0, 3, kw.produce_v3("crc", 0, good))
    assert kw.parse_produce_v3(body) == [(0, 0, 0)]
    _, body = c.call(0, 3, kw.produce_v3("crc", 0, b"\0" * 20))
    assert kw.parse_produce_v3(body)[0][1] == 87  # INVALID_RECORD
    _, body = c.call(0, 3, kw.produce_v3("crc", 5, good))
    assert kw.parse_produce_v3(body)[0][1] == 3  # UNKNOWN_TOPIC_OR_PARTITION
    c.close()
    assert end_offset(broker, "crc") == 2


def test_batches_over_message_max_bytes_are_message_too_large(server_factory):
    s = server_factory(["kafka.message_max_bytes=2048"]).start()
    c = kw.Conn(s.kafka_port)
    _, body = c.call(0, 3, kw.produce_v3("big", 0, kw.record_batch([os.urandom(4096)])))
    assert kw.parse_produce_v3(body)[0][1] == 10
    c.close()


def test_idempotent_retries_are_stored_once_and_gaps_are_out_of_order(broker):
    c = kw.Conn(broker.kafka_port)
    _, body = c.call(22, 0, kw.string(None) + struct.pack(">i", 60000))
    _throttle, err, pid, epoch = struct.unpack(">ihqh", body)
    assert err == 0 and pid >= 0 and epoch == 0
    first = kw.record_batch([b"r0", b"r1"], pid, 0, 0)
    second = kw.record_batch([b"r2"], pid, 0, 2)
    assert kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, first))[1]) == [(0, 0, 0)]
    assert kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, second))[1]) == [(0, 0, 2)]
    # A retry of the first batch: answered with its original offset, not stored again.
    assert kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, first))[1]) == [(0, 0, 0)]
    # Sequence 5 after 2: OUT_OF_ORDER_SEQUENCE_NUMBER (45).
    gap = kw.record_batch([b"r5"], pid, 0, 5)
    assert kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("idem", 0, gap))[1])[0][1] == 45
    c.close()
    assert end_offset(broker, "idem") == 3


# --- real clients -----------------------------------------------------------------------------

def test_kafka_python_produces_and_a_group_consumes_and_commits(broker):
    p = KafkaProducer(bootstrap_servers=bootstrap(broker), acks="all")
    offsets = [p.send("kp", value=f"v{i}".encode()).get(timeout=20).offset for i in range(10)]
    p.close()
    assert offsets == list(range(10))
    c = KafkaConsumer("kp", bootstrap_servers=bootstrap(broker), group_id="kp-group",
                      auto_offset_reset="earliest", enable_auto_commit=False,
                      consumer_timeout_ms=10000)
    got = []
    for m in c:
        got.append(m.value)
        if len(got) == 6:
            break
    c.commit()
    c.close()
    assert got == [f"v{i}".encode() for i in range(6)]
    # One offset store: a REST Proxy consumer of the same group resumes where it committed.
    base = create_consumer(broker.url, "kp-group", fmt="binary")
    subscribe(base, ["kp"])
    rest = read_all(base, fmt="binary", idle_polls=3)
    assert [r["offset"] for r in rest] == [6, 7, 8, 9]


def test_kcat_metadata_produce_and_consume(broker):
    if not shutil.which("kcat"):
        pytest.fail("kcat is not installed (scripts/setup installs it)")
    b = bootstrap(broker)
    p = subprocess.run(["kcat", "-b", b, "-P", "-t", "kc", "-K", ":", "-X", "enable.idempotence=true"],
                       input="k1:one\nk2:two\nk3:three\n", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    p = subprocess.run(["kcat", "-b", b, "-C", "-t", "kc", "-o", "beginning", "-e", "-f", "%o %k %s\n"],
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.splitlines() == ["0 k1 one", "1 k2 two", "2 k3 three"], p.stderr
    p = subprocess.run(["kcat", "-b", b, "-L", "-J"], capture_output=True, text=True, timeout=60)
    meta = json.loads(p.stdout)
    assert meta["brokers"] == [{"id": 1, "name": f"127.0.0.1:{broker.kafka_port}"}]
    assert {"topic": "kc"}.items() <= next(t for t in meta["topics"] if t["topic"] == "kc").items()


def test_confluent_kafka_group_of_three_shares_partitions(broker):
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    b = bootstrap(broker)
    admin = AdminClient({"bootstrap.servers": b})
    admin.create_topics([NewTopic("shared", 3, 1)])["shared"].result(30)
    prod = Producer({"bootstrap.servers": b, "enable.idempotence": True})
    for i in range(60):
        prod.produce("shared", value=f"m{i}".encode(), partition=i % 3)
    assert prod.flush(30) == 0
    consumers = [Consumer({"bootstrap.servers": b, "group.id": "trio", "auto.offset.reset": "earliest",
                           "enable.auto.commit": False, "session.timeout.ms": 10000})
                 for _ in range(3)]
    for c in consumers:
        c.subscribe(["shared"])
    seen, owners = [], {}
    deadline = time.time() + 60
    while len(seen) < 60 and time.time() < deadline:
        for i, c in enumerate(consumers):
            m = c.poll(0.2)
            if m is None or m.error():
                continue
            seen.append(m.value())
            owners.setdefault(m.partition(), set()).add(i)
            c.commit(m, asynchronous=False)
    assignments = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
    for c in consumers:
        c.close()
    assert sorted(seen) == sorted(f"m{i}".encode() for i in range(60))  # each exactly once
    assert sorted(sum(assignments, [])) == [0, 1, 2]
    assert all(len(a) == 1 for a in assignments), assignments
    # Partitions moved while members joined (the first one owned all three at first), and
    # still no record was read twice: each commit was made before the next rebalance.
    assert set(owners) == {0, 1, 2}


def test_java_tools_create_a_topic_and_read_what_the_rest_proxy_wrote(broker):
    b = bootstrap(broker)
    topic = f"{uuid.uuid4().hex[:6]}.pin"
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--create", "--topic", topic)
    assert p.returncode == 0 and f"Created topic {topic}." in p.stdout, p.stdout + p.stderr
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--list")
    assert topic in p.stdout.split()
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--describe", "--topic", topic)
    # Metadata v10+: the tool shows the topic's id (22 characters, Kafka's base64 form).
    assert re.search(rf"Topic: {re.escape(topic)}\tTopicId: [A-Za-z0-9_-]{{22}}\tPartitionCount: 1\t"
                     r"ReplicationFactor: 1", p.stdout), p.stdout + p.stderr
    values = [{"index": i, "title": f"pin {i}"} for i in range(5)]
    r = produce_json(broker.url, topic, values)
    assert r.status_code == 200, r.text
    p = run_tool("kafka-console-consumer", "--bootstrap-server", b, "--topic", topic,
                 "--from-beginning", "--max-messages", "5", "--timeout-ms", "30000")
    assert [json.loads(line) for line in p.stdout.splitlines()] == values, p.stderr


def test_java_console_consumer_fetches_by_topic_id(broker):
    """Kafka 4.4's consumer negotiates Fetch v18 (flexible, topics by id, KIP-516) and
    OffsetFetch v5: the per-version request counters of /metrics show what it sent, and it
    reads what was produced."""
    b = bootstrap(broker)
    topic = f"{uuid.uuid4().hex[:6]}.geo"
    assert run_tool("kafka-topics", "--bootstrap-server", b, "--create", "--topic", topic).returncode == 0
    values = [{"n": i} for i in range(4)]
    assert produce_json(broker.url, topic, values).status_code == 200
    before = scrape(broker)
    p = run_tool("kafka-console-consumer", "--bootstrap-server", b, "--topic", topic,
                 "--group", f"g-{topic}", "--from-beginning", "--max-messages", "4",
                 "--timeout-ms", "30000")
    assert [json.loads(line) for line in p.stdout.splitlines()] == values, p.stderr
    after = scrape(broker)

    def grew(api, version):
        key = ("pinpipe_kafka_requests_by_version_total", f'api="{api}",version="{version}"')
        return after.get(key, 0) - before.get(key, 0)

    assert grew("Fetch", 18) >= 1, {k: v for k, v in after.items() if "by_version" in k[0]}
    assert all(grew("Fetch", v) == 0 for v in range(4, 18))  # never by name
    assert grew("OffsetFetch", 5) >= 1


def test_java_tools_delete_a_topic_and_a_recreated_one_starts_empty(broker):
    """DeleteTopics (20) as `kafka-topics --delete` sends it: the topic leaves `--list`, its
    records and committed offsets go, and a topic created again under the name starts at
    offset 0; an unknown topic gets UnknownTopicOrPartitionException."""
    b = bootstrap(broker)
    topic = f"{uuid.uuid4().hex[:6]}.user"
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--create", "--topic", topic)
    assert p.returncode == 0, p.stdout + p.stderr
    assert produce_json(broker.url, topic, [{"n": i} for i in range(3)]).status_code == 200
    assert end_offset(broker, topic) == 3
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--delete", "--topic", topic)
    assert p.returncode == 0, p.stdout + p.stderr
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--list")
    assert topic not in p.stdout.split(), p.stdout
    r = requests.get(f"{broker.url}/topics/{topic}")
    assert r.status_code == 404, r.text
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--delete", "--topic", topic)
    assert p.returncode != 0
    assert "UnknownTopicOrPartitionException" in p.stdout + p.stderr or \
        "does not exist" in p.stdout + p.stderr, p.stdout + p.stderr
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--create", "--topic", topic)
    assert p.returncode == 0, p.stdout + p.stderr
    assert end_offset(broker, topic) == 0
    assert produce_json(broker.url, topic, [{"n": "new"}]).json()["offsets"][0]["offset"] == 0


def test_delete_topics_raw_answers_and_the_disabled_switch(server_factory):
    """The raw DeleteTopics answers: NONE for an existing topic (then it is gone),
    UNKNOWN_TOPIC_OR_PARTITION for an unknown one, TOPIC_DELETION_DISABLED when
    kafka.delete_topic_enable=false (Kafka's delete.topic.enable)."""
    for enabled in (True, False):
        s = server_factory(FAST_GROUPS + [f"kafka.delete_topic_enable={str(enabled).lower()}"],
                           name=f"data-{enabled}")
        s.start()
        assert produce_json(s.url, "doomed", [{"n": 1}]).status_code == 200
        c = kw.Conn(s.kafka_port)
        body = struct.pack(">i", 2) + kw.string("doomed") + kw.string("never-was") + \
            struct.pack(">i", 30000)
        _, resp = c.call(20, 1, body)  # DeleteTopics v1: throttle, [name, error_code]
        c.close()
        (count,) = struct.unpack(">i", resp[4:8])
        codes, pos = {}, 8
        for _ in range(count):
            (n,) = struct.unpack(">h", resp[pos:pos + 2])
            name = resp[pos + 2:pos + 2 + n].decode()
            (codes[name],) = struct.unpack(">h", resp[pos + 2 + n:pos + 4 + n])
            pos += 4 + n
        if enabled:
            assert codes == {"doomed": 0, "never-was": 3}
            assert requests.get(f"{s.url}/topics/doomed").status_code == 404
        else:
            assert codes == {"doomed": 73, "never-was": 3}
            assert requests.get(f"{s.url}/topics/doomed").status_code == 200
        s.stop()


def test_java_tools_alter_partitions_and_the_rest_proxy_sees_the_new_ones(broker):
    """CreatePartitions (37) as `kafka-topics --alter --partitions` sends it: the topic grows in
    place, the REST Proxy produces to and consumes from the new partitions, and shrinking gets
    Kafka's InvalidPartitionsException."""
    b = bootstrap(broker)
    topic = f"{uuid.uuid4().hex[:6]}.geo"
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--create", "--topic", topic,
                 "--partitions", "1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert produce_json(broker.url, topic, [{"n": 0}]).status_code == 200
    # A REST consumer subscribed before the topic grows.
    early = create_consumer(broker.url, "alter-early")
    subscribe(early, [topic])
    assert [(r["partition"], r["value"]["n"]) for r in read_all(early, idle_polls=3)] == [(0, 0)]
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--alter", "--topic", topic,
                 "--partitions", "3")
    assert p.returncode == 0, p.stdout + p.stderr
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--describe", "--topic", topic)
    assert re.search(rf"Topic: {re.escape(topic)}\tTopicId: \S+\tPartitionCount: 3\t", p.stdout), \
        p.stdout + p.stderr
    p = run_tool("kafka-topics", "--bootstrap-server", b, "--alter", "--topic", topic,
                 "--partitions", "2")
    assert p.returncode != 0
    assert "InvalidPartitionsException" in p.stdout + p.stderr
    assert "Topic currently has 3 partitions, which is higher than the requested 2." in p.stdout + p.stderr
    # The REST Proxy writes to a new partition and its consumers read all three.
    r = requests.post(f"{broker.url}/topics/{topic}/partitions/2",
                      headers={"Content-Type": "application/vnd.kafka.json.v2+json"},
                      data=json.dumps({"records": [{"value": {"n": 2}}]}))
    assert r.status_code == 200, r.text
    assert r.json()["offsets"][0]["partition"] == 2
    assert end_offset(broker, topic, 2) == 1
    base = create_consumer(broker.url, "alter-side")
    subscribe(base, [topic])
    got = read_all(base, idle_polls=3)
    assert sorted((r["partition"], r["value"]["n"]) for r in got) == [(0, 0), (2, 2)]
    # The earlier consumer's assignment is redone with the new partitions.
    assert [(r["partition"], r["value"]["n"]) for r in read_all(early, idle_polls=3)] == [(2, 2)]
    # The raw answer for an unknown topic.
    c = kw.Conn(broker.kafka_port)
    name = b"nope"
    body = struct.pack(">ih", 1, len(name)) + name + struct.pack(">ii", 4, -1)
    body += struct.pack(">i?", 1000, False)
    _, resp = c.call(37, 1, body)
    throttle, n, ln = struct.unpack_from(">iih", resp, 0)
    assert n == 1 and resp[10:10 + ln] == name
    assert struct.unpack_from(">h", resp, 10 + ln)[0] == 3  # UNKNOWN_TOPIC_OR_PARTITION
    c.close()


def test_java_idempotent_console_producer_to_a_rest_consumer(broker):
    b = bootstrap(broker)
    lines = [json.dumps({"n": i}) for i in range(20)]
    p = run_tool("kafka-console-producer", "--bootstrap-server", b, "--topic", "j2r",
                 "--producer-property", "enable.idempotence=true", "--producer-property", "acks=all",
                 stdin="\n".join(lines) + "\n")
    assert p.returncode == 0, p.stderr
    base = create_consumer(broker.url, "rest-side")
    subscribe(base, ["j2r"])
    got = read_all(base, idle_polls=3)
    assert [r["value"] for r in got] == [{"n": i} for i in range(20)]
    assert [r["offset"] for r in got] == list(range(20))


def test_java_perf_test_producer_with_idempotence_stores_every_record_once(broker):
    b = bootstrap(broker)
    p = run_tool("kafka-producer-perf-test", "--topic", "perf", "--num-records", "20000",
                 "--record-size", "100", "--throughput", "-1", "--producer-props",
                 f"bootstrap.servers={b}", "acks=all", "enable.idempotence=true",
                 "max.in.flight.requests.per.connection=5", "linger.ms=5")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "20000 records sent" in p.stdout
    assert end_offset(broker, "perf") == 20000


def test_java_consumer_groups_tool_describes_a_group(broker):
    p = KafkaProducer(bootstrap_servers=bootstrap(broker))
    for i in range(4):
        p.send("cg", value=b"x").get(timeout=20)
    p.close()
    c = KafkaConsumer("cg", bootstrap_servers=bootstrap(broker), group_id="cg-group",
                      auto_offset_reset="earliest", enable_auto_commit=False,
                      consumer_timeout_ms=8000)
    n = 0
    for _ in c:
        n += 1
        if n == 4:
            break
    c.commit()
    c.close()
    p = run_tool("kafka-consumer-groups", "--bootstrap-server", bootstrap(broker), "--describe",
                 "--group", "cg-group")
    rows = [line.split() for line in p.stdout.splitlines() if line.startswith("cg-group")]
    assert rows and rows[0][1:5] == ["cg", "0", "4", "4"], p.stdout + p.stderr
    p = run_tool("kafka-consumer-groups", "--bootstrap-server", bootstrap(broker), "--group",
                 "cg-group", "--reset-offsets", "--to-earliest", "--execute", "--topic", "cg")
    assert p.returncode == 0, p.stdout + p.stderr
    # The reset lands in the offset store the REST Proxy reads too.
    base = create_consumer(broker.url, "cg-group", fmt="binary")
    subscribe(base, ["cg"])
    assert [r["offset"] for r in read_all(base, fmt="binary", idle_polls=3)] == [0, 1, 2, 3]


def test_acknowledged_kafka_produce_survives_kill_9(server_factory):
    """acks=all over the Kafka protocol is answered after the group commit: after kill -9 under
    an idempotent librdkafka producer's load, every acknowledged record is in the log exactly
    once, at the offset it was acknowledged with."""
    import threading
    from confluent_kafka import Producer
    s = server_factory(FAST_GROUPS).start()
    acked = {}
    stop = threading.Event()

    def on_delivery(err, msg):
        if err is None:
            acked[msg.value()] = msg.offset()

    def load():
        p = Producer({"bootstrap.servers": bootstrap(s), "enable.idempotence": True, "acks": "all",
                      "linger.ms": 1, "message.timeout.ms": 3000})
        i = 0
        while not stop.is_set():
            try:
                p.produce("crash", value=f"r{i:08d}".encode(), on_delivery=on_delivery)
                i += 1
            except BufferError:
                pass
            p.poll(0 if i % 100 else 0.001)
        p.flush(5)

    t = threading.Thread(target=load)
    t.start()
    deadline = time.time() + 30
    while len(acked) < 2000 and time.time() < deadline:
        time.sleep(0.05)
    s.kill9()
    stop.set()
    t.join(30)
    assert len(acked) >= 2000
    s.start()
    c = KafkaConsumer(bootstrap_servers=bootstrap(s), auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=5000)
    c.assign([TopicPartition("crash", 0)])
    stored = {}
    for m in c:
        assert m.value not in stored, f"{m.value} stored twice"
        stored[m.value] = m.offset
    c.close()
    missing = [v for v, off in acked.items() if stored.get(v) != off]
    assert not missing, f"{len(missing)} acknowledged records lost or moved, e.g. {missing[:3]}"


CONSUMER = r"""
import json, sys
from kafka import KafkaConsumer
c = KafkaConsumer("moving", bootstrap_servers=sys.argv[1], group_id="kill3",
                  auto_offset_reset="earliest", enable_auto_commit=False,
                  session_timeout_ms=6000, heartbeat_interval_ms=500)
while True:
    for tp, msgs in c.poll(200).items():
        for m in msgs:
            c.commit({tp: __import__("kafka").OffsetAndMetadata(m.offset + 1, None)})
            print(json.dumps({"p": m.partition, "v": m.value.decode()}), flush=True)
"""


def test_kafka_python_group_member_killed_its_partitions_move(broker):
    """Three kafka-python members share three partitions; one is killed (-9): within the session
    timeout its partition moves to the others and no record is lost or read twice (each record
    is committed before it is reported)."""
    import threading
    from confluent_kafka.admin import AdminClient, NewTopic
    b = bootstrap(broker)
    admin = AdminClient({"bootstrap.servers": b})
    admin.create_topics([NewTopic("moving", 3, 1)])["moving"].result(30)
    procs, seen, lock = [], [], threading.Lock()

    def reader(i, proc):
        for line in proc.stdout:
            rec = json.loads(line)
            with lock:
                seen.append((i, rec["p"], rec["v"]))

    for i in range(3):
        p = subprocess.Popen([sys.executable, "-c", CONSUMER, b], stdout=subprocess.PIPE, text=True)
        procs.append(p)
        threading.Thread(target=reader, args=(i, p), daemon=True).start()
    try:
        prod = KafkaProducer(bootstrap_servers=b, acks="all")

        def produce(start):
            for k in range(start, start + 30):
                prod.send("moving", value=f"m{k}".encode(), partition=k % 3).get(timeout=20)

        def wait_for(n, timeout):
            deadline = time.time() + timeout
            while time.time() < deadline:
                with lock:
                    if len(seen) >= n:
                        return True
                time.sleep(0.1)
            return False

        # Wait until the group settled with one partition per member, then send the first half.
        deadline = time.time() + 60
        while time.time() < deadline and run_kafka_groups_state(broker) != 3:
            time.sleep(0.5)
        produce(0)
        assert wait_for(30, 60), seen
        with lock:
            owners = {}
            for i, part, _ in seen:
                owners.setdefault(part, set()).add(i)
        victim = next(iter(owners[0]))
        procs[victim].kill()
        procs[victim].wait()
        produce(30)
        assert wait_for(60, 60), f"only {len(seen)} of 60 records read after a member was killed"
        time.sleep(1)
        with lock:
            values = [v for _, _, v in seen]
            late_owners = {i for i, part, v in seen if part == 0 and int(v[1:]) >= 30}
        assert sorted(values) == sorted(f"m{k}" for k in range(60))  # none lost, none twice
        assert victim not in late_owners and late_owners
        prod.close()
    finally:
        for p in procs:
            p.kill()
            p.wait()


def run_kafka_groups_state(s):
    """Members of group kill3 as DescribeGroups reports them (raw request, v0)."""
    c = kw.Conn(s.kafka_port)
    try:
        _, body = c.call(15, 0, struct.pack(">i", 1) + kw.string("kill3"))
    finally:
        c.close()
    pos = 4 + 2
    (glen,) = struct.unpack_from(">h", body, pos)
    pos += 2 + glen
    (slen,) = struct.unpack_from(">h", body, pos)
    state = body[pos + 2:pos + 2 + slen].decode()
    pos += 2 + slen
    for _ in range(2):  # protocol type, protocol
        (n,) = struct.unpack_from(">h", body, pos)
        pos += 2 + n
    (members,) = struct.unpack_from(">i", body, pos)
    return members if state == "Stable" else -1


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compressed_batches_are_stored_as_sent_and_read_back(broker, codec):
    """The Java producer compresses with every codec (librdkafka 2.0.2 compresses only zstd
    against a broker without Produce v0-v2, Kafka 4.4 included: its codec check asks for them).
    The batches are stored as sent and kcat (librdkafka) decompresses them."""
    b = bootstrap(broker)
    topic = f"z-{codec}"
    values = [f"{codec}-{i}-" * 20 for i in range(200)]
    p = run_tool("kafka-console-producer", "--bootstrap-server", b, "--topic", topic,
                 "--compression-codec", codec,
                 "--producer-property", "linger.ms=100", "--producer-property", "batch.size=1000000",
                 stdin="\n".join(values) + "\n")
    assert p.returncode == 0, p.stderr
    # A raw Fetch v4 returns the batches as the client sent them: its codec in the attributes,
    # and far fewer bytes than the values.
    c = kw.Conn(broker.kafka_port)
    req = struct.pack(">iiiib", -1, 0, 1, 1 << 24, 0) + struct.pack(">i", 1) + kw.string(topic)
    req += struct.pack(">i", 1) + struct.pack(">iqi", 0, 0, 1 << 24)
    _, body = c.call(1, 4, req)
    c.close()
    pos = 4 + 4 + 2 + len(topic) + 4
    part, err, hw, _lso, _aborted, size = struct.unpack_from(">ihqqii", body, pos)
    records = body[pos + 30:pos + 30 + size]
    assert (err, hw) == (0, 200)
    codes = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
    batch_pos, codecs = 0, set()
    while batch_pos + 61 <= len(records):
        (length,) = struct.unpack_from(">i", records, batch_pos + 8)
        codecs.add(struct.unpack_from(">h", records, batch_pos + 21)[0] & 7)
        batch_pos += 12 + length
    assert codecs == {codes[codec]}
    assert 0 < size < sum(map(len, values)) // 3
    p = subprocess.run(["kcat", "-b", b, "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%s\n"],
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.splitlines() == values, p.stderr[-500:]


def fetch_v4(topic, offset, max_wait_ms=0, min_bytes=1):
    req = struct.pack(">iiiib", -1, max_wait_ms, min_bytes, 1 << 20, 0) + struct.pack(">i", 1)
    req += kw.string(topic) + struct.pack(">i", 1) + struct.pack(">iqi", 0, offset, 1 << 20)
    return req


def parse_fetch_v4(body, topic):
    pos = 4 + 4 + 2 + len(topic) + 4
    _p, err, hw, _lso, _aborted, size = struct.unpack_from(">ihqqii", body, pos)
    return err, hw, body[pos + 30:pos + 30 + size]


def test_a_parked_fetch_is_answered_when_data_arrives(broker):
    setup = kw.Conn(broker.kafka_port)
    assert kw.parse_produce_v3(setup.call(0, 3, kw.produce_v3("poll", 0, kw.record_batch([b"a"])))[1])[0][1] == 0
    waiting = kw.Conn(broker.kafka_port, timeout=30)
    waiting.send(kw.request(1, 4, fetch_v4("poll", 1, max_wait_ms=20000), correlation_id=5))
    time.sleep(0.3)  # let the fetch park (the answer's content, not its timing, is checked)
    assert kw.parse_produce_v3(setup.call(0, 3, kw.produce_v3("poll", 0, kw.record_batch([b"late"])))[1]) == [(0, 0, 1)]
    corr, body = waiting.recv_frame()
    assert corr == 5
    err, hw, records = parse_fetch_v4(body, "poll")
    assert (err, hw) == (0, 2)
    assert b"late" in records and struct.unpack_from(">q", records, 0)[0] == 1
    # Past the end: OFFSET_OUT_OF_RANGE; at the end with no wait: empty, no error.
    assert parse_fetch_v4(setup.call(1, 4, fetch_v4("poll", 5))[1], "poll")[:2] == (1, -1)
    assert parse_fetch_v4(setup.call(1, 4, fetch_v4("poll", 2))[1], "poll") == (0, 2, b"")
    setup.close()
    waiting.close()


def test_unknown_topics_without_auto_creation(server_factory):
    s = server_factory(["log.auto_create_topics=false"]).start()
    c = kw.Conn(s.kafka_port)
    # Metadata v4 with allow_auto_topic_creation=true still may not create: broker policy.
    _, body = c.call(3, 4, struct.pack(">i", 1) + kw.string("nope") + b"\x01")
    assert b"nope" in body and struct.pack(">h", 3) + kw.string("nope") in body
    assert kw.parse_produce_v3(c.call(0, 3, kw.produce_v3("nope", 0, kw.record_batch([b"x"])))[1])[0][1] == 3
    assert parse_fetch_v4(c.call(1, 4, fetch_v4("nope", 0))[1], "nope")[0] == 3
    c.close()
    assert requests.get(f"{s.url}/topics").json() == []  # nothing was created


# --- /metrics: the broker's Kafka-protocol counters (issue 20 §2) ---------------------------

def scrape(s):
    """/metrics as {(name, labels): value}; fails on a sample line given twice."""
    text = requests.get(s.url + "/metrics", timeout=10).text
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.rsplit(" ", 1)
        name, _, labels = key.partition("{")
        assert (name, labels.rstrip("}")) not in out, f"sample given twice: {key}"
        out[(name, labels.rstrip("}"))] = float(value)
    return out


def test_metrics_count_kafka_requests_latencies_bytes_and_produced_records(broker):
    before = scrape(broker)
    c = kw.Conn(broker.kafka_port)
    for i in range(3):  # Metadata v0, all topics
        corr, _ = c.call(3, 0, struct.pack(">i", 0), correlation_id=i)
        assert corr == i
    p = KafkaProducer(bootstrap_servers=bootstrap(broker), acks="all", linger_ms=0)
    for i in range(5):  # one at a time: at least one Produce request each
        p.send("km", value=f"v{i}".encode()).get(timeout=20)
    p.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap(broker), auto_offset_reset="earliest",
                             consumer_timeout_ms=10000)
    consumer.assign([TopicPartition("km", 0)])
    got = [m.value for _, m in zip(range(5), consumer)]
    consumer.close()
    assert got == [f"v{i}".encode() for i in range(5)]
    # A Produce body cut short: the broker closes the connection and counts an error.
    c.send(kw.request(0, 3, b"\x00"))
    assert c.recv_frame() is None
    c.close()
    after = scrape(broker)

    def grew(name, labels=""):
        return after[(name, labels)] - before.get((name, labels), 0)

    assert grew("pinpipe_kafka_requests_total", 'api="Metadata"') >= 3
    assert grew("pinpipe_kafka_requests_total", 'api="Produce"') >= 5 + 1
    assert grew("pinpipe_kafka_requests_total", 'api="Fetch"') >= 1
    assert grew("pinpipe_kafka_request_errors_total", 'api="Produce"') == 1
    assert grew("pinpipe_kafka_produced_records_total") == 5
    assert 1 <= grew("pinpipe_kafka_produced_batches_total") <= 5
    assert grew("pinpipe_kafka_received_bytes_total") > 0
    assert grew("pinpipe_kafka_sent_bytes_total") > 0
    assert grew("pinpipe_kafka_connections_accepted_total") >= 3
    # Every client is closed: each answered request is in its API's histogram exactly once.
    for api in ("Metadata", "Produce", "Fetch", "ApiVersions"):
        label = f'api="{api}"'
        total = after[("pinpipe_kafka_requests_total", label)]
        assert total > 0
        assert after[("pinpipe_kafka_request_seconds_count", label)] == total
        assert after[("pinpipe_kafka_request_seconds_bucket", label + ',le="+Inf"')] == total
    assert ("pinpipe_kafka_connections", "") in after
    # The dashboard's overview: a Kafka requests/s card whose 1 s series adds up to them.
    sent = 3 + 5 + 1 + 1

    def card():
        cards = {c["key"]: c for c in requests.get(broker.url + "/ui/api/overview", timeout=10).json()["cards"]}
        k = cards["kafka.requests"]
        return sum(v or 0 for v in k["series"]["values"]) >= sent and k
    deadline = time.time() + 6
    k = card()
    while not k and time.time() < deadline:
        time.sleep(0.2)
        k = card()
    assert k, "the sampler never counted the Kafka requests"
    assert k["label"] == "Kafka requests" and k["unit"] == "/s" and k["state"] == "ok"
