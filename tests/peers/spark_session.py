"""A local Spark session with Delta Lake from the `spark` peer's jars (tests/peers/peer spark env):
spark.jars names local files only, so nothing is resolved or downloaded at run time. Run as a
script it is the peer's probe: start a session, write and read a Delta table, report times."""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peer_env(name):
    """The `env` of an installed peer, as a dict (fails with the kit's message otherwise)."""
    proc = subprocess.run([str(HERE / "peer"), name, "env", "--json"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip())
    return json.loads(proc.stdout)


def make_session(work_dir, app="pinpipe-peers"):
    env = peer_env("spark")
    for k in ("JAVA_HOME", "SPARK_LOCAL_IP", "PYSPARK_PYTHON"):
        os.environ.setdefault(k, env[k])
    # PySpark turns timestamps into naive datetimes in the process's local time zone: make it UTC.
    os.environ["TZ"] = "UTC"
    time.tzset()
    from pyspark.sql import SparkSession
    work = Path(work_dir)
    builder = (SparkSession.builder.master("local[2]").appName(app)
               .config("spark.jars", env["PINPIPE_PEER_SPARK_JARS"])
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.driver.memory", "1g")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               # Delta replays a log with 50 tasks by default; these tables are small.
               .config("spark.databricks.delta.snapshotPartitions", "2")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.warehouse.dir", str(work / "warehouse"))
               .config("spark.local.dir", str(work / "spark-local"))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work / 'derby'}")
               # An unreachable Ivy home: if anything tried to resolve packages it would fail here.
               .config("spark.jars.ivy", str(work / "no-ivy")))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def jvm_rss_mib(spark):
    pid = spark.sparkContext._gateway.proc.pid
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def probe():
    with tempfile.TemporaryDirectory(prefix="pinpipe-spark-probe-") as d:
        t0 = time.monotonic()
        spark = make_session(d, "pinpipe-peer-probe")
        t1 = time.monotonic()
        path = str(Path(d) / "t")
        spark.range(1000).write.format("delta").save(path)
        n = spark.read.format("delta").load(path).count()
        t2 = time.monotonic()
        assert n == 1000, n
        from pyspark import __version__ as pv
        print(f"pyspark {pv}: session in {t1 - t0:.1f} s, first Delta write+read {t2 - t1:.1f} s, "
              f"JVM RSS {jvm_rss_mib(spark):.0f} MiB")
        spark.stop()


if __name__ == "__main__":
    probe()
