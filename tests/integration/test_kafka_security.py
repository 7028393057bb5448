"""issue 16: the Kafka listener's optional security (kafka.listener_security): SASL PLAIN,
SCRAM-SHA-256 and SCRAM-SHA-512 with users from the config, TLS, and both (SASL_SSL, as MSK
clients are configured), driven by confluent-kafka (librdkafka), kcat, kafka-python, the Kafka
4.4 Java CLI tools of the peer kit, and raw frames for the protocol's exact answers."""
import os
import shutil
import struct
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as kw  # noqa: E402
from test_kafka_wire import bootstrap, run_tool  # noqa: E402

USERS = "alice:alice-secret,bob:b0b-secret"
MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
FAST = ["kafka.group_initial_rebalance_delay_ms=0"]


def sasl_sets(security="sasl_plaintext", mechanisms=None):
    sets = FAST + [f"kafka.listener_security={security}", f"kafka.listener_sasl_users={USERS}"]
    if mechanisms:
        sets.append("kafka.listener_sasl_mechanisms=" + ",".join(mechanisms))
    return sets


@pytest.fixture
def sasl_broker(server_factory):
    return server_factory(sasl_sets()).start()


def confluent_conf(s, security, mechanism=None, user="alice", password="alice-secret", ca=None):
    conf = {"bootstrap.servers": bootstrap(s), "security.protocol": security}
    if mechanism:
        conf.update({"sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password})
    if ca:
        conf["ssl.ca.location"] = str(ca)
    return conf


def produce_and_consume(conf, topic, n=20):
    """Produces n records with confluent-kafka and reads them back; returns the values read."""
    from confluent_kafka import Consumer, Producer
    errors = []
    p = Producer(dict(conf, **{"enable.idempotence": True, "error_cb": lambda e: errors.append(e)}))
    for i in range(n):
        p.produce(topic, value=f"v{i}".encode(), key=b"k")
    assert p.flush(30) == 0, errors
    c = Consumer(dict(conf, **{"group.id": "g-" + uuid.uuid4().hex[:8], "auto.offset.reset": "earliest",
                               "error_cb": lambda e: errors.append(e)}))
    c.subscribe([topic])
    got = []
    try:
        import time
        deadline = time.time() + 30
        while len(got) < n and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m.value().decode())
    finally:
        c.close()
    return got


def auth_error(conf):
    """Connects with confluent-kafka and returns the errors the client reports (its error
    callback, served by poll) within a few seconds; nothing may be delivered."""
    import time
    from confluent_kafka import Producer
    errors, delivered = [], []
    p = Producer(dict(conf, **{"error_cb": lambda e: errors.append(e), "message.timeout.ms": 5000}))
    p.produce("never", value=b"x", on_delivery=lambda err, msg: delivered.append(err))
    deadline = time.time() + 10
    while not errors and time.time() < deadline:
        p.poll(0.2)
    p.flush(10)
    assert delivered and delivered[0] is not None, "a record was stored without authentication"
    return errors


# --- raw frames: the protocol's answers ------------------------------------------------------

def handshake(c, mechanism, version=1):
    corr, body = c.call(17, version, kw.string(mechanism))
    err, n = struct.unpack_from(">hi", body, 0)
    names, pos = [], 6
    for _ in range(n):
        (ln,) = struct.unpack_from(">h", body, pos)
        names.append(body[pos + 2:pos + 2 + ln].decode())
        pos += 2 + ln
    return err, names


def authenticate_v1(c, token):
    corr, body = c.call(36, 1, struct.pack(">i", len(token)) + token)
    err, = struct.unpack_from(">h", body, 0)
    (ml,) = struct.unpack_from(">h", body, 2)
    msg = None if ml < 0 else body[4:4 + ml].decode()
    pos = 4 + max(ml, 0)
    (bl,) = struct.unpack_from(">i", body, pos)
    return err, msg, body[pos + 4:pos + 4 + bl]


def api_keys(c):
    corr, body = c.call(18, 0, b"")
    err, n = struct.unpack_from(">hi", body, 0)
    return {struct.unpack_from(">h", body, 6 + 6 * i)[0] for i in range(n)}


def test_sasl_listener_advertises_the_sasl_apis_and_plaintext_does_not(sasl_broker, server_factory):
    c = kw.Conn(sasl_broker.kafka_port)
    assert {17, 36} <= api_keys(c)  # ApiVersions is answered before authentication
    c.close()
    plain = server_factory(name="plain").start()
    c = kw.Conn(plain.kafka_port)
    keys = api_keys(c)
    assert 17 not in keys and 36 not in keys and 3 in keys
    c.close()


def test_unauthenticated_metadata_is_refused_by_closing_the_connection(sasl_broker):
    c = kw.Conn(sasl_broker.kafka_port)
    c.send(kw.request(3, 1, struct.pack(">i", -1)))  # Metadata v1, all topics
    assert c.recv_frame() is None
    c.close()
    # Also after a handshake that chose a mechanism but before SaslAuthenticate.
    c = kw.Conn(sasl_broker.kafka_port)
    assert handshake(c, "PLAIN") == (0, MECHANISMS)
    c.send(kw.request(3, 1, struct.pack(">i", -1)))
    assert c.recv_frame() is None
    c.close()


def test_frames_over_512_kib_before_authentication_close_the_connection(sasl_broker):
    """Kafka's sasl.server.max.receive.size: before authentication a frame may not exceed
    512 KiB (socket.request.max.bytes, 100 MB, applies after)."""
    c = kw.Conn(sasl_broker.kafka_port)
    c.send(struct.pack(">i", 600000) + b"\0" * 1000)
    assert c.recv_frame() is None
    c.close()
    c = kw.Conn(sasl_broker.kafka_port)
    assert handshake(c, "PLAIN") == (0, MECHANISMS)
    assert authenticate_v1(c, b"\0alice\0alice-secret")[0] == 0
    # Authenticated: a 600000-byte frame is taken (ApiVersions v0 ignores the bytes after its
    # header).
    payload = struct.pack(">hhi", 18, 0, 9) + kw.string("wire-test") + b"\0" * 600000
    c.send(struct.pack(">i", len(payload)) + payload)
    corr, body = c.recv_frame()
    assert corr == 9
    c.close()
    assert "larger than sasl.server.max.receive.size" in sasl_broker.output()


def test_raw_plain_wrong_password_unsupported_mechanism_and_success(sasl_broker):
    c = kw.Conn(sasl_broker.kafka_port)
    assert handshake(c, "PLAIN") == (0, MECHANISMS)
    err, msg, _ = authenticate_v1(c, b"\0alice\0wr0ngpass")
    assert err == 58 and msg == "Authentication failed: Invalid username or password"
    assert c.recv_frame() is None  # then the broker closes
    c.close()

    c = kw.Conn(sasl_broker.kafka_port)
    assert handshake(c, "GSSAPI") == (33, MECHANISMS)  # UNSUPPORTED_SASL_MECHANISM + the list
    assert c.recv_frame() is None
    c.close()

    c = kw.Conn(sasl_broker.kafka_port)
    assert handshake(c, "PLAIN") == (0, MECHANISMS)
    assert authenticate_v1(c, b"\0bob\0b0b-secret") == (0, None, b"")
    corr, body = c.call(3, 1, struct.pack(">i", -1))  # now Metadata is answered
    assert struct.unpack_from(">i", body, 0)[0] == 1  # one broker
    c.close()
    log = sasl_broker.output()
    assert "SASL authentication from" in log and "wr0ngpass" not in log and "alice-secret" not in log


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_confluent_kafka_sasl_plaintext_produces_and_consumes(sasl_broker, mechanism):
    topic = "sasl-" + mechanism.lower()
    conf = confluent_conf(sasl_broker, "SASL_PLAINTEXT", mechanism)
    got = produce_and_consume(conf, topic)
    assert got == [f"v{i}" for i in range(20)]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_confluent_kafka_wrong_password_gets_the_authentication_error(sasl_broker, mechanism):
    errors = auth_error(confluent_conf(sasl_broker, "SASL_PLAINTEXT", mechanism, password="nope"))
    text = " ".join(str(e) for e in errors)
    assert "Authentication failed" in text or "AUTHENTICATION" in text.upper(), text


def test_only_the_configured_mechanisms_are_offered(server_factory):
    s = server_factory(sasl_sets(mechanisms=["SCRAM-SHA-512"])).start()
    c = kw.Conn(s.kafka_port)
    assert handshake(c, "PLAIN") == (33, ["SCRAM-SHA-512"])
    c.close()
    got = produce_and_consume(confluent_conf(s, "SASL_PLAINTEXT", "SCRAM-SHA-512", "bob", "b0b-secret"), "only512", 3)
    assert got == ["v0", "v1", "v2"]


def test_kcat_sasl_scram_and_a_wrong_password(sasl_broker):
    if not shutil.which("kcat"):
        pytest.fail("kcat is not installed (scripts/setup installs it)")
    b = bootstrap(sasl_broker)
    common = ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=SCRAM-SHA-256",
              "-X", "sasl.username=alice"]
    p = subprocess.run(["kcat", "-b", b, "-P", "-t", "kc", *common, "-X", "sasl.password=alice-secret"],
                       input="a\nb\n", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    p = subprocess.run(["kcat", "-b", b, "-C", "-t", "kc", "-o", "beginning", "-e", *common,
                        "-X", "sasl.password=alice-secret"], capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["a", "b"], p.stderr
    p = subprocess.run(["kcat", "-b", b, "-L", "-m", "5", *common, "-X", "sasl.password=wrong"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "Authentication failed" in p.stderr, p.stderr


def test_kafka_python_sasl_plain_uses_bare_tokens_after_handshake_v0(sasl_broker):
    from kafka import KafkaConsumer, KafkaProducer
    conf = dict(bootstrap_servers=bootstrap(sasl_broker), security_protocol="SASL_PLAINTEXT",
                sasl_mechanism="PLAIN", sasl_plain_username="bob", sasl_plain_password="b0b-secret")
    p = KafkaProducer(**conf)
    for i in range(5):
        p.send("kp", f"m{i}".encode())
    p.flush(30)
    p.close()
    c = KafkaConsumer("kp", auto_offset_reset="earliest", consumer_timeout_ms=5000, **conf)
    got = [m.value.decode() for m in c]
    c.close()
    assert got == [f"m{i}" for i in range(5)]


def write_client_properties(path, security, mechanism, user, password, ca=None):
    module = "plain.PlainLoginModule" if mechanism == "PLAIN" else "scram.ScramLoginModule"
    lines = [f"security.protocol={security}", f"sasl.mechanism={mechanism}",
             f'sasl.jaas.config=org.apache.kafka.common.security.{module} required '
             f'username="{user}" password="{password}";']
    if ca:
        lines += ["ssl.truststore.type=PEM", f"ssl.truststore.location={ca}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def java_console_round_trip(s, props, topic, n=10):
    b = bootstrap(s)
    lines = "".join(f"j{i}\n" for i in range(n))
    p = run_tool("kafka-console-producer", "--bootstrap-server", b, "--topic", topic,
                 "--command-config", str(props), stdin=lines)
    assert p.returncode == 0, p.stderr
    p = run_tool("kafka-console-consumer", "--bootstrap-server", b, "--topic", topic, "--from-beginning",
                 "--max-messages", str(n), "--timeout-ms", "30000", "--command-config", str(props))
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_java_console_tools_sasl_plaintext_scram_sha_512(sasl_broker, tmp_path):
    props = write_client_properties(tmp_path / "client.properties", "SASL_PLAINTEXT", "SCRAM-SHA-512",
                                    "alice", "alice-secret")
    assert java_console_round_trip(sasl_broker, props, "java-scram") == [f"j{i}" for i in range(10)]


def test_java_wrong_password_is_an_authentication_failure(sasl_broker, tmp_path):
    props = write_client_properties(tmp_path / "bad.properties", "SASL_PLAINTEXT", "SCRAM-SHA-256",
                                    "alice", "wrong")
    p = run_tool("kafka-topics", "--bootstrap-server", bootstrap(sasl_broker), "--list",
                 "--command-config", str(props), timeout=120)
    assert p.returncode != 0
    assert "SaslAuthenticationException" in p.stderr + p.stdout, p.stderr[-2000:]


@pytest.mark.parametrize("sets,key", [
    (["kafka.listener_security=sasl_plaintext"], "kafka.listener_sasl_users"),
    (["kafka.listener_sasl_users=a:b"], "kafka.listener_sasl_users"),
    (["kafka.listener_security=sasl_plaintext", "kafka.listener_sasl_users=nocolon"], "kafka.listener_sasl_users"),
    (["kafka.listener_security=sasl_plaintext", "kafka.listener_sasl_users=a:b",
      "kafka.listener_sasl_mechanisms=PLAIN,GSSAPI"], "kafka.listener_sasl_mechanisms"),
])
def test_bad_security_settings_are_config_errors_naming_the_key(server_factory, sets, key):
    s = server_factory(sets)
    with pytest.raises(RuntimeError) as e:
        s.start()
    assert key in str(e.value)


def test_config_show_hides_the_listener_users(tmp_path):
    from conftest import BIN
    p = subprocess.run([BIN, "--set", f"kafka.listener_sasl_users={USERS}", "--set", f"data.dir={tmp_path}",
                        "config", "show"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert "listener_sasl_users" in p.stdout and "<set, hidden>" in p.stdout
    assert "alice-secret" not in p.stdout and "b0b-secret" not in p.stdout


# --- TLS (SSL) and SASL_SSL -------------------------------------------------------------------

@pytest.fixture
def certs(tmp_path):
    """A self-signed certificate for 127.0.0.1 (its own CA: clients are given cert.pem)."""
    d = tmp_path / "tls"
    d.mkdir()
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return d


def tls_sets(certs, security):
    return [f"kafka.listener_security={security}", f"kafka.listener_tls_cert_file={certs / 'cert.pem'}",
            f"kafka.listener_tls_key_file={certs / 'key.pem'}"]


@pytest.fixture
def ssl_broker(server_factory, certs):
    return server_factory(FAST + tls_sets(certs, "ssl")).start()


@pytest.fixture
def sasl_ssl_broker(server_factory, certs):
    return server_factory(FAST + tls_sets(certs, "sasl_ssl") + [f"kafka.listener_sasl_users={USERS}"]).start()


def test_ssl_confluent_kafka_produces_and_consumes_records_larger_than_a_tls_record(ssl_broker, certs):
    from confluent_kafka import Consumer, Producer
    conf = confluent_conf(ssl_broker, "SSL", ca=certs / "cert.pem")
    assert produce_and_consume(conf, "tls-small") == [f"v{i}" for i in range(20)]
    # 300 KiB values: many TLS records per answer, and partial writes on the socket.
    big = [bytes([65 + i]) * (300 << 10) for i in range(6)]
    p = Producer(conf)
    for v in big:
        p.produce("tls-big", value=v)
    assert p.flush(30) == 0
    c = Consumer(dict(conf, **{"group.id": "tls-big", "auto.offset.reset": "earliest",
                               "fetch.max.bytes": 4 << 20}))
    c.subscribe(["tls-big"])
    got = []
    import time
    deadline = time.time() + 30
    while len(got) < len(big) and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value())
    c.close()
    assert got == big


def test_ssl_kcat_and_a_plaintext_client_is_refused(ssl_broker, certs):
    if not shutil.which("kcat"):
        pytest.fail("kcat is not installed (scripts/setup installs it)")
    b = bootstrap(ssl_broker)
    tls = ["-X", "security.protocol=SSL", "-X", f"ssl.ca.location={certs / 'cert.pem'}"]
    p = subprocess.run(["kcat", "-b", b, "-P", "-t", "kt", *tls], input="x\ny\n", capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    p = subprocess.run(["kcat", "-b", b, "-C", "-t", "kt", "-o", "beginning", "-e", *tls],
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["x", "y"], p.stderr
    # Plaintext Kafka bytes on the TLS port: not a TLS handshake, the connection is closed.
    c = kw.Conn(ssl_broker.kafka_port)
    c.send(kw.request(18, 0, b""))
    assert c.recv_frame() is None
    c.close()
    assert "closing the connection" in ssl_broker.output() and "TLS:" in ssl_broker.output()
    # A client that does not trust the certificate fails its handshake.
    p = subprocess.run(["kcat", "-b", b, "-L", "-m", "5", "-X", "security.protocol=SSL"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_raw_api_versions_over_tls_1_2_and_1_3(ssl_broker, certs, version):
    import socket
    import ssl
    ctx = ssl.create_default_context(cafile=str(certs / "cert.pem"))
    ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
    with socket.create_connection(("127.0.0.1", ssl_broker.kafka_port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert s.version() == version.replace("_", ".")
            s.sendall(kw.request(18, 0, b"", correlation_id=5))
            head = s.recv(4)
            (size,) = struct.unpack(">i", head)
            body = b""
            while len(body) < size:
                body += s.recv(size - len(body))
            assert struct.unpack_from(">ih", body, 0) == (5, 0)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_confluent_kafka_sasl_ssl_produces_and_consumes(sasl_ssl_broker, certs, mechanism):
    conf = confluent_conf(sasl_ssl_broker, "SASL_SSL", mechanism, ca=certs / "cert.pem")
    assert produce_and_consume(conf, "ss-" + mechanism.lower()) == [f"v{i}" for i in range(20)]
    errors = auth_error(confluent_conf(sasl_ssl_broker, "SASL_SSL", mechanism, password="nope",
                                       ca=certs / "cert.pem"))
    assert "Authentication failed" in " ".join(str(e) for e in errors)


def test_java_console_tools_like_msk_sasl_ssl_scram_sha_512_with_a_pem_truststore(sasl_ssl_broker, certs, tmp_path):
    """The headline: Kafka 4.4's console producer and consumer with an MSK-style client.properties
    (SASL_SSL, SCRAM-SHA-512, the JAAS ScramLoginModule line, a PEM truststore)."""
    props = write_client_properties(tmp_path / "client.properties", "SASL_SSL", "SCRAM-SHA-512", "bob",
                                    "b0b-secret", ca=certs / "cert.pem")
    assert java_console_round_trip(sasl_ssl_broker, props, "msk-like") == [f"j{i}" for i in range(10)]
    bad = write_client_properties(tmp_path / "bad.properties", "SASL_SSL", "SCRAM-SHA-512", "bob", "nope",
                                  ca=certs / "cert.pem")
    p = run_tool("kafka-topics", "--bootstrap-server", bootstrap(sasl_ssl_broker), "--list",
                 "--command-config", str(bad))
    assert p.returncode != 0 and "SaslAuthenticationException" in p.stderr + p.stdout


@pytest.mark.parametrize("sets,key", [
    (["kafka.listener_security=ssl"], "kafka.listener_tls_cert_file"),
    (["kafka.listener_tls_key_file=/x.pem"], "kafka.listener_tls_key_file"),
    (["kafka.listener_security=ssl", "kafka.listener_tls_cert_file=/nonexistent/cert.pem",
      "kafka.listener_tls_key_file=/nonexistent/key.pem"], "kafka.listener_tls_cert_file"),
    (["kafka.listener_security=sasl_ssl", "kafka.listener_tls_cert_file=/c", "kafka.listener_tls_key_file=/k"],
     "kafka.listener_sasl_users"),
])
def test_bad_tls_settings_are_config_errors_naming_the_key(server_factory, sets, key):
    s = server_factory(sets)
    with pytest.raises(RuntimeError) as e:
        s.start()
    assert key in str(e.value)


# --- external-cluster mode: kafka.security_protocol / kafka.sasl_* through librdkafka ----------

def test_external_cluster_mode_over_sasl_against_kafka_4_4(tmp_path, server_factory):
    """pinpipe as a client of a real Kafka 4.4 whose listener is SASL_PLAINTEXT: topic
    administration and REST produce reach the cluster with kafka.sasl_* (PLAIN through
    librdkafka); a wrong password is the cluster's authentication error; Kafka's own Java client
    reads the records back with SCRAM-SHA-512 (the users created at KRaft format time).
    Debian's librdkafka 2.0.2 cannot use SCRAM against Kafka 4.4: its client-final nonce repeats
    the client nonce, which Kafka 4.4 refuses as invalid credentials (pinpipe's listener
    accepts it, as Kafka's broker did before) — README "External-cluster mode"."""
    import json
    import time

    import requests
    from conftest import BIN
    from real_kafka import RealKafka
    from rest_helpers import produce_json
    k = RealKafka(tmp_path / "scram-kafka", scram_users={"carol": "carol-secret"}).start()
    try:
        bs = f"127.0.0.1:{k.sasl_port}"
        client = [f"kafka.bootstrap={bs}", "kafka.security_protocol=sasl_plaintext",
                  "kafka.sasl_mechanism=PLAIN", "kafka.sasl_username=carol"]

        def cli(*args, password="carol-secret"):
            cmd = [BIN, "--set", f"data.dir={tmp_path / 'cli'}"]
            for s in client + [f"kafka.sasl_password={password}", "kafka.client_timeout_ms=5000"]:
                cmd += ["--set", s]
            return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=120)

        p = cli("topics", "create", "sec16", "--partitions", "2")
        assert p.returncode == 0 and "created topic sec16" in p.stdout, p.stderr
        assert "sec16" in json.loads(cli("topics", "list", "--format", "json").stdout)
        bad = cli("topics", "list", "--format", "json", password="nope")
        assert bad.returncode != 0
        assert "authentication" in (bad.stderr + bad.stdout).lower(), bad.stderr[-2000:]

        s = server_factory(client + ["kafka.sasl_password=carol-secret", "sink.enabled=false"], name="ext").start()
        r = produce_json(s.url, "sec16", [{"n": i} for i in range(10)])
        assert r.status_code == 200, r.text
        assert all(o.get("error_code") is None for o in r.json()["offsets"]), r.text
        # Read back from the cluster with Kafka 4.4's console consumer over SCRAM-SHA-512.
        props = write_client_properties(tmp_path / "scram.properties", "SASL_PLAINTEXT", "SCRAM-SHA-512",
                                        "carol", "carol-secret")
        p = run_tool("kafka-console-consumer", "--bootstrap-server", bs, "--topic", "sec16", "--from-beginning",
                     "--max-messages", "10", "--timeout-ms", "30000", "--command-config", str(props))
        assert p.returncode == 0, p.stderr[-2000:]
        assert sorted(json.loads(line)["n"] for line in p.stdout.split()) == list(range(10))
        assert requests.get(s.url + "/healthz", timeout=5).status_code == 200
    finally:
        k.stop()


def test_external_cluster_mode_over_oauthbearer_oidc_against_kafka_4_4(tmp_path, server_factory):
    """OAUTHBEARER through librdkafka's OIDC client: pinpipe fetches tokens from a token endpoint
    with its client credentials (kafka.sasl_oauthbearer_*), and Kafka 4.4 checks them against the
    issuer's JWKS (OAuthBearerValidatorCallbackHandler, audience checked). Topic administration
    and REST produce reach the cluster; a wrong client secret is refused at the token endpoint
    and reported; OAUTHBEARER without a way to get tokens is a config error naming the keys."""
    import json

    from conftest import BIN
    from oidc_issuer import OidcIssuer
    from real_kafka import RealKafka
    from rest_helpers import produce_json
    with OidcIssuer({"pinpipe-svc": "svc-secret"}) as issuer:
        k = RealKafka(tmp_path / "oauth-kafka", scram_users={"carol": "carol-secret"},
                      oauth_jwks_url=issuer.jwks_url, oauth_issuer=issuer.issuer).start()
        try:
            bs = f"127.0.0.1:{k.sasl_port}"
            client = [f"kafka.bootstrap={bs}", "kafka.security_protocol=sasl_plaintext",
                      "kafka.sasl_mechanism=OAUTHBEARER", "kafka.sasl_oauthbearer_method=oidc",
                      f"kafka.sasl_oauthbearer_token_endpoint_url={issuer.token_url}",
                      "kafka.sasl_oauthbearer_client_id=pinpipe-svc", "kafka.sasl_oauthbearer_scope=kafka"]

            def cli(*args, sets=None):
                cmd = [BIN, "--set", f"data.dir={tmp_path / 'cli'}", "--set", "kafka.client_timeout_ms=8000"]
                for s in (client + ["kafka.sasl_oauthbearer_client_secret=svc-secret"] if sets is None else sets):
                    cmd += ["--set", s]
                return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=120)

            p = cli("topics", "create", "oauth16", "--partitions", "2")
            assert p.returncode == 0 and "created topic oauth16" in p.stdout, p.stderr[-2000:]
            assert issuer.issued >= 1
            assert "oauth16" in json.loads(cli("topics", "list", "--format", "json").stdout)

            refused = issuer.refused
            bad = cli("topics", "list", "--format", "json",
                      sets=client + ["kafka.sasl_oauthbearer_client_secret=wrong"])
            assert bad.returncode != 0
            assert issuer.refused > refused
            assert any(w in (bad.stderr + bad.stdout).lower() for w in ("token", "authentication", "401")), \
                bad.stderr[-2000:]

            no_way = cli("topics", "list", sets=[f"kafka.bootstrap={bs}", "kafka.security_protocol=sasl_plaintext",
                                                 "kafka.sasl_mechanism=OAUTHBEARER"])
            assert no_way.returncode != 0 and "kafka.sasl_oauthbearer_method" in no_way.stderr, no_way.stderr[-2000:]
            missing = cli("topics", "list", sets=client)  # oidc without the client secret
            assert missing.returncode != 0 and "kafka.sasl_oauthbearer_client_secret" in missing.stderr

            s = server_factory(client + ["kafka.sasl_oauthbearer_client_secret=svc-secret", "sink.enabled=false"],
                               name="oauth").start()
            r = produce_json(s.url, "oauth16", [{"n": i} for i in range(10)])
            assert r.status_code == 200, r.text
            assert all(o.get("error_code") is None for o in r.json()["offsets"]), r.text
            props = write_client_properties(tmp_path / "scram.properties", "SASL_PLAINTEXT", "SCRAM-SHA-512",
                                            "carol", "carol-secret")
            p = run_tool("kafka-console-consumer", "--bootstrap-server", bs, "--topic", "oauth16",
                         "--from-beginning", "--max-messages", "10", "--timeout-ms", "30000",
                         "--command-config", str(props))
            assert p.returncode == 0, p.stderr[-2000:]
            assert sorted(json.loads(line)["n"] for line in p.stdout.split()) == list(range(10))
        finally:
            k.stop()
