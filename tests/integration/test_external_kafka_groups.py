"""issue 16 §2: with kafka.bootstrap the REST Proxy's consumers are real members of the external
cluster's groups (one librdkafka consumer per instance) — against the real Kafka 4.4 broker of
the peer kit: a REST instance and a kafka-python consumer split a 4-partition topic, each reads
only its own, together every record once; `kafka-consumer-groups --describe` on the real broker
lists the REST member; deleting the instance hands its partitions to the Kafka member."""
import json
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_kafka import RealKafka  # noqa: E402
from rest_helpers import V2, create_consumer, delete_consumer  # noqa: E402
from test_kafka_rest_groups import KafkaPythonMember, describe_rows, drain_rest, rest_subscribe, settle  # noqa: E402

from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402

PARTITIONS = 4
PER_PARTITION = 10


class ClusterView:
    """What the helpers of test_kafka_rest_groups need of a server: the Kafka bootstrap."""

    def __init__(self, bootstrap):
        host, port = bootstrap.rsplit(":", 1)
        self.kafka_port = int(port)


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    k = RealKafka(tmp_path_factory.mktemp("real-kafka-groups")).start()
    yield k
    k.stop()


def test_rest_consumers_are_members_of_the_clusters_group(kafka, server_factory):
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        admin.create_topics([NewTopic("xg", PARTITIONS, 1)])
    finally:
        admin.close()
    s = server_factory([f"kafka.bootstrap={kafka.bootstrap}", "sink.enabled=false"]).start(timeout=60)
    for p in range(PARTITIONS):
        r = requests.post(f"{s.url}/topics/xg/partitions/{p}",
                          headers={"Content-Type": "application/vnd.kafka.json.v2+json"},
                          data=json.dumps({"records": [{"value": f"{p}-{i}"} for i in range(PER_PARTITION)]}))
        assert r.status_code == 200, r.text
    values = {f"{p}-{i}" for p in range(PARTITIONS) for i in range(PER_PARTITION)}
    group = "xg-group"
    rest = create_consumer(s.url, group, name="rest-x", **{"auto.commit.enable": "false"})
    rest_subscribe(rest, "xg")
    settle(rest, None, PARTITIONS, 0, timeout=60)  # alone in the cluster's group: everything

    km = KafkaPythonMember(ClusterView(kafka.bootstrap), "xg", group)
    try:
        rest_parts, kafka_parts = settle(rest, km.poll, 2, 2, timeout=60)
        assert not rest_parts & kafka_parts
        seen_rest = []
        drain_rest(rest, seen_rest)
        deadline = time.time() + 30
        while len({v for p, v in km.seen if p in kafka_parts}) < 2 * PER_PARTITION and time.time() < deadline:
            km.poll(300)
        assert {p for p, _ in seen_rest} == rest_parts
        assert len(seen_rest) == len({v for _, v in seen_rest})
        assert {v for _, v in seen_rest} | {v for _, v in km.seen} == values
        r = requests.post(f"{rest}/offsets", headers={"Content-Type": V2})
        assert r.status_code == 200, r.text

        # The real broker's own tool lists the REST member with its partitions.
        rows, out = describe_rows(None, group, kafka.bootstrap)
        rest_rows = {int(r["PARTITION"]): r for r in rows if r.get("CLIENT-ID") == "rest-x"}
        assert set(rest_rows) == rest_parts, out
        assert all(r["CURRENT-OFFSET"] == str(PER_PARTITION) for r in rest_rows.values()), out

        # Deleting the instance leaves the group: the Kafka member takes every partition.
        delete_consumer(rest)
        _, kafka_parts = settle(None, km.poll, 0, PARTITIONS, timeout=60)
        assert kafka_parts == set(range(PARTITIONS))
    finally:
        km.c.close()
