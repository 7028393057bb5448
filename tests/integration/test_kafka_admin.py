"""issue 16, the admin surface of pinpipe's Kafka broker, driven by the real Kafka 4.4 tools
of the peer kit (kafka-consumer-groups, kafka-configs, kafka-topics), kafka-python's and
confluent-kafka's admin clients, and compared with a real Apache Kafka 4.4 broker where
the outputs can be compared: group listing, description, offset resets and deletion
(DeleteGroups, ListGroups v5), and per-topic configs (IncrementalAlterConfigs, AlterConfigs,
DescribeConfigs, CreateTopics with configs) that retention and segment rolling honour."""
import os
import re
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as kw  # noqa: E402
from rest_helpers import create_consumer, delete_consumer, read_all, subscribe  # noqa: E402
from test_kafka_differential import real_kafka  # noqa: E402,F401  (module fixture: the real broker)
from test_kafka_wire import java_tools, run_tool  # noqa: E402

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient  # noqa: E402

FAST_GROUPS = ["kafka.group_initial_rebalance_delay_ms=0"]
BASE_TS = 1_700_000_000_000  # record timestamps: BASE_TS + i * 60 s


@pytest.fixture
def broker(server_factory):
    return server_factory(FAST_GROUPS).start()


def bootstrap_of(port):
    return f"127.0.0.1:{port}"


def groups_tool(port, *args):
    p = run_tool("kafka-consumer-groups", "--bootstrap-server", bootstrap_of(port), *args)
    return p.returncode, p.stdout, p.stderr


def configs_tool(port, *args):
    """kafka-configs (org.apache.kafka.tools.ConfigCommand, from the peer kit's jars)."""
    java_tools()  # fails (never skips) when the peer is missing
    import json
    import subprocess
    env_json = subprocess.run([str(Path(__file__).resolve().parents[1] / "peers" / "peer"), "kafka",
                               "env", "--json"], capture_output=True, text=True, check=True).stdout
    env = json.loads(env_json)
    p = subprocess.run([f"{env['JAVA_HOME']}/bin/java", "-Xmx256m", "-cp",
                        env["PINPIPE_PEER_KAFKA_CLASSPATH"], "org.apache.kafka.tools.ConfigCommand",
                        "--bootstrap-server", bootstrap_of(port), *args],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, JAVA_HOME=env["JAVA_HOME"]))
    return p.returncode, p.stdout, p.stderr


def table(stdout, first):
    """Rows (split on whitespace) of a tool's table whose first column is `first`."""
    return sorted(line.split() for line in stdout.splitlines() if line.split()[:1] == [first])


def create_topic(port, topic, partitions=2, *extra):
    p = run_tool("kafka-topics", "--bootstrap-server", bootstrap_of(port), "--create", "--topic",
                 topic, "--partitions", str(partitions), *extra)
    assert p.returncode == 0, p.stdout + p.stderr
    c = kw.Conn(port)  # Kafka elects the new partitions' leaders asynchronously
    try:
        for part in range(partitions):
            assert kw.wait_for_leader(c, topic, part), f"{topic}[{part}]: no leader within 30 s"
    finally:
        c.close()


def produce_timed(port, topic, n_per_partition, partitions=2):
    """One batch per record with timestamps BASE_TS + i min, i = 0..n-1, on every partition."""
    p = KafkaProducer(bootstrap_servers=bootstrap_of(port), linger_ms=0)
    for i in range(n_per_partition):
        for part in range(partitions):
            p.send(topic, value=b"v%d" % i, partition=part, timestamp_ms=BASE_TS + i * 60_000).get(20)
    p.close()


def consume_and_commit(port, topic, group, n, partitions=2):
    """A group member that reads `n` records per partition, commits them, and leaves."""
    c = KafkaConsumer(bootstrap_servers=bootstrap_of(port), group_id=group,
                      enable_auto_commit=False, auto_offset_reset="earliest")
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    c.assign(tps)  # no rebalance wait; commits as a simple consumer of the group
    from kafka.structs import OffsetAndMetadata
    c.commit({tp: OffsetAndMetadata(n, "") for tp in tps})
    c.close()


def committed(port, group):
    a = KafkaAdminClient(bootstrap_servers=bootstrap_of(port))
    try:
        return {(tp.topic, tp.partition): om.offset
                for tp, om in a.list_consumer_group_offsets(group).items()}
    finally:
        a.close()


# --- kafka-consumer-groups against pinpipe -------------------------------------------------

def test_consumer_groups_list_describe_and_delete(broker):
    port = broker.kafka_port
    create_topic(port, "cg-t")
    produce_timed(port, "cg-t", 5)
    consume_and_commit(port, "cg-t", "g-one", 2)
    consume_and_commit(port, "cg-t", "g-two", 5)

    rc, out, err = groups_tool(port, "--list")
    assert rc == 0 and {"g-one", "g-two"} <= set(out.split()), out + err
    rc, out, err = groups_tool(port, "--list", "--state")
    assert ["g-one", "Empty"] in table(out, "g-one"), out + err
    rc, out, err = groups_tool(port, "--list", "--state", "Stable")
    assert "g-one" not in out.split(), out  # the states filter (ListGroups v4+)

    rc, out, err = groups_tool(port, "--describe", "--group", "g-one")
    # GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    assert [r[:6] for r in table(out, "g-one")] == [["g-one", "cg-t", "0", "2", "5", "3"],
                                                    ["g-one", "cg-t", "1", "2", "5", "3"]], out + err
    rc, out, err = groups_tool(port, "--describe", "--all-groups")
    assert len(table(out, "g-one")) == 2 and [r[5] for r in table(out, "g-two")] == ["0", "0"], out

    # Deleting removes the group and its committed offsets from the shared offset store.
    rc, out, err = groups_tool(port, "--delete", "--group", "g-one")
    assert "Deletion of requested consumer groups ('g-one') was successful." in out, out + err
    assert committed(port, "g-one") == {}
    rc, out, err = groups_tool(port, "--list")
    assert "g-one" not in out.split() and "g-two" in out.split()
    # A REST consumer of the deleted group starts over (auto.offset.reset), not at offset 2.
    base = create_consumer(broker.url, "g-one", fmt="binary")
    subscribe(base, ["cg-t"])
    assert len(read_all(base, fmt="binary", idle_polls=3)) == 10
    delete_consumer(base)

    rc, out, err = groups_tool(port, "--delete", "--group", "no-such-group")
    assert "GroupIdNotFoundException: The group id does not exist." in out + err, out + err


def test_consumer_groups_reset_offsets(broker):
    port = broker.kafka_port
    create_topic(port, "rs-t")
    produce_timed(port, "rs-t", 6)
    consume_and_commit(port, "rs-t", "rs", 3)
    reset = ("--group", "rs", "--reset-offsets", "--topic", "rs-t")

    def new_offsets(out):
        return sorted((r[2], r[3]) for r in table(out, "rs"))

    rc, out, err = groups_tool(port, *reset, "--to-earliest", "--dry-run")
    assert new_offsets(out) == [("0", "0"), ("1", "0")], out + err
    assert committed(port, "rs") == {("rs-t", 0): 3, ("rs-t", 1): 3}  # a dry run changes nothing
    cases = [
        (("--to-earliest", "--execute"), 0),
        (("--to-latest", "--execute"), 6),
        (("--to-offset", "4", "--execute"), 4),
        (("--shift-by", "-3", "--execute"), 1),
        # The first record at or after 00:02:30 past BASE_TS is the one at +3 min: offset 3.
        (("--to-datetime", time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime(BASE_TS / 1000 + 150)),
          "--execute"), 3),
    ]
    for args, want in cases:
        rc, out, err = groups_tool(port, *reset, *args)
        assert rc == 0 and new_offsets(out) == [("0", str(want)), ("1", str(want))], (args, out, err)
        assert committed(port, "rs") == {("rs-t", 0): want, ("rs-t", 1): want}, args
    # The resets land where the REST Proxy's consumers read too.
    base = create_consumer(broker.url, "rs", fmt="binary")
    subscribe(base, ["rs-t"])
    assert sorted(r["offset"] for r in read_all(base, fmt="binary", idle_polls=3)) == [3, 3, 4, 4, 5, 5]
    delete_consumer(base)


def test_groups_with_live_members_are_not_reset_or_deleted(broker):
    port = broker.kafka_port
    create_topic(port, "live-t", 1)
    produce_timed(port, "live-t", 2, partitions=1)
    c = KafkaConsumer("live-t", bootstrap_servers=bootstrap_of(port), group_id="live",
                      auto_offset_reset="earliest", client_id="live-client")
    deadline = time.time() + 30
    while not c.assignment() and time.time() < deadline:
        c.poll(200)
    try:
        rc, out, err = groups_tool(port, "--describe", "--group", "live", "--members")
        assert [r[3] for r in table(out, "live")] == ["live-client"], out + err
        rc, out, err = groups_tool(port, "--group", "live", "--reset-offsets", "--topic", "live-t",
                                   "--to-earliest", "--execute")
        assert "Assignments can only be reset if the group 'live' is inactive, but the current state is Stable" \
            in out + err, out + err
        rc, out, err = groups_tool(port, "--delete", "--group", "live")
        assert "GroupNotEmptyException: The group is not empty." in out + err, out + err
    finally:
        c.close()
    rc, out, err = groups_tool(port, "--delete", "--group", "live")
    assert "was successful" in out, out + err


def test_a_group_of_rest_consumers_is_not_deleted_under_them(broker):
    port = broker.kafka_port
    create_topic(port, "rest-t", 1)
    produce_timed(port, "rest-t", 3, partitions=1)
    base = create_consumer(broker.url, "rest-group", fmt="binary")
    subscribe(base, ["rest-t"])
    assert len(read_all(base, fmt="binary", idle_polls=2)) == 3
    r = requests.post(f"{base}/offsets", headers={"Content-Type": "application/vnd.kafka.v2+json"},
                      json={})
    assert r.status_code in (200, 204), r.text
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_of(port))
    try:
        # kafka-python's admin client: DeleteGroups with the per-group error codes.
        (name, error), = admin.delete_consumer_groups(["rest-group"])
        assert (name, error.errno) == ("rest-group", 68)  # NON_EMPTY_GROUP
        assert committed(port, "rest-group") == {("rest-t", 0): 3}
        delete_consumer(base)
        (name, error), = admin.delete_consumer_groups(["rest-group"])
        assert error.errno == 0
        assert committed(port, "rest-group") == {}
        assert "rest-group" not in [g for g, _ in admin.list_consumer_groups()]
    finally:
        admin.close()


# --- per-topic configs ---------------------------------------------------------------------

def test_kafka_configs_alter_describe_and_retention_trims(server_factory):
    s = server_factory(FAST_GROUPS + ["log.retention_check_interval_ms=200"]).start()
    port = s.kafka_port
    create_topic(port, "cfg-t", 1)
    create_topic(port, "cfg-other", 1)
    # ~3.3 MB per topic: four segments at 1 MiB (Kafka's smallest segment.bytes).
    value = os.urandom(100_000)
    for t in ("cfg-t", "cfg-other"):
        rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", t, "--alter",
                                    "--add-config", "segment.bytes=1048576")
        assert rc == 0 and f"Completed updating config for topic {t}." in out, out + err
        p = KafkaProducer(bootstrap_servers=bootstrap_of(port), max_request_size=2_000_000)
        for _ in range(33):
            p.send(t, value=value).get(20)
        p.close()
    segments = lambda t: len(list((s.data_dir / "log" / f"{t}-0").glob("*.log")))  # noqa: E731
    assert segments("cfg-t") >= 3 and segments("cfg-other") >= 3

    rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", "cfg-t", "--alter",
                                "--add-config", "retention.ms=1000")
    assert rc == 0, out + err
    rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", "cfg-t", "--describe")
    # As Kafka 4.4 words it (the differential test compares): retention.ms has no broker
    # synonym by default, segment.bytes shadows log.segment.bytes.
    assert "retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}" in out, out + err
    assert "segment.bytes=1048576 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.bytes=1048576, " \
           "DEFAULT_CONFIG:log.segment.bytes=1073741824}" in out, out
    rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", "cfg-t", "--describe",
                                "--all")
    assert "retention.bytes=-1 sensitive=false synonyms={DEFAULT_CONFIG:log.retention.bytes=-1}" in out, out
    # Retention trims the topic with the override only, down to its active segment.
    c = KafkaConsumer(bootstrap_servers=bootstrap_of(port))
    tp, other = TopicPartition("cfg-t", 0), TopicPartition("cfg-other", 0)
    deadline = time.time() + 20
    while time.time() < deadline and c.beginning_offsets([tp])[tp] == 0:
        time.sleep(0.2)
    assert c.beginning_offsets([tp])[tp] > 0 and segments("cfg-t") == 1
    assert c.end_offsets([tp])[tp] == 33
    assert c.beginning_offsets([other])[other] == 0 and segments("cfg-other") >= 3
    c.close()
    # The REST Proxy shows the topic's effective configs.
    r = requests.get(f"{s.url}/topics/cfg-t", headers={"Accept": "application/vnd.kafka.v2+json"})
    assert r.json()["configs"]["retention.ms"] == "1000" and r.json()["configs"]["segment.bytes"] == "1048576"

    # Invalid values and configs pinpipe does not have: INVALID_CONFIG with the reason.
    rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", "cfg-t", "--alter",
                                "--add-config", "segment.bytes=1000")
    assert "InvalidConfigurationException: Invalid value 1000 for configuration segment.bytes: " \
           "Value must be at least 1048576" in out + err, out + err
    rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", "cfg-t", "--alter",
                                "--add-config", "cleanup.policy=compact")
    assert "InvalidConfigurationException: Topic config cleanup.policy is not supported by pinpipe" in out + err

    # Deleting the override: back to the default (and the overrides survive a restart).
    rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", "cfg-t", "--alter",
                                "--delete-config", "retention.ms")
    assert rc == 0, out + err
    s.restart()
    rc, out, err = configs_tool(port, "--entity-type", "topics", "--entity-name", "cfg-t", "--describe")
    assert "retention.ms" not in out and "segment.bytes=1048576" in out, out + err


def test_create_topics_with_configs(broker):
    port = broker.kafka_port
    create_topic(port, "made-t", 1, "--config", "retention.ms=60000", "--config", "retention.bytes=5000000")
    p = run_tool("kafka-topics", "--bootstrap-server", bootstrap_of(port), "--describe", "--topic", "made-t")
    configs = re.search(r"Configs: (\S*)", p.stdout)
    assert configs and sorted(configs.group(1).split(",")) == ["retention.bytes=5000000",
                                                               "retention.ms=60000"], p.stdout + p.stderr
    # An invalid config creates nothing.
    p = run_tool("kafka-topics", "--bootstrap-server", bootstrap_of(port), "--create", "--topic", "bad-t",
                 "--config", "segment.bytes=10")
    assert "Invalid value 10 for configuration segment.bytes" in p.stdout + p.stderr
    p = run_tool("kafka-topics", "--bootstrap-server", bootstrap_of(port), "--list")
    assert "bad-t" not in p.stdout.split() and "made-t" in p.stdout.split()


def test_python_admin_clients_alter_and_describe_configs(broker):
    port = broker.kafka_port
    create_topic(port, "py-t", 1)
    # kafka-python: AlterConfigs (the whole set) and DescribeConfigs.
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_of(port))
    try:
        resp = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "py-t",
                                                   configs={"retention.ms": "123456"})])
        assert [r[0] for r in resp.resources] == [0], resp
        resp, = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "py-t")])
        entries = {e[0]: e[1] for e in resp.resources[0][4]}
        assert entries["retention.ms"] == "123456" and entries["cleanup.policy"] == "delete"
        resp = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "py-t",
                                                   configs={"flush.ms": "1"})])
        assert resp.resources[0][0] == 40  # INVALID_CONFIG
    finally:
        admin.close()
    # confluent-kafka (librdkafka): AlterConfigs replaces the set, DescribeConfigs shows it.
    from confluent_kafka.admin import AdminClient, ConfigResource as CR
    a = AdminClient({"bootstrap.servers": bootstrap_of(port)})
    fut = a.alter_configs([CR("topic", "py-t", set_config={"retention.bytes": "777777"})])
    for f in fut.values():
        f.result(20)
    got = {}
    for f in a.describe_configs([CR("topic", "py-t")]).values():
        got = {k: (v.value, v.source) for k, v in f.result(20).items()}
    assert got["retention.bytes"] == ("777777", 1)  # DYNAMIC_TOPIC_CONFIG
    assert got["retention.ms"][1] == 5  # back to DEFAULT_CONFIG: AlterConfigs replaced the set


# --- differential: the same tool commands against Apache Kafka 4.4 and pinpipe -------------

def normalise(text):
    text = re.sub(r"\d+\.\d+\.\d+\.\d+:\d+\s+\(\d+\)", "<coordinator>", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "<bootstrap>", text)
    return [line.rstrip() for line in text.splitlines()
            if line.strip() and "Reconfiguration failed" not in line and "StatusLogger" not in line]


def test_differential_consumer_groups_and_configs(real_kafka, server_factory):  # noqa: F811
    s = server_factory(FAST_GROUPS).start()
    results = {}
    for name, port in (("kafka", real_kafka), ("pinpipe", s.kafka_port)):
        topic, group = f"d-{uuid.uuid4().hex[:6]}", "dg"
        create_topic(port, topic)
        produce_timed(port, topic, 4)
        consume_and_commit(port, topic, group, 1)
        out = []
        for args in (("--describe", "--group", group),
                     ("--describe", "--group", group, "--state"),
                     ("--group", group, "--reset-offsets", "--topic", topic, "--to-latest", "--dry-run"),
                     ("--group", group, "--reset-offsets", "--topic", topic, "--shift-by", "1", "--execute"),
                     ("--group", group, "--reset-offsets", "--topic", topic, "--to-datetime",
                      time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime(BASE_TS / 1000 + 61)), "--execute"),
                     ("--describe", "--group", group),
                     ("--delete", "--group", group),
                     ("--delete", "--group", group),
                     ("--list",)):
            rc, o, e = groups_tool(port, *args)
            # The tool prints partitions in hash-map order: compare the lines as a set.
            out.append((args[-1], rc, sorted(normalise((o + e).replace(topic, "<topic>")))))
        shared = ("cleanup.policy=", "compression.type=", "max.message.bytes=", "retention.bytes=",
                  "retention.ms=", "segment.bytes=")
        for args in (("--alter", "--add-config", "retention.ms=1000,segment.bytes=2097152"),
                     ("--describe",),
                     ("--describe", "--all"),
                     ("--alter", "--add-config", "segment.bytes=1000"),
                     ("--alter", "--add-config", "retention.ms=-2"),
                     ("--alter", "--delete-config", "retention.ms"),
                     ("--describe",)):
            rc, o, e = configs_tool(port, "--entity-type", "topics", "--entity-name", topic, *args)
            lines = normalise((o + e).replace(topic, "<topic>"))
            if args[-1] == "--all":  # Kafka has many more; compare those pinpipe has
                lines = [x for x in lines if x.strip().startswith(shared)]
            out.append((args[-1], rc, lines))
        results[name] = out
    assert len(results["kafka"]) == len(results["pinpipe"])
    for k, p in zip(results["kafka"], results["pinpipe"]):
        assert p == k
