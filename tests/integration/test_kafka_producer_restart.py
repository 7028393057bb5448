"""issue 16: idempotent producers across a restart of `pinpipe serve`. The sequence state is
rebuilt from the batches in the log (each carries its producer id, epoch and sequences), so a
producer retrying a batch after the broker was killed gets the original offset and the batch is
not stored twice; producer ids are never handed out again."""
import struct
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as kw  # noqa: E402

from kafka import KafkaConsumer, TopicPartition  # noqa: E402

FAST_GROUPS = ["kafka.group_initial_rebalance_delay_ms=0"]


def bootstrap(s):
    return f"127.0.0.1:{s.kafka_port}"


def init_producer_id(conn):
    _, body = conn.call(22, 0, kw.string(None) + struct.pack(">i", 60000))
    _throttle, err, pid, epoch = struct.unpack(">ihqh", body)
    assert err == 0
    return pid, epoch


def produce(conn, topic, batch):
    return kw.parse_produce_v3(conn.call(0, 3, kw.produce_v3(topic, 0, batch))[1])[0]


def stored_values(s, topic, partitions=1):
    c = KafkaConsumer(bootstrap_servers=bootstrap(s), auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=4000)
    c.assign([TopicPartition(topic, p) for p in range(partitions)])
    out = [(m.partition, m.offset, m.value) for m in c]
    c.close()
    return out


def test_a_retry_after_kill_9_is_answered_with_its_offset_and_not_stored_again(server_factory):
    s = server_factory(FAST_GROUPS).start()
    c = kw.Conn(s.kafka_port)
    pid, epoch = init_producer_id(c)
    first = kw.record_batch([b"a0", b"a1"], pid, epoch, 0)
    second = kw.record_batch([b"a2", b"a3", b"a4"], pid, epoch, 2)
    assert produce(c, "idem", first) == (0, 0, 0)
    assert produce(c, "idem", second) == (0, 0, 2)
    c.close()
    s.kill9()  # the producer did not hear the second answer
    s.start()
    c = kw.Conn(s.kafka_port)
    assert produce(c, "idem", second) == (0, 0, 2), "the retry was not recognised"
    assert produce(c, "idem", first) == (0, 0, 0)
    # A gap after the last batch stored before the kill: OUT_OF_ORDER_SEQUENCE_NUMBER (45).
    assert produce(c, "idem", kw.record_batch([b"a9"], pid, epoch, 9))[1] == 45
    # The next batch in sequence goes on.
    assert produce(c, "idem", kw.record_batch([b"a5"], pid, epoch, 5)) == (0, 0, 5)
    # A producer id is never handed out again, even one no stored batch names.
    unused, _ = init_producer_id(c)
    c.close()
    s.kill9()
    s.start()
    c = kw.Conn(s.kafka_port)
    again, _ = init_producer_id(c)
    c.close()
    assert again > unused > pid
    assert [v for _, _, v in stored_values(s, "idem")] == [b"a0", b"a1", b"a2", b"a3", b"a4", b"a5"]


def test_librdkafka_idempotent_producer_across_kill_9_stores_each_record_once(server_factory):
    """confluent-kafka with enable.idempotence keeps producing while the broker is killed (-9)
    and started again on its port: the batches in flight at the kill are retried with their
    sequences; those the log had already stored must be recognised, not stored twice."""
    from confluent_kafka import Producer
    # Three partitions, so each kill catches batches in flight on several.
    s = server_factory(FAST_GROUPS + ["log.default_partitions=3"]).start()
    delivered, failed = {}, []
    stop = threading.Event()

    def on_delivery(err, msg):
        if err is None:
            delivered[msg.value()] = (msg.partition(), msg.offset())
        else:
            failed.append((msg.value(), str(err)))

    p = Producer({"bootstrap.servers": bootstrap(s), "enable.idempotence": True, "acks": "all",
                  "linger.ms": 2, "batch.num.messages": 200, "message.timeout.ms": 60000,
                  "retry.backoff.ms": 50, "reconnect.backoff.max.ms": 200})
    produced = []

    def load():
        i = 0
        while not stop.is_set():
            v = f"r{i:08d}".encode()
            try:
                p.produce("restart", value=v, partition=i % 3, on_delivery=on_delivery)
                produced.append(v)
                i += 1
            except BufferError:
                p.poll(0.01)
            p.poll(0 if i % 100 else 0.001)

    t = threading.Thread(target=load)
    t.start()
    try:
        for kill in range(3):
            target = len(delivered) + 3000
            deadline = time.time() + 30
            while len(delivered) < target and time.time() < deadline:
                time.sleep(0.01)
            assert len(delivered) >= target, "the producer made no progress"
            s.kill9()
            time.sleep(0.3)
            s.start()
        target = len(delivered) + 2000
        deadline = time.time() + 30
        while len(delivered) < target and time.time() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        t.join(30)
    assert p.flush(60) == 0, "records still undelivered"
    assert not failed, f"{len(failed)} records failed, e.g. {failed[:3]}"
    stored = stored_values(s, "restart", partitions=3)
    seen = {}
    dups = [v for _, _, v in stored if v in seen or seen.setdefault(v, True) is not True]
    assert not dups, f"{len(dups)} records stored twice, e.g. {dups[:3]}"
    assert len(stored) == len(produced) == len(delivered)
    where = {v: (part, off) for part, off, v in stored}
    moved = [v for v, at in delivered.items() if where.get(v) != at]
    assert not moved, f"{len(moved)} records not where they were acknowledged, e.g. {moved[:3]}"
