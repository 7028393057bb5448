"""Shared by the peer tests: lakes written by `pinpipe dag run` (from the 15 fixtures in
../shared/data/fixtures and from 100k generated interactions), pinpipe's own reading of every
Delta table in them (`pinpipe lake show|schema|history|files --format json`), and one canonical
spelling of values so that rows read by different engines compare exactly.

Each test module runs under its peer's venv (tests/peers/peer NAME env); a peer that is not
installed fails the tests with the installer's message, unless PINPIPE_PEERS=none."""
import json
import os
import re
import subprocess
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PINPIPE_BIN", str(ROOT / "build" / "pinpipe"))
FIXTURES = ROOT.parent / "shared" / "data" / "fixtures"
PEER = Path(__file__).resolve().parent / "peer"
DATE = "2026-11-21"
GENERATED_INTERACTIONS = 100_000


def require_peer(name):
    """The peer's env; fails (never skips) when it is not installed, unless PINPIPE_PEERS=none."""
    if os.environ.get("PINPIPE_PEERS") == "none":
        pytest.skip("PINPIPE_PEERS=none")
    proc = subprocess.run([str(PEER), name, "env", "--json"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"peer {name}: {proc.stderr.strip()}", pytrace=False)
    return json.loads(proc.stdout)


def pinpipe(data_dir, *args, timeout=300):
    cmd = [BIN]
    if data_dir is not None:
        cmd += ["--set", f"data.dir={data_dir}"]
    proc = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{cmd + list(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


# --- lakes -------------------------------------------------------------------------------------
def write_fixture_lake(data_dir, fixture):
    """A fixture's raw rows as the sink's objects (one per topic). The notebooks displayed Spark
    nulls as "null": back to null, as tests/interop/analytics.test.mjs does."""
    data = json.loads(Path(fixture).read_text())
    for t in ("pin", "geo", "user"):
        topic = f"pinterest.{t}"
        d = Path(data_dir) / "lake" / "topics" / topic / "partition=0"
        d.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({k: (None if v == "null" else v) for k, v in row.items()})
                 for row in data[t]]
        (d / f"{topic}+0+0000000000.json").write_text("\n".join(lines) + "\n")


def dag_run(data_dir):
    out = pinpipe(data_dir, "dag", "run", "--date", DATE)
    assert out.count("✓") == 5, out
    return out


def delta_tables(data_dir):
    """Every Delta table under <data_dir>/lake/delta, by name (analytics tables as analytics/x)."""
    base = Path(data_dir) / "lake" / "delta"
    return {str(p.parent.relative_to(base)): p.parent for p in sorted(base.rglob("_delta_log"))}


@pytest.fixture(scope="session")
def lakes(tmp_path_factory):
    """name -> data dir of a lake after one `dag run`: the 15 fixtures (when ../shared/data is
    there) and 100k generated interactions."""
    out = {}
    root = tmp_path_factory.mktemp("lakes")
    if FIXTURES.exists():
        for f in sorted(FIXTURES.glob("*.input.json")):
            d = root / f.name.replace(".input.json", "")
            write_fixture_lake(d, f)
            dag_run(d)
            out[d.name] = d
    d = root / "generated-100k"
    pinpipe(d, "batch", "gen-raw", "--interactions", GENERATED_INTERACTIONS, "--records-per-object", 5000)
    dag_run(d)
    out[d.name] = d
    return out


@pytest.fixture(scope="session")
def fixture_count():
    return len(list(FIXTURES.glob("*.input.json"))) if FIXTURES.exists() else 0


# --- pinpipe's reading -------------------------------------------------------------------------
def pp_schema(table):
    return json.loads(pinpipe(None, "lake", "schema", table, "--format", "json"))


def pp_rows(table, version=None):
    args = ["lake", "show", table, "--format", "ndjson"]
    if version is not None:
        args += ["--version", version]
    # Integers stay exact: Python's json has arbitrary-precision ints.
    return [json.loads(line) for line in pinpipe(None, *args).splitlines() if line]


def pp_history(table):
    return [json.loads(line) for line in pinpipe(None, "lake", "history", table, "--format", "ndjson").splitlines() if line]


def pp_files(table, version=None):
    args = ["lake", "files", table, "--format", "ndjson"]
    if version is not None:
        args += ["--version", version]
    return [json.loads(line) for line in pinpipe(None, *args).splitlines() if line]


# --- canonical values --------------------------------------------------------------------------
_TS = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:Z|\+00(?::?00)?)?$")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def ts_micros(v):
    """A timestamp (text in any ISO spelling, or a datetime) -> microseconds since the epoch."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        d = v - EPOCH
        return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
    m = _TS.match(v)
    assert m, f"not a timestamp: {v!r}"
    y, mo, d, h, mi, s, frac = m.groups()
    base = ts_micros(datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=timezone.utc))
    return base + int((frac or "").ljust(6, "0")[:6])


def schema_kinds(delta_schema):
    """Delta schema JSON -> {column: type} with arrays as 'array<elem>'."""
    def kind(t):
        if isinstance(t, str):
            return t
        if t.get("type") == "array":
            return f"array<{kind(t['elementType'])}>"
        return json.dumps(t, sort_keys=True)
    return {f["name"]: kind(f["type"]) for f in delta_schema["fields"]}


def canon(v, kind):
    """One spelling per value: ints as int, doubles as their exact repr (-0.0 and 0.0 differ,
    NaN equals NaN), timestamps as epoch microseconds, arrays as tuples."""
    if v is None:
        return None
    if kind.startswith("array<"):
        inner = kind[6:-1]
        return tuple(canon(x, inner) for x in v)
    if kind in ("long", "integer", "short", "byte"):
        assert not isinstance(v, bool) and float(v) == int(v), (v, kind)
        return int(v)
    if kind in ("double", "float"):
        return repr(float(v))
    if kind == "timestamp":
        return ts_micros(v)
    if kind == "boolean":
        assert isinstance(v, bool), (v, kind)
        return v
    if kind == "string":
        assert isinstance(v, str), (v, kind)
        return v
    if kind == "date":
        return str(v)
    raise AssertionError(f"unexpected column type {kind}")


def canon_rows(rows, kinds):
    """rows: iterable of dicts (column -> value) -> Counter of canonical tuples, column order
    of `kinds`."""
    cols = list(kinds)
    return Counter(tuple(canon(r[c], kinds[c]) for c in cols) for r in rows)


def diff_summary(a, b, limit=3):
    only_a = list((a - b).elements())[:limit]
    only_b = list((b - a).elements())[:limit]
    return f"{sum(a.values())} vs {sum(b.values())} rows; only left: {only_a}; only right: {only_b}"
