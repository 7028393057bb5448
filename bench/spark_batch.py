"""One run of the job `pinpipe dag export --spark` wrote, in a fresh local[2] Spark session (run
under the spark peer's Python; bench/spark_batch.bench.sh drives it).
Usage: spark_batch.py JOB_DIR LAKE OUT_DIR WORK_DIR
Prints session_seconds=… job_seconds=… peak_rss_mb=… (JVM + Python workers + this driver,
summed, sampled every 0.1 s)."""
import importlib.util
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "peers"))


def tree_rss_kib(root):
    """RSS of root and all its descendants (KiB)."""
    children = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(p))
        except OSError:
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def main():
    job_dir, lake, out, work = sys.argv[1:5]
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.wait(0.1):
            peak[0] = max(peak[0], tree_rss_kib(os.getpid()))

    threading.Thread(target=sample, daemon=True).start()
    from spark_session import make_session
    t0 = time.monotonic()
    spark = make_session(work, "pinpipe-spark-batch-bench")
    spark.range(1).count()  # the session is up and an executor ran a task
    t1 = time.monotonic()
    spec = importlib.util.spec_from_file_location("pinterest_batch_spark",
                                                  Path(job_dir) / "pinterest_batch_spark.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    sys.modules["pinterest_batch_spark"] = job
    counts = job.run(spark, lake=lake, out=out, log=lambda line: None)
    t2 = time.monotonic()
    done.set()
    spark.stop()
    print(f"session_seconds={t1 - t0:.2f} job_seconds={t2 - t1:.2f} "
          f"peak_rss_mb={peak[0] / 1024:.0f} pin_rows={counts['pin']}")


if __name__ == "__main__":
    main()
