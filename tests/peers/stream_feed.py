"""Shared by the streaming peer tests: a `pinpipe serve` on free loopback ports whose stream job
writes the `<id>_*_table`s, fed over the REST Proxy (`pinpipe produce --api`), and what the
tables' commits say about their rows."""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from conftest import BIN, FIXTURES, pinpipe


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture_lines(kind):
    """Every fixture's raw `kind` rows as JSON lines (the notebooks' "null" back to null)."""
    out = []
    for f in sorted(FIXTURES.glob("*.input.json")):
        for r in json.loads(f.read_text())[kind]:
            out.append(json.dumps({k: (None if v == "null" else v) for k, v in r.items()}))
    return out


class Server:
    """`pinpipe serve` with the sink and scheduler off; `sets` are extra --set key=value."""

    def __init__(self, data, sets=(), env=None):
        self.data = Path(data)
        self.data.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [BIN]
        for s in [f"data.dir={self.data}", f"http.port={self.port}", f"kafka.port={free_port()}",
                  "sink.enabled=false", "scheduler.enabled=false", *sets]:
            cmd += ["--set", s]
        self.log = open(self.data.parent / f"serve-{self.port}.log", "wb")
        self.proc = subprocess.Popen(cmd + ["serve"], stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env)
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise AssertionError("serve did not start: " + self.server_log())
                time.sleep(0.05)

    def server_log(self):
        self.log.flush()
        return (self.data.parent / f"serve-{self.port}.log").read_text(errors="replace")[-3000:]

    def produce(self, kind, lines, batch=100, topic=None):
        p = subprocess.run([BIN, "produce", "-t", topic or f"pinterest.{kind}", "--api", self.url,
                            "--batch", str(batch)],
                           input="\n".join(lines) + "\n", text=True, capture_output=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr

    def committed(self):
        st = json.loads(pinpipe(self.data, "stream", "status", "--json"))
        out = {}
        for p in st.get("partitions", []):
            out[p["topic"]] = out.get(p["topic"], 0) + p["committed"]
        return out

    def wait_committed(self, want, timeout=90):
        """Waits until the job committed at least want[kind] records of pinterest.<kind>."""
        deadline = time.time() + timeout
        while True:
            got = self.committed()
            if all(got.get(f"pinterest.{k}", 0) >= n for k, n in want.items()):
                return got
            assert time.time() < deadline and self.proc.poll() is None, \
                f"stream job committed {got}, want {want}\n{self.server_log()}"
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def committed_rows_by_version(table):
    """version -> the rows a snapshot at that version holds, from the log itself: the sum of the
    STREAMING UPDATE commits' numOutputRows up to it (compactions change no rows)."""
    out, total = {}, 0
    for p in sorted((Path(table) / "_delta_log").glob("*.json")):
        for line in p.read_text().splitlines():
            ci = json.loads(line).get("commitInfo")
            if ci and ci["operation"] == "STREAMING UPDATE":
                total += int(ci["operationMetrics"]["numOutputRows"])
        out[int(p.name[:20])] = total
    return out


def log_versions(table, suffix=".json"):
    return sorted(int(p.name[:20]) for p in (Path(table) / "_delta_log").glob(f"*{suffix}")
                  if p.name[:20].isdigit())


def fresh_pin_lines(template, n, tag):
    """n pin records unlike any other (a distinct title each), from one raw pin line."""
    base = json.loads(template)
    out = []
    for i in range(n):
        r = dict(base)
        r["title"] = f"{tag} {i}"
        out.append(json.dumps(r))
    return out


def expire_log(data, table, sets, template):
    """Ages every log file of `table` (a stream table of the stopped server in `data`) by 40
    days, then runs `serve` again and feeds fresh rows until the job's commits reach the next
    checkpoint, whose writer deletes the expired log (delta.logRetentionDuration, 30 days).
    Returns (rows by version before the cleanup, the newest version aged, the checkpoint kept)."""
    table = Path(table)
    rows_at = committed_rows_by_version(table)
    aged = max(rows_at)
    old = time.time() - 40 * 86400
    for p in (table / "_delta_log").iterdir():
        if p.name[:20].isdigit():
            os.utime(p, (old, old))
    kept = max(v for v in log_versions(table, ".checkpoint.parquet") if v <= aged)
    target = (aged // 10 + 1) * 10
    server = Server(data, list(sets) + ["stream.compact_interval_ms=0"])
    try:
        i = 0
        while not (table / "_delta_log" / f"{target:020d}.checkpoint.parquet").exists():
            assert i < 200, "no checkpoint after the expiry"
            server.produce("pin", fresh_pin_lines(template, 3, f"expiry {i}"), batch=3)
            before = log_versions(table)[-1]
            deadline = time.time() + 30
            while log_versions(table)[-1] == before and time.time() < deadline:
                time.sleep(0.05)
            i += 1
    finally:
        server.stop()
    return rows_at, aged, kept
