"""issue 16: topic IDs (KIP-516) across delete and re-create, differential — the same scripts
against Apache Kafka 4.4 (the peer kit's, started privately) and against pinpipe give the same
observable results: Metadata v12 answers a topic's id, finds the topic by it, answers the id of
a deleted (or deleted and re-created) topic with UNKNOWN_TOPIC_ID (100) and a null name, gives
a re-created topic a new id, and pinpipe keeps ids across a restart. Fetch v13+ (by topic id)
reads a topic by its id and answers an id no topic has (a random one, or a re-created topic's
old one) with UNKNOWN_TOPIC_ID. A Kafka 4.4 console consumer attached while its topic is
deleted and re-created prints the same records on both: it keeps its position when the new
topic already reaches it, and waits at the new end when it does not (its committed position
is validated with OffsetForLeaderEpoch, KIP-320, and found past the epoch's end)."""
import base64
import json
import os
import re
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
from test_kafka_differential import real_kafka  # noqa: E402,F401  (the module's broker fixture)
from conftest import wait_for  # noqa: E402

PEER = Path(__file__).resolve().parents[1] / "peers" / "peer"
ZERO = bytes(16)


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def compact_string(s):
    if s is None:
        return b"\0"
    e = s.encode()
    return uvarint(len(e) + 1) + e


def read_uvarint(body, pos):
    n = shift = 0
    while True:
        b = body[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, pos


def read_compact_string(body, pos):
    n, pos = read_uvarint(body, pos)
    if n == 0:
        return None, pos
    return body[pos:pos + n - 1].decode(), pos + n - 1


def metadata_v12(conn, name=None, topic_id=ZERO):
    """(error, name, topic id, partition count) of one topic, looked up by id or name."""
    body = uvarint(2) + topic_id + compact_string(name) + b"\0"
    body += b"\0\0\0"  # allow_auto_topic_creation, include_topic_authorized_operations, tags
    frame = struct.pack(">hhi", 3, 12, 7) + kw.string("topic-ids") + b"\0" + body
    conn.send(struct.pack(">i", len(frame)) + frame)
    _, resp = conn.recv_frame()
    pos = 1 + 4  # header tags, throttle
    nb, pos = read_uvarint(resp, pos)
    for _ in range(nb - 1):
        pos += 4
        _, pos = read_compact_string(resp, pos)
        pos += 4
        _, pos = read_compact_string(resp, pos)
        tags, pos = read_uvarint(resp, pos)
        assert tags == 0
    _, pos = read_compact_string(resp, pos)  # cluster id
    pos += 4  # controller
    nt, pos = read_uvarint(resp, pos)
    assert nt == 2
    (err,) = struct.unpack_from(">h", resp, pos)
    got, pos = read_compact_string(resp, pos + 2)
    tid = resp[pos:pos + 16]
    pos += 17  # id, is_internal
    np, pos = read_uvarint(resp, pos)
    return err, got, tid, np - 1


def create_topic(conn, topic, partitions=1):
    body = struct.pack(">i", 1) + kw.string(topic) + struct.pack(">ih", partitions, 1)
    body += struct.pack(">ii", 0, 0) + struct.pack(">i", 30000) + b"\0"
    _, resp = conn.call(19, 2, body)
    return struct.unpack_from(">h", resp, 4 + 4 + 2 + len(topic))[0]


def delete_topic(conn, topic):
    _, resp = conn.call(20, 1, struct.pack(">i", 1) + kw.string(topic) + struct.pack(">i", 30000))
    return struct.unpack_from(">h", resp, 4 + 4 + 2 + len(topic))[0]


@pytest.fixture
def brokers(real_kafka, server_factory):  # noqa: F811
    s = server_factory(["kafka.group_initial_rebalance_delay_ms=0"]).start()
    return {"kafka": real_kafka, "pinpipe": s.kafka_port}, s


def test_metadata_ids_across_delete_and_recreate(brokers):
    ports, _ = brokers
    topic = f"ids-{uuid.uuid4().hex[:6]}"

    def run(port):
        c = kw.Conn(port)
        out = {"create": create_topic(c, topic)}
        # Kafka makes the partition's leader asynchronously: wait for the topic to be known.
        wait_for(lambda: metadata_v12(c, topic)[0] == 0, 30)
        err, _, first, n = metadata_v12(c, topic)
        out["by_name"] = (err, n, first != ZERO)
        out["by_id"] = metadata_v12(c, None, first)[:2] + (metadata_v12(c, None, first)[2] == first,)
        out["delete"] = delete_topic(c, topic)
        wait_for(lambda: metadata_v12(c, None, first)[0] != 0, 30)
        out["deleted_id"] = metadata_v12(c, None, first)[:2]
        out["deleted_name"] = metadata_v12(c, topic)[0]
        out["recreate"] = wait_for(lambda: create_topic(c, topic) == 0, 30) and 0
        wait_for(lambda: metadata_v12(c, topic)[0] == 0, 30)
        err, _, second, _ = metadata_v12(c, topic)
        out["recreated"] = (err, second != first, second != ZERO)
        out["old_id_after_recreate"] = metadata_v12(c, None, first)[:2]
        out["new_id"] = metadata_v12(c, None, second)[:2]
        c.close()
        return out

    results = {name: run(port) for name, port in ports.items()}
    assert results["pinpipe"] == results["kafka"], results
    assert results["kafka"] == {
        "create": 0, "by_name": (0, 1, True), "by_id": (0, topic, True), "delete": 0,
        "deleted_id": (100, None), "deleted_name": 3, "recreate": 0, "recreated": (0, True, True),
        "old_id_after_recreate": (100, None), "new_id": (0, topic)}


def test_pinpipe_keeps_topic_ids_across_a_restart(server_factory):
    s = server_factory([]).start()
    c = kw.Conn(s.kafka_port)
    assert create_topic(c, "kept", 2) == 0
    err, _, tid, n = metadata_v12(c, "kept")
    c.close()
    assert err == 0 and n == 2 and tid != ZERO
    s.kill9()
    s.start()
    c = kw.Conn(s.kafka_port)
    assert metadata_v12(c, "kept")[2] == tid
    assert metadata_v12(c, None, tid)[:2] == (0, "kept")
    c.close()


def console_consumer_across_recreate(port, topic, batches):
    """What a Kafka 4.4 console consumer prints while its topic is deleted and re-created."""
    proc = subprocess.run([str(PEER), "kafka", "env", "--json"], capture_output=True, text=True)
    env = json.loads(proc.stdout)
    c = kw.Conn(port)
    assert create_topic(c, topic) == 0
    wait_for(lambda: metadata_v12(c, topic)[0] == 0, 30)
    produce = lambda values: kw.produce_settled(c, topic, 0, values)  # noqa: E731
    assert produce([b"old-0", b"old-1", b"old-2"])[1] == 0
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"consumer-{topic}-{port}.out"
    out = open(out_path, "wb")
    cons = subprocess.Popen(
        [f"{env['PINPIPE_PEER_KAFKA_BIN']}/kafka-console-consumer", "--bootstrap-server",
         f"127.0.0.1:{port}", "--topic", topic, "--from-beginning", "--group", f"g-{topic}",
         "--consumer-property", "metadata.max.age.ms=500",
         "--consumer-property", "allow.auto.create.topics=false"],
        stdout=out, stderr=subprocess.DEVNULL, env=dict(os.environ, JAVA_HOME=env["JAVA_HOME"]))
    try:
        # Records only (the tool also prints a deprecation notice for --consumer-property).
        lines = lambda: [x for x in out_path.read_bytes().split(b"\n")  # noqa: E731
                         if x.startswith((b"old-", b"new-"))]
        assert wait_for(lambda: len(lines()) >= 3, 60), "the consumer read nothing"
        assert delete_topic(c, topic) == 0
        time.sleep(4)  # several metadata refreshes: the consumer sees the topic gone
        assert wait_for(lambda: create_topic(c, topic) == 0, 30)
        wait_for(lambda: metadata_v12(c, topic)[0] == 0, 30)
        # Right after the topic is back (before the consumer's next metadata refresh, 500 ms),
        # `batches`: Kafka 4.4's consumer commits its position (3, leader epoch 0) once the
        # topic exists again, rejoins, and validates that position with OffsetForLeaderEpoch.
        # Five records reach it: it goes on at 3, skipping the new topic's first three. One
        # record does not ("truncation", KIP-320): it moves to the new end (1) and waits there.
        for i, batch in enumerate(batches):
            if i:
                time.sleep(4)  # the consumer has rejoined and validated its position
            assert produce([v.encode() for v in batch])[1] == 0
        last = batches[-1][-1].encode()
        wait_for(lambda: last in lines(), 30)
        time.sleep(2)  # anything printed late (twice) shows up too
        return [x.decode() for x in lines()]
    finally:
        cons.terminate()
        cons.wait(30)
        out.close()
        c.close()


def test_console_consumer_attached_while_its_topic_is_deleted_and_recreated(brokers):
    ports, _ = brokers
    topic = f"rc-{uuid.uuid4().hex[:6]}"
    five = [[f"new-{i}" for i in range(5)]]
    results = {name: console_consumer_across_recreate(port, topic, five)
               for name, port in ports.items()}
    assert results["pinpipe"] == results["kafka"], results
    assert results["kafka"] == ["old-0", "old-1", "old-2", "new-3", "new-4"]


def test_console_consumer_past_a_recreated_topics_end_waits_at_the_new_end(brokers):
    """The re-created topic has fewer records (1) than the consumer's position (3): Kafka's
    consumer finds its committed position past leader epoch 0's end (OffsetForLeaderEpoch: 1)
    and moves there, skipping nothing produced later — it does not re-read from the beginning
    (pinpipe before OffsetForLeaderEpoch: OFFSET_OUT_OF_RANGE, and --from-beginning reread
    new-0)."""
    ports, s = brokers
    topic = f"rp-{uuid.uuid4().hex[:6]}"
    batches = [["new-0"], ["new-1", "new-2"]]
    results = {name: console_consumer_across_recreate(port, topic, batches)
               for name, port in ports.items()}
    assert results["pinpipe"] == results["kafka"], results
    assert results["kafka"] == ["old-0", "old-1", "old-2", "new-1", "new-2"]
    # pinpipe was asked what Kafka was asked: the position's epoch, by OffsetForLeaderEpoch.
    text = requests.get(s.url + "/metrics", timeout=10).text
    assert re.search(r'pinpipe_kafka_requests_total\{api="OffsetForLeaderEpoch"\} [1-9]', text), text


def fetch_by_id(conn, topic_id, offset=0, version=13):
    """Fetch v13+ (flexible, topics by id) of partition 0: (topic id answered, partition,
    error, high watermark, records bytes)."""
    body = b""
    if version <= 14:
        body += struct.pack(">i", -1)  # replica_id
    body += struct.pack(">iiib", 0, 0, 1 << 20, 0)  # max_wait, min_bytes, max_bytes, isolation
    body += struct.pack(">ii", 0, -1)  # no fetch session (session id 0, epoch -1: full fetch)
    body += uvarint(2) + topic_id + uvarint(2)
    body += struct.pack(">iiqiqi", 0, -1, offset, -1, -1, 1 << 20) + b"\0"  # partition + tags
    body += b"\0" + uvarint(1) + compact_string("") + b"\0"  # topic tags, forgotten, rack, tags
    frame = struct.pack(">hhi", 1, version, 9) + kw.string("topic-ids") + b"\0" + body
    conn.send(struct.pack(">i", len(frame)) + frame)
    _, resp = conn.recv_frame()
    pos = 1 + 4  # header tags, throttle
    err, session = struct.unpack_from(">hi", resp, pos)
    assert (err, session) == (0, 0), (err, session)  # sessions declined / none asked for
    pos += 6
    nt, pos = read_uvarint(resp, pos)
    assert nt == 2
    tid = resp[pos:pos + 16]
    np, pos = read_uvarint(resp, pos + 16)
    assert np == 2
    partition, perr, hw = struct.unpack_from(">ihq", resp, pos)
    pos += 4 + 2 + 8 + 8 + 8  # partition, error, hw, lso, log start
    naborted, pos = read_uvarint(resp, pos)
    pos += 4  # preferred read replica
    size, pos = read_uvarint(resp, pos)
    records = resp[pos:pos + size - 1] if size else None
    return tid, partition, perr, hw, records


def test_fetch_by_topic_id_known_unknown_and_recreated(brokers):
    """Hand-built Fetch v13 and v18 by topic id on both brokers: the topic's id reads its
    records (each batch carrying leader epoch 0); a random id and, after delete and re-create,
    the old id are UNKNOWN_TOPIC_ID (100), answered with the id asked for."""
    ports, _ = brokers
    topic = f"fi-{uuid.uuid4().hex[:6]}"
    unknown = uuid.uuid4().bytes

    def run(port):
        c = kw.Conn(port)
        out = {"create": create_topic(c, topic)}
        wait_for(lambda: metadata_v12(c, topic)[0] == 0, 30)
        tid = metadata_v12(c, topic)[2]
        out["produce"] = kw.produce_settled(c, topic, 0, [b"a", b"b"])[1]
        for version in (13, 18):
            got_id, p, err, hw, records = fetch_by_id(c, tid, 0, version)
            epochs = []
            pos = 0
            while records and pos + 17 <= len(records):
                (length, epoch) = struct.unpack_from(">ii", records, pos + 8)
                epochs.append(epoch)
                pos += 12 + length
            out[f"v{version}"] = (got_id == tid, p, err, hw, epochs)
            got_id, p, err, hw, records = fetch_by_id(c, unknown, 0, version)
            out[f"v{version}_unknown"] = (got_id == unknown, p, err, hw, records)
        out["delete"] = delete_topic(c, topic)
        wait_for(lambda: metadata_v12(c, None, tid)[0] != 0, 30)
        assert wait_for(lambda: create_topic(c, topic) == 0, 30)
        wait_for(lambda: metadata_v12(c, topic)[0] == 0, 30)
        got_id, p, err, hw, records = fetch_by_id(c, tid, 0, 18)
        out["old_id"] = (got_id == tid, err, hw, records)
        c.close()
        return out

    results = {name: run(port) for name, port in ports.items()}
    assert results["pinpipe"] == results["kafka"], results
    assert results["kafka"]["v18"] == (True, 0, 0, 2, [0])
    assert results["kafka"]["v13_unknown"] == (True, 0, 100, -1, b"")
    assert results["kafka"]["old_id"] == (True, 100, -1, b"")
