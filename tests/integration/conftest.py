"""Fixtures for integration tests: start the real pinpipe binary on free loopback ports
with a temporary data directory, and stop it afterwards."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PINPIPE_BIN", str(ROOT / "build" / "pinpipe"))
SHARED_DATA = ROOT.parent / "shared" / "data"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `pinpipe serve`. restart() keeps the data directory and ports."""

    def __init__(self, data_dir, extra_sets=(), env=None):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.kafka_port = free_port()
        self.extra_sets = list(extra_sets)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def args(self):
        sets = [f"data.dir={self.data_dir}", f"http.port={self.port}",
                f"kafka.port={self.kafka_port}"] + self.extra_sets
        out = [BIN]
        for s in sets:
            out += ["--set", s]
        return out + ["serve"]

    def start(self, timeout=15, allow_degraded=False):
        """Waits for /healthz: 200, or with allow_degraded also 503 "degraded" (the server is up
        and says what is wrong, e.g. after damage to its files). A first start whose free port
        another process took meanwhile (free_port() closes it before serve binds it) is tried
        again on new ports; a restart keeps its ports."""
        for attempt in range(3):
            try:
                return self._start(timeout, allow_degraded)
            except RuntimeError as e:
                if getattr(self, "started_once", False) or attempt == 2 or "Address already in use" not in str(e):
                    raise
                self.log.close()
                self.port, self.kafka_port = free_port(), free_port()

    def _start(self, timeout, allow_degraded):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args(), stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pinpipe serve exited with {self.proc.returncode}:\n"
                                   + self.output())
            try:
                h = requests.get(self.url + "/healthz", timeout=0.5)
                if h.status_code == 200:
                    self.started_once = True
                    return self
                if allow_degraded and h.status_code == 503 and h.json().get("status") == "degraded":
                    self.degraded_reasons = h.json().get("reasons", [])
                    self.started_once = True
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("pinpipe serve did not become healthy:\n" + self.output())

    def output(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode if self.proc else None
        if getattr(self, "log", None):
            self.log.close()
        return code

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()


@pytest.fixture
def server_factory(tmp_path):
    servers = []

    def make(extra_sets=(), name="data", env=None):
        s = Server(tmp_path / name, extra_sets, env)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def server(server_factory):
    return server_factory().start()


@pytest.fixture
def shared_data():
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def moto():
    """A private moto server (S3 and Kinesis) from the peer kit, started on a free port; its URL.
    Skipped only with PINPIPE_PEERS=none (a peer that cannot be installed fails the test)."""
    from kinesis_helpers import MotoServer, moto_env  # it imports this module
    env = moto_env()
    if env is None:
        pytest.skip("PINPIPE_PEERS=none")
    server = MotoServer(env, free_port())
    try:
        yield server.url
    finally:
        server.stop()


def wait_for(fn, timeout=10, step=0.1):
    """Calls fn until it returns something true or `timeout` seconds pass; returns its last value."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(step)
