"""The `lakepy` peer's probe: delta-rs writes a Delta table; delta-rs, polars and DuckDB (its
delta extension loaded from the wheel's file, no download) read it back."""
import os
import resource
import tempfile
import time

t0 = time.monotonic()
import duckdb
import polars as pl
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

with tempfile.TemporaryDirectory(prefix="pinpipe-lakepy-probe-") as d:
    write_deltalake(d, pa.table({"x": list(range(1000))}))
    assert DeltaTable(d).to_pyarrow_table().num_rows == 1000
    assert pl.read_delta(d).height == 1000
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute(f"LOAD '{os.environ['PINPIPE_PEER_DUCKDB_DELTA_EXTENSION']}'")
    assert con.sql(f"SELECT count(*) FROM delta_scan('{d}')").fetchone()[0] == 1000
took = time.monotonic() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"deltalake, polars {pl.__version__}, duckdb {duckdb.__version__}: "
      f"imports + write + 3 reads {took:.1f} s, peak RSS {peak:.0f} MiB")
