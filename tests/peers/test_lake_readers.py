"""delta-rs, polars and DuckDB (delta extension) read every Delta table that `pinpipe dag run`
writes — clean pin/geo/user, the quarantine tables and the nine analytics tables — for each of
the 15 fixture inputs and 100k generated interactions, with the same schema, version, active
files and every value as pinpipe's own reader (`pinpipe lake show|schema|files --format json`).
Runs under the `lakepy` peer's venv (tests/peers/peer lakepy install)."""
import functools

import pytest

from conftest import (FIXTURES, canon, canon_rows, diff_summary, delta_tables, pinpipe, pp_files,
                      pp_history, pp_rows, pp_schema, require_peer, schema_kinds)

LAKE_NAMES = sorted(f.name.replace(".input.json", "") for f in FIXTURES.glob("*.input.json")) \
    if FIXTURES.exists() else []
LAKE_NAMES.append("generated-100k")
TABLES = {"pin", "geo", "user", "quarantine_pin", "quarantine_geo", "quarantine_user"} | {
    f"analytics/{n}" for n in (
        "category_by_country", "category_by_year", "top_user_by_country", "top_country",
        "category_by_age_group", "median_followers_by_age_group", "users_joined_by_year",
        "median_followers_by_join_year", "median_followers_by_age_group_and_join_year")}


@pytest.fixture(scope="module")
def peer():
    return require_peer("lakepy")


@functools.lru_cache(maxsize=None)
def pinpipe_view(path):
    schema = pp_schema(path)
    kinds = schema_kinds(schema)
    return schema, kinds, canon_rows(pp_rows(path), kinds)


def lake_tables(lakes, name):
    if name not in lakes:
        pytest.skip(f"no lake {name} (../shared/data/fixtures absent)")
    tables = delta_tables(lakes[name])
    assert set(tables) == TABLES, f"{name}: tables {sorted(tables)}"
    return tables


def plain_fields(schema):
    return [(f["name"], f["type"], f["nullable"]) for f in schema["fields"]]


def check_all(lakes, name, read):
    """read(path, schema, kinds) -> Counter of canonical rows; compared for every table."""
    bad = []
    for table, path in sorted(lake_tables(lakes, name).items()):
        schema, kinds, mine = pinpipe_view(str(path))
        theirs = read(str(path), schema, kinds)
        if theirs != mine:
            bad.append(f"{name}/{table}: {diff_summary(theirs, mine)}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", LAKE_NAMES)
def test_delta_rs_reads_every_table(peer, lakes, name):
    from deltalake import DeltaTable
    bad = []
    for table, path in sorted(lake_tables(lakes, name).items()):
        schema, kinds, mine = pinpipe_view(str(path))
        dt = DeltaTable(str(path))
        import json
        theirs_schema = json.loads(dt.schema().to_json())
        if plain_fields(theirs_schema) != plain_fields(schema):
            bad.append(f"{table}: schema {plain_fields(theirs_schema)} != {plain_fields(schema)}")
        p = dt.protocol()
        if (p.min_reader_version, p.min_writer_version) != (1, 2):
            bad.append(f"{table}: protocol {p}")
        if dt.version() != pp_history(str(path))[0]["version"]:
            bad.append(f"{table}: version {dt.version()}")
        mine_files = sorted(f["path"] for f in pp_files(str(path)))
        actions = dt.get_add_actions(flatten=True)
        their_files = sorted(str(x) for x in actions.column("path").to_pylist()) \
            if hasattr(actions.column("path"), "to_pylist") else sorted(
                str(x) for x in __import__("pyarrow").array(actions.column("path")).to_pylist())
        if [f.replace("%", "") for f in their_files] != [f.replace("%", "") for f in mine_files]:
            bad.append(f"{table}: files {their_files} != {mine_files}")
        rows = dt.to_pyarrow_table().to_pylist()
        theirs = canon_rows(rows, kinds)
        if theirs != mine:
            bad.append(f"{table}: rows {diff_summary(theirs, mine)}")
    assert not bad, f"{name}:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", LAKE_NAMES)
def test_polars_reads_every_table(peer, lakes, name):
    import polars as pl

    def read(path, schema, kinds):
        df = pl.read_delta(path)
        assert df.columns == list(kinds), (df.columns, list(kinds))
        return canon_rows(df.to_dicts(), kinds)

    check_all(lakes, name, read)


@pytest.fixture(scope="module")
def duck(peer):
    import duckdb
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute(f"LOAD '{peer['PINPIPE_PEER_DUCKDB_DELTA_EXTENSION']}'")
    con.execute("SET TimeZone = 'UTC'")
    return con


@pytest.mark.parametrize("name", LAKE_NAMES)
def test_duckdb_delta_scan_reads_every_table(duck, lakes, name):
    def read(path, schema, kinds):
        # Timestamps as epoch microseconds: exact, and no time-zone library needed.
        sel = ", ".join(f'epoch_us("{c}") AS "{c}"' if k == "timestamp" else f'"{c}"'
                        for c, k in kinds.items())
        cur = duck.execute(f"SELECT {sel} FROM delta_scan('{path}')")
        cols = [d[0] for d in cur.description]
        assert cols == list(kinds), (cols, list(kinds))
        return canon_rows((dict(zip(cols, r)) for r in cur.fetchall()), kinds)

    check_all(lakes, name, read)


def test_every_fixture_lake_is_covered(fixture_count):
    # All 15 fixtures when ../shared/data is present (the parametrization lists them).
    assert len(LAKE_NAMES) == fixture_count + 1


# --- date-partitioned clean tables (dag.data_selection=interval) -------------------------------
PARTITION_DAYS = ["2026-11-01", "2026-11-02", "2026-11-03"]


def write_partitioned_lake(d):
    """Clean tables partitioned by ds over three days: generated raw objects whose landing
    times (mtime) are spread over three days, one interval run per day."""
    import os
    from datetime import datetime
    from pathlib import Path
    pinpipe(d, "batch", "gen-raw", "--interactions", "300", "--records-per-object", "50")
    objects = sorted((Path(d) / "lake" / "topics").rglob("*.json"))
    for i, p in enumerate(objects):
        t = datetime.fromisoformat(PARTITION_DAYS[i % 3] + "T06:00:00+00:00").timestamp()
        os.utime(p, (t, t))
    for day in PARTITION_DAYS:
        pinpipe(d, "--set", "dag.data_selection=interval", "dag", "run", "--date", day)
    return d


@pytest.fixture(scope="module")
def partitioned_lake(tmp_path_factory):
    return write_partitioned_lake(tmp_path_factory.mktemp("partitioned"))


def test_delta_rs_reads_the_date_partitioned_tables(peer, partitioned_lake):
    from deltalake import DeltaTable
    tables = delta_tables(partitioned_lake)
    for name in ("pin", "geo", "user"):
        path = str(tables[name])
        schema, kinds, mine = pinpipe_view(path)
        assert kinds["ds"] == "date"
        dt = DeltaTable(path)
        assert dt.metadata().partition_columns == ["ds"]
        theirs = canon_rows(dt.to_pyarrow_table().to_pylist(), kinds)
        assert theirs == mine, f"{name}: {diff_summary(theirs, mine)}"
        assert {r[list(kinds).index("ds")] for r in theirs} == set(PARTITION_DAYS)
        # commitInfo.userMetadata names the run and its logical date, as DESCRIBE HISTORY shows.
        import json
        newest = dt.history(1)[0]
        meta = json.loads(newest["userMetadata"])
        assert meta["logical_date"] == PARTITION_DAYS[-1] and meta["run_id"]
        assert newest["operationParameters"]["predicate"] == f"[\"(ds = '{PARTITION_DAYS[-1]}')\"]"
