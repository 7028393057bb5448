"""issue 16 "one log, one set of groups": a REST Proxy consumer instance and a Kafka client
consumer of the same group are members of one group coordinator — they split a topic's
partitions (range), each reads only its own, together every record once; when one leaves the
other takes everything; DescribeGroups and `kafka-consumer-groups --describe` show the REST
member. Both leaders are covered: a REST leader assigns with pinpipe's range assignor, a Kafka
leader (kafka-python, librdkafka) assigns to the REST member from its Subscription bytes."""
import json
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import wait_for  # noqa: E402
from rest_helpers import V2, create_consumer, delete_consumer, read_records  # noqa: E402
from test_kafka_wire import FAST_GROUPS, bootstrap, run_tool  # noqa: E402

from kafka import KafkaConsumer  # noqa: E402
from kafka.admin import KafkaAdminClient  # noqa: E402

PARTITIONS = 4
PER_PARTITION = 10


@pytest.fixture
def broker(server_factory):
    return server_factory(FAST_GROUPS).start()


def make_topic(server, topic):
    r = requests.post(f"{server.url}/v3/clusters/pinpipe/topics",
                      json={"topic_name": topic, "partitions_count": PARTITIONS})
    assert r.status_code == 201, r.text
    for p in range(PARTITIONS):
        r = requests.post(f"{server.url}/topics/{topic}/partitions/{p}",
                          headers={"Content-Type": "application/vnd.kafka.json.v2+json"},
                          data=json.dumps({"records": [{"value": f"{p}-{i}"} for i in range(PER_PARTITION)]}))
        assert r.status_code == 200, r.text
    return {f"{p}-{i}" for p in range(PARTITIONS) for i in range(PER_PARTITION)}


def rest_subscribe(base, topic):
    r = requests.post(f"{base}/subscription", headers={"Content-Type": V2}, data=json.dumps({"topics": [topic]}))
    assert r.status_code == 204, r.text


def rest_assignment(base):
    r = requests.get(f"{base}/assignments")
    assert r.status_code == 200, r.text
    return {p["partition"] for p in r.json()["partitions"]}


def kafka_python_member(server, topic, group):
    return KafkaConsumer(topic, bootstrap_servers=bootstrap(server), group_id=group, client_id="kp-member",
                         auto_offset_reset="earliest", enable_auto_commit=False,
                         session_timeout_ms=10000, heartbeat_interval_ms=500, max_poll_records=5)


class KafkaPythonMember:
    """A kafka-python consumer whose every poll (it drives the join round and the heartbeats)
    keeps the records it returns."""

    def __init__(self, server, topic, group):
        self.c = kafka_python_member(server, topic, group)
        self.seen = []

    def poll(self, timeout_ms=100):
        for tp, recs in self.c.poll(timeout_ms=timeout_ms).items():
            self.seen.extend((tp.partition, json.loads(r.value)) for r in recs)
        return {tp.partition for tp in self.c.assignment()}


def settle(rest_base, kafka_poll, want_rest, want_kafka, timeout=30):
    """Until both members hold assignments of the wanted sizes (a REST read during the round
    answers nothing and the assignment comes afterwards)."""
    state = {}

    def done():
        state["kafka"] = kafka_poll() if kafka_poll else set()
        state["rest"] = rest_assignment(rest_base) if rest_base else set()
        return len(state["rest"]) == want_rest and len(state["kafka"]) == want_kafka
    assert wait_for(done, timeout=timeout), state
    return state["rest"], state["kafka"]


def drain_rest(base, seen, idle=3):
    got, empty = [], 0
    while empty < idle:
        batch = read_records(base, timeout_ms=300)
        got.extend(batch)
        empty = 0 if batch else empty + 1
    seen.extend((r["partition"], r["value"]) for r in got)


def describe_rows(server, group, bootstrap_servers=None):
    """`kafka-consumer-groups --describe` of `group`: its rows as dicts by column name, and the
    tool's output (on pinpipe's listener, or on `bootstrap_servers`)."""
    p = run_tool("kafka-consumer-groups", "--bootstrap-server", bootstrap_servers or bootstrap(server), "--describe",
                 "--group", group)
    assert p.returncode == 0, p.stdout + p.stderr
    header = None
    rows = []
    for line in p.stdout.splitlines():
        cols = line.split()
        if cols and cols[0] == "GROUP":
            header = cols
        elif header and cols and cols[0] == group:
            rows.append(dict(zip(header, cols)))
    return rows, p.stdout


def test_rest_and_kafka_python_members_share_one_group(broker):
    values = make_topic(broker, "mixed")
    group = "mixed-group"
    rest = create_consumer(broker.url, group, name="rest-a", **{"auto.commit.enable": "false"})
    rest_subscribe(rest, "mixed")
    # Alone, the REST member (the group's leader) holds every partition at once.
    assert rest_assignment(rest) == set(range(PARTITIONS))

    km = KafkaPythonMember(broker, "mixed", group)
    k = km.c
    try:
        rest_parts, kafka_parts = settle(rest, km.poll, 2, 2)
        assert rest_parts | kafka_parts == set(range(PARTITIONS)) and not rest_parts & kafka_parts

        # Each reads only its own partitions; together every record exactly once.
        seen_rest, seen_kafka = [], km.seen
        drain_rest(rest, seen_rest)
        deadline = time.time() + 20
        while len(seen_kafka) < 2 * PER_PARTITION and time.time() < deadline:
            km.poll(300)
        assert {p for p, _ in seen_rest} == rest_parts
        assert {p for p, _ in seen_kafka} == kafka_parts
        both = [v for _, v in seen_rest + seen_kafka]
        assert len(both) == len(values) and set(both) == values

        # Commits of both members are accepted in the current generation.
        k.commit()
        r = requests.post(f"{rest}/offsets", headers={"Content-Type": V2})
        assert r.status_code == 200, r.text

        # DescribeGroups over the wire shows both members, the REST one with its client id.
        admin = KafkaAdminClient(bootstrap_servers=bootstrap(broker))
        try:
            desc = admin.describe_consumer_groups([group])[0]
        finally:
            admin.close()
        assert desc.state == "Stable" and desc.protocol == "range"
        by_client = {m.client_id: m for m in desc.members}
        assert set(by_client) == {"rest-a", "kp-member"}
        assert by_client["rest-a"].client_host == "/127.0.0.1"
        assigned = {tp.partition for tp in by_client["rest-a"].member_assignment.partitions()}
        assert assigned == rest_parts

        # kafka-consumer-groups --describe lists the REST member's partitions with its client
        # id and host, and the offsets it committed.
        rows, out = describe_rows(broker, group)
        rest_rows = {int(r["PARTITION"]): r for r in rows if r.get("CLIENT-ID") == "rest-a"}
        assert set(rest_rows) == rest_parts, out
        for r in rest_rows.values():
            assert r["HOST"] == "/127.0.0.1" and r["CURRENT-OFFSET"] == str(PER_PARTITION), out
        assert {int(r["PARTITION"]) for r in rows if r.get("CLIENT-ID") == "kp-member"} == kafka_parts, out
    finally:
        k.close()  # LeaveGroup

    # The Kafka member left: the REST member gets every partition and, from the committed
    # offsets, has nothing more to read.
    rest_parts, _ = settle(rest, None, PARTITIONS, 0)
    assert read_records(rest, timeout_ms=300) == []

    # A new Kafka member splits again; deleting the REST instance hands it everything.
    k2 = KafkaPythonMember(broker, "mixed", group)
    try:
        settle(rest, k2.poll, 2, 2)
        delete_consumer(rest)
        _, kafka_parts = settle(None, k2.poll, 0, PARTITIONS)
        assert kafka_parts == set(range(PARTITIONS))
        assert k2.seen == []  # every record was committed by the members before
    finally:
        k2.c.close()


def test_a_librdkafka_leader_assigns_to_a_rest_member(broker):
    from confluent_kafka import Consumer

    values = make_topic(broker, "led")
    group = "led-group"
    c = Consumer({"bootstrap.servers": bootstrap(broker), "group.id": group, "client.id": "rdk-member",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
                  "partition.assignment.strategy": "range"})
    seen_kafka = []
    state = {"parts": set()}

    def on_assign(consumer, parts):
        state["parts"] = {p.partition for p in parts}

    def on_revoke(consumer, parts):
        state["parts"] = set()

    c.subscribe(["led"], on_assign=on_assign, on_revoke=on_revoke)

    def kafka_poll():
        m = c.poll(0.1)
        if m is not None and not m.error():
            seen_kafka.append((m.partition(), json.loads(m.value())))
        return state["parts"]
    try:
        # The librdkafka member is alone first: it is the leader.
        assert wait_for(lambda: len(kafka_poll()) == PARTITIONS, timeout=30)
        rest = create_consumer(broker.url, group, name="rest-b")
        rest_subscribe(rest, "led")
        rest_parts, kafka_parts = settle(rest, kafka_poll, 2, 2)
        assert not rest_parts & kafka_parts
        seen_rest = []
        drain_rest(rest, seen_rest)
        assert {p for p, _ in seen_rest} == rest_parts
        deadline = time.time() + 20
        # (Distinct values: after the eager rebalance the Kafka member starts its partitions
        # again from the committed offsets — none — so it may read some records twice.)
        while len({v for p, v in seen_kafka if p in kafka_parts}) < 2 * PER_PARTITION and time.time() < deadline:
            kafka_poll()
        # Records the Kafka member read before the split (it held every partition) are from
        # partitions the REST member then started on from the committed offsets (none): the
        # union covers every record; each of the REST member's records once.
        assert len(seen_rest) == len({v for _, v in seen_rest})
        assert {v for _, v in seen_rest} | {v for _, v in seen_kafka} == values
        delete_consumer(rest)
        _, kafka_parts = settle(None, kafka_poll, 0, PARTITIONS)
    finally:
        c.close()
