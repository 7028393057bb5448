"""Apache Kafka 4.4 from the peer kit, started privately on free loopback ports (KRaft, one
node), for tests that need a real cluster. stop() and start() again keep its data and ports,
so a test can take the cluster away and bring it back."""
import base64
import json
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

PEERS = Path(__file__).resolve().parents[1] / "peers"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RealKafka:
    def __init__(self, run_dir, scram_users=None, oauth_jwks_url=None, oauth_issuer=None, oauth_audience="kafka"):
        """scram_users: {"name": "password"} adds a SASL_PLAINTEXT listener on `sasl_port` with
        PLAIN (the users in its JAAS line) and SCRAM-SHA-256/512 (the users created at storage
        format time, KRaft). oauth_jwks_url adds OAUTHBEARER there too, its tokens checked by
        Kafka's OAuthBearerValidatorCallbackHandler against that JWKS, issuer and audience."""
        if os.environ.get("PINPIPE_PEERS") == "none":
            pytest.skip("PINPIPE_PEERS=none")
        proc = subprocess.run([str(PEERS / "peer"), "kafka", "env", "--json"], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail(f"peer kafka: {proc.stderr.strip()}", pytrace=False)
        self.env = json.loads(proc.stdout)
        self.run = Path(run_dir)
        self.run.mkdir(parents=True, exist_ok=True)
        self.port, cport = _free_port(), _free_port()
        self.props = self.run / "server.properties"
        text = (PEERS / "kafka-server.properties.in").read_text().format(
            port=self.port, controller_port=cport, data=self.run / "data")
        self.sasl_port = None
        if scram_users:
            self.sasl_port = _free_port()
            text = text.replace("\nlisteners=PLAINTEXT://127.0.0.1:{}".format(self.port),
                                f"\nlisteners=PLAINTEXT://127.0.0.1:{self.port},SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}")
            text = text.replace("advertised.listeners=PLAINTEXT://127.0.0.1:{}".format(self.port),
                                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port},"
                                f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}")
            text = text.replace("listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
                                "SASL_PLAINTEXT:SASL_PLAINTEXT")
            text += "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" + (",OAUTHBEARER" if oauth_jwks_url else "") + "\n"
            if oauth_jwks_url:
                prefix = "listener.name.sasl_plaintext.oauthbearer."
                text += (prefix + "sasl.jaas.config="
                         "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;\n")
                text += (prefix + "sasl.server.callback.handler.class="
                         "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler\n")
                text += f"sasl.oauthbearer.jwks.endpoint.url={oauth_jwks_url}\n"
                text += f"sasl.oauthbearer.expected.audience={oauth_audience}\n"
                text += f"sasl.oauthbearer.expected.issuer={oauth_issuer}\n"  # required since Kafka 4.4
            text += ("listener.name.sasl_plaintext.plain.sasl.jaas.config="
                     "org.apache.kafka.common.security.plain.PlainLoginModule required "
                     + " ".join(f'user_{n}="{pw}"' for n, pw in scram_users.items()) + ";\n")
            for m in ("scram-sha-256", "scram-sha-512"):
                text += (f"listener.name.sasl_plaintext.{m}.sasl.jaas.config="
                         "org.apache.kafka.common.security.scram.ScramLoginModule required;\n")
        self.props.write_text(text)
        # Kafka 4 fetches a JWKS only from the URLs this system property allows.
        allowed = [f"-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls={oauth_jwks_url}"] if oauth_jwks_url else []
        self.java = [f"{self.env['JAVA_HOME']}/bin/java", "-Xmx512m", *allowed,
                     f"-Dlog4j2.configurationFile=file:{PEERS / 'kafka-log4j2.properties'}",
                     f"-Dkafka.logs.dir={self.run / 'logs'}", "-cp", self.env["PINPIPE_PEER_KAFKA_CLASSPATH"]]
        cluster = "-"
        while cluster.startswith("-"):  # an id starting with '-' would read as an option
            cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        scram = []
        for name, password in (scram_users or {}).items():
            for m in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
                scram += ["--add-scram", f"{m}=[name={name},password={password}]"]
        subprocess.run(self.java + ["kafka.tools.StorageTool", "format", "-t", cluster, "-c", str(self.props), *scram],
                       check=True, capture_output=True)
        self.proc = None
        self.starts = 0

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=120):
        log_path = self.run / f"server-{self.starts}.log"
        self.starts += 1
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(self.java + ["kafka.Kafka", str(self.props)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline and b"Kafka Server started" not in log_path.read_bytes():
            assert self.proc.poll() is None, log_path.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        assert b"Kafka Server started" in log_path.read_bytes(), "Kafka did not start"
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
