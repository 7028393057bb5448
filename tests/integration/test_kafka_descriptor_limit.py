"""The Kafka listener out of file descriptors (a server under `ulimit -n 128`, more clients than
it can hold): every client it cannot take sees its connection closed within seconds instead of
waiting in the backlog (the listener used to leave them there and spin on accept(): 36% of a
core while 150 clients waited, 0% now), the connections it holds are served, and it accepts
again once descriptors are free."""
import re
import select
import socket
import struct
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as kw  # noqa: E402
from test_chaos import LowFdServer  # noqa: E402

CLIENTS = 200


def metric(http, url, name):
    text = http.get(url + "/metrics", timeout=10).text
    m = re.search(rf"^{name} (\d+)$", text, re.M)
    assert m, f"{name} missing from /metrics"
    return int(m.group(1))


def api_versions_error(sock):
    """The error code of an ApiVersions v0 answer on an open connection."""
    sock.sendall(kw.request(18, 0, b"", correlation_id=7))
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        assert chunk, "the broker closed a connection it had accepted"
        head += chunk
    (size,) = struct.unpack(">i", head)
    body = b""
    while len(body) < size:
        chunk = sock.recv(size - len(body))
        assert chunk, "the broker closed a connection it had accepted"
        body += chunk
    corr, err = struct.unpack_from(">ih", body)
    assert corr == 7
    return err


def test_kafka_clients_past_the_descriptor_limit_are_closed_and_the_held_ones_served(tmp_path):
    srv = LowFdServer(tmp_path / "data", nofile=128)
    srv.start()
    socks = []
    # One keep-alive HTTP connection, opened before the flood: the process has no descriptor
    # left for a new one (the HTTP listener refuses those the same way).
    http = requests.Session()
    try:
        accepted0 = metric(http, srv.url, "pinpipe_kafka_connections_accepted_total")
        for _ in range(CLIENTS):  # the kernel completes each handshake; the backlog holds them
            socks.append(socket.create_connection(("127.0.0.1", srv.kafka_port), timeout=10))
        closed = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            readable, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.2)
            for s in readable:
                if s.recv(1) == b"":
                    closed.add(s)
            accepted = metric(http, srv.url, "pinpipe_kafka_connections_accepted_total") - accepted0
            if accepted + len(closed) == CLIENTS:
                break
        accepted = metric(http, srv.url, "pinpipe_kafka_connections_accepted_total") - accepted0
        refused = metric(http, srv.url, "pinpipe_kafka_connections_refused_total")
        assert accepted + len(closed) == CLIENTS, (accepted, len(closed))
        assert 20 <= accepted < CLIENTS, accepted  # some held, the rest refused
        assert refused == len(closed), (refused, len(closed))
        assert "out of file descriptors" in srv.output()
        held = [s for s in socks if s not in closed]
        assert all(api_versions_error(s) == 0 for s in held[:5] + held[-5:])

        # Descriptors come back: the listener accepts again (after its 100 ms pause).
        for s in list(closed) + held[:20]:
            s.close()
        deadline = time.monotonic() + 10
        while True:
            c = socket.create_connection(("127.0.0.1", srv.kafka_port), timeout=10)
            readable, _, _ = select.select([c], [], [], 0.3)
            if not readable or c.recv(1, socket.MSG_PEEK) != b"":
                break  # not closed: accepted
            c.close()
            assert time.monotonic() < deadline, "the listener never accepted again"
        socks.append(c)
        assert api_versions_error(c) == 0
    finally:
        for s in socks:
            s.close()
        srv.stop()
