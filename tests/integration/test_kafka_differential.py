"""issue 16, differential: the same raw requests against pinpipe's Kafka listener and against
Apache Kafka 4.4 (the peer kit's jars, started privately on free loopback ports) give the same
observable results — error codes for bad input, offsets of idempotent retries, which requests
close the connection, leader epochs (OffsetForLeaderEpoch, Fetch's current leader epoch)."""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as kw  # noqa: E402

PEERS = Path(__file__).resolve().parents[1] / "peers"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def real_kafka(tmp_path_factory):
    if os.environ.get("PINPIPE_PEERS") == "none":
        pytest.skip("PINPIPE_PEERS=none")
    proc = subprocess.run([str(PEERS / "peer"), "kafka", "env", "--json"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"peer kafka: {proc.stderr.strip()}", pytrace=False)
    env = json.loads(proc.stdout)
    run = tmp_path_factory.mktemp("real-kafka")
    port, cport = free_port(), free_port()
    props = run / "server.properties"
    props.write_text((PEERS / "kafka-server.properties.in").read_text().format(
        port=port, controller_port=cport, data=run / "data"))
    java = [f"{env['JAVA_HOME']}/bin/java", "-Xmx512m",
            f"-Dlog4j2.configurationFile=file:{PEERS / 'kafka-log4j2.properties'}",
            f"-Dkafka.logs.dir={run / 'logs'}", "-cp", env["PINPIPE_PEER_KAFKA_CLASSPATH"]]
    cluster = "-"
    while cluster.startswith("-"):  # an id starting with '-' would read as an option (1 in 64)
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    subprocess.run(java + ["kafka.tools.StorageTool", "format", "-t", cluster, "-c", str(props)],
                   check=True, capture_output=True)
    log = open(run / "server.log", "wb")
    p = subprocess.Popen(java + ["kafka.Kafka", str(props)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline and b"Kafka Server started" not in (run / "server.log").read_bytes():
        assert p.poll() is None, (run / "server.log").read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    yield port
    p.terminate()
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    log.close()


@pytest.fixture
def targets(real_kafka, server_factory):
    """Kafka's port and pinpipe's, each with a fresh topic `diff` of 1 partition."""
    s = server_factory(["kafka.group_initial_rebalance_delay_ms=0"]).start()
    topic = f"diff-{uuid.uuid4().hex[:6]}"
    out = {}
    for name, port in (("kafka", real_kafka), ("pinpipe", s.kafka_port)):
        c = kw.Conn(port)
        body = struct.pack(">i", 1) + kw.string(topic) + struct.pack(">ih", 1, 1)
        body += struct.pack(">ii", 0, 0) + struct.pack(">i", 30000)  # no assignments, no configs
        _, resp = c.call(19, 2, body + b"\0")  # CreateTopics v2 (validate_only false)
        assert struct.unpack_from(">h", resp, 4 + 4 + 2 + len(topic))[0] == 0, (name, resp)
        assert kw.wait_for_leader(c, topic), f"{name}: no leader for {topic} within 30 s"
        c.close()
        out[name] = port
    return out, topic


def both(targets, fn):
    ports, topic = targets
    results = {name: fn(port, topic) for name, port in ports.items()}
    assert results["pinpipe"] == results["kafka"], results
    return results["kafka"]


def test_corrupt_crc_wrong_partition_and_too_large(targets):
    def run(port, topic):
        c = kw.Conn(port)
        bad = bytearray(kw.record_batch([b"a", b"b"]))
        bad[-1] ^= 0xFF
        r1 = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3(topic, 0, bytes(bad)))[1])[0][1]
        r2 = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3(topic, 3, kw.record_batch([b"x"])))[1])[0][1]
        big = kw.record_batch([os.urandom(1_100_000)])
        r3 = kw.parse_produce_v3(c.call(0, 3, kw.produce_v3(topic, 0, big))[1])[0][1]
        c.close()
        return r1, r2, r3
    assert both(targets, run) == (2, 3, 10)


def test_idempotent_retry_and_gap(targets):
    def run(port, topic):
        c = kw.Conn(port)
        for _ in range(100):  # Kafka answers COORDINATOR_LOAD_IN_PROGRESS (14) while it starts
            _, body = c.call(22, 0, kw.string(None) + struct.pack(">i", 60000))
            _t, err, pid, epoch = struct.unpack(">ihqh", body)
            if err != 14:
                break
            time.sleep(0.2)
        first = kw.record_batch([b"r0", b"r1"], pid, epoch, 0)
        out = [kw.parse_produce_v3(c.call(0, 3, kw.produce_v3(topic, 0, first))[1])[0]]
        out.append(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3(topic, 0, kw.record_batch([b"r2"], pid, epoch, 2)))[1])[0])
        out.append(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3(topic, 0, first))[1])[0])
        out.append(kw.parse_produce_v3(c.call(0, 3, kw.produce_v3(topic, 0, kw.record_batch([b"r9"], pid, epoch, 9)))[1])[0][:2])
        c.close()
        return err, out
    assert both(targets, run) == (0, [(0, 0, 0), (0, 0, 2), (0, 0, 0), (0, 45)])


def test_fetch_out_of_range_and_at_the_end(targets):
    def run(port, topic):
        c = kw.Conn(port)
        c.call(0, 3, kw.produce_v3(topic, 0, kw.record_batch([b"a"])))
        res = []
        for offset in (0, 1, 7):
            req = struct.pack(">iiiib", -1, 0, 0, 1 << 20, 0) + struct.pack(">i", 1) + kw.string(topic)
            req += struct.pack(">i", 1) + struct.pack(">iqi", 0, offset, 1 << 20)
            _, body = c.call(1, 4, req)
            pos = 4 + 4 + 2 + len(topic) + 4
            _p, err, hw, _lso, _ab, size = struct.unpack_from(">ihqqii", body, pos)
            res.append((err, hw, size > 0))
        c.close()
        return res
    assert both(targets, run) == [(0, 1, True), (0, 1, False), (1, -1, False)]


def test_which_requests_close_the_connection(targets):
    def run(port, topic):
        out = []
        for frame in (kw.request(999, 0, b""),          # unknown API key
                      kw.request(0, 1, b""),            # Produce v1: below every advertised range
                      struct.pack(">i", 200_000_000)):  # over socket.request.max.bytes (100 MiB)
            c = kw.Conn(port)
            c.send(frame)
            out.append(c.recv_frame() is None)
            c.close()
        c = kw.Conn(port)
        corr, body = c.call(18, 9, b"\0", correlation_id=3)
        err, n = struct.unpack_from(">hi", body, 0)
        keys = [struct.unpack_from(">h", body, 6 + 6 * i)[0] for i in range(n)]
        c.close()
        return out, corr, err, 18 in keys
    assert both(targets, run) == ([True, True, True], 3, 35, True)


def test_offset_for_leader_epoch_and_fetch_leader_epochs(targets):
    """OffsetForLeaderEpoch v3 (what a consumer validating its position after a leader change
    asks, KIP-320) and the current leader epoch of Fetch v11: a fresh partition's one epoch
    (0) ends at the log's end, a later epoch is undefined (-1, -1), a current epoch above the
    leader's is UNKNOWN_LEADER_EPOCH (75), below it FENCED_LEADER_EPOCH (74)."""
    def run(port, topic):
        c = kw.Conn(port)
        c.call(0, 3, kw.produce_v3(topic, 0, kw.record_batch([b"a", b"b", b"c"])))
        out = []
        for partition, current, epoch in ((0, 0, 0), (0, -1, 0), (0, 0, 7), (0, 4, 0),
                                          (0, -5, 0), (3, 0, 0)):
            body = struct.pack(">ii", -1, 1) + kw.string(topic) + struct.pack(">i", 1)
            body += struct.pack(">iii", partition, current, epoch)
            _, resp = c.call(23, 3, body)
            pos = 4 + 4 + 2 + len(topic) + 4
            out.append(struct.unpack_from(">hiiq", resp, pos))
        for current in (0, 1, -1):
            req = struct.pack(">iiiib", -1, 0, 0, 1 << 20, 0) + struct.pack(">ii", 0, -1)
            req += struct.pack(">i", 1) + kw.string(topic) + struct.pack(">i", 1)
            req += struct.pack(">iiqqi", 0, current, 0, -1, 1 << 20)
            req += struct.pack(">i", 0) + kw.string("")  # forgotten topics, rack
            _, body = c.call(1, 11, req)
            pos = 4 + 2 + 4 + 4 + 2 + len(topic) + 4
            _p, err, hw = struct.unpack_from(">ihq", body, pos)
            out.append((err, hw))
        c.close()
        return out
    assert both(targets, run) == [(0, 0, 0, 3), (0, 0, 0, 3), (0, 0, -1, -1), (75, 0, -1, -1),
                                  (74, 0, -1, -1), (3, 3, -1, -1), (0, 3), (75, -1), (0, 3)]
