"""A raw Kafka protocol client for the wire tests: builds request frames byte by byte (the
layouts of ../shared/reference/kafka-layouts.txt) so the tests can send what real clients never
send (bad CRCs, retried idempotent batches, unknown versions, oversized frames)."""
import socket
import struct
import time


def string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def request(api_key, version, body, correlation_id=1, client_id="wire-test"):
    payload = struct.pack(">hhi", api_key, version, correlation_id) + string(client_id) + body
    return struct.pack(">i", len(payload)) + payload


class Conn:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def close(self):
        self.sock.close()

    def send(self, frame):
        self.sock.sendall(frame)

    def recv_frame(self):
        """(correlation id, body) or None when the broker closed the connection."""
        head = self._recv(4)
        if head is None:
            return None
        (size,) = struct.unpack(">i", head)
        data = self._recv(size)
        return struct.unpack(">i", data[:4])[0], data[4:]

    def call(self, api_key, version, body, correlation_id=1):
        self.send(request(api_key, version, body, correlation_id))
        return self.recv_frame()

    def _recv(self, n):
        out = bytearray()  # not bytes: += on bytes copies the whole frame per chunk
        while len(out) < n:
            try:
                chunk = self.sock.recv(n - len(out))
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            out += chunk
        return bytes(out)


def produce_v3(topic, partition, batch, acks=-1):
    body = string(None) + struct.pack(">hi", acks, 30000)
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1)
    body += struct.pack(">ii", partition, len(batch)) + batch
    return body


def parse_produce_v3(body):
    """[(partition, error, base_offset)] of the first topic."""
    pos = 4
    (tlen,) = struct.unpack_from(">h", body, pos)
    pos += 2 + tlen
    (n,) = struct.unpack_from(">i", body, pos)
    pos += 4
    out = []
    for _ in range(n):
        p, err, base, _ts = struct.unpack_from(">ihqq", body, pos)
        pos += 22
        out.append((p, err, base))
    return out


def partition_leader(conn, topic, partition=0):
    """(topic error, partition error, leader id) of one partition, by Metadata v1 (-1 while the
    broker has not elected one)."""
    _, body = conn.call(3, 1, struct.pack(">i", 1) + string(topic))
    pos = 0

    def skip_string(pos):
        (n,) = struct.unpack_from(">h", body, pos)
        return pos + 2 + max(n, 0)

    (brokers,) = struct.unpack_from(">i", body, pos)
    pos += 4
    for _ in range(brokers):
        pos = skip_string(pos + 4) + 4  # node id, host, port
        pos = skip_string(pos)  # rack
    pos += 4 + 4  # controller id, topic count (1)
    (topic_err,) = struct.unpack_from(">h", body, pos)
    pos = skip_string(pos + 2) + 1  # name, is_internal
    (partitions,) = struct.unpack_from(">i", body, pos)
    pos += 4
    for _ in range(partitions):
        err, index, leader = struct.unpack_from(">hii", body, pos)
        if index == partition:
            return topic_err, err, leader
        pos += 10
        for _ in range(2):  # replicas, isr
            (n,) = struct.unpack_from(">i", body, pos)
            pos += 4 + 4 * n
    return topic_err, None, -1


def wait_for_leader(conn, topic, partition=0, timeout=30.0):
    """Whether the partition has a leader within `timeout`: the real broker elects a new
    topic's leaders asynchronously after CreateTopics answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        topic_err, err, leader = partition_leader(conn, topic, partition)
        if topic_err == 0 and err == 0 and leader >= 0:
            return True
        time.sleep(0.05)
    return False


def produce_settled(conn, topic, partition, values, timeout=30.0):
    """(partition, error, base offset) of one batch, retried as a Kafka producer retries: a
    partition the real broker has just created answers NOT_LEADER_OR_FOLLOWER (6) or
    LEADER_NOT_AVAILABLE (5), storing nothing, until its leader is elected, even after Metadata
    names the topic."""
    deadline = time.monotonic() + timeout
    while True:
        got = parse_produce_v3(conn.call(0, 3, produce_v3(topic, partition, record_batch(values)))[1])[0]
        if got[1] not in (5, 6) or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def record_batch(values, producer_id=-1, producer_epoch=-1, base_sequence=-1):
    """A RecordBatch v2 built with kafka-python's own encoder (DefaultRecordBatchBuilder)."""
    from kafka.record.default_records import DefaultRecordBatchBuilder
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                  producer_id=producer_id, producer_epoch=producer_epoch,
                                  base_sequence=base_sequence, batch_size=1 << 20)
    for i, v in enumerate(values):
        b.append(i, timestamp=1_700_000_000_000 + i, key=None, value=v, headers=[])
    return bytes(b.build())
