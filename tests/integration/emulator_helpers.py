"""Helpers shared by the emulator's integration tests: running the binary, a recording
HTTP stub of the REST Proxy, reading the source database with the sqlite3 module."""
import json
import os
import sqlite3
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import BIN

DOCUMENTED_ROWS = [7528, 2863, 5730, 8304, 8731, 1313, 4315, 10794, 5494, 5069, 2923, 3089,
                   6063, 3454, 7554, 6145, 10625, 2959, 9875, 2418, 3156, 428, 7343, 2074,
                   9979, 10138, 9672, 8653, 8887, 7922, 1014, 4913, 4137, 7166, 9546, 2411,
                   9590, 2698, 4508, 831]

GEO_ORDER = ["ind", "latitude", "longitude", "country", "timestamp"]


def run(*args, data_dir=None, timeout=120, check=False):
    cmd = [BIN]
    if data_dir is not None:
        cmd += ["--set", f"data.dir={data_dir}"]
    cmd += [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def db_rows(db_path, table, key):
    """{key: row dict} of one table, values as the emulator posts them."""
    con = sqlite3.connect(db_path)
    con.row_factory = sqlite3.Row
    out = {}
    for r in con.execute(f'SELECT * FROM "{table}"'):
        d = dict(r)
        out[d[key]] = d
    con.close()
    return out


class RecordingStub:
    """A tiny REST Proxy stand-in on a free loopback port that records every request and
    answers like the produce API (or with a fixed status)."""

    def __init__(self, status=200):
        self.requests = []
        self.status = status
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with stub.lock:
                    stub.requests.append((self.command, self.path, dict(self.headers), body))
                reply = json.dumps({"offsets": [{"partition": 0, "offset": len(stub.requests)}]}).encode()
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/vnd.kafka.v2+json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_PUT = do_POST

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
