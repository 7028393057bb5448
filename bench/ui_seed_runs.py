#!/usr/bin/env python3
"""Benchmark-only: writes N finished runs of the batch DAG (its 5 tasks, all success) into an
existing run history (<data>/state/runs.db, its schema created by pinpipe), one transaction,
as `dag run` would have left them: one logical date per day going back from 2026-12-01, manual
run ids, realistic task timings and row counts. Usage: ui_seed_runs.py RUNS_DB N"""
import datetime
import sqlite3
import sys

TASKS = ["load", "clean_pin", "clean_geo", "clean_user", "analyze"]


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    db = sqlite3.connect(path, timeout=30)
    day0 = datetime.date(2026, 12, 1)
    t0 = 1_780_000_000_000_000  # µs
    with db:
        for i in range(n):
            date = (day0 - datetime.timedelta(days=i)).isoformat()
            start = t0 + i * 60_000_000
            end = start + 9_000_000
            run_id = f"manual__{date}__{start // 1_000_000}"
            cur = db.execute("INSERT INTO dag_runs (dag_id, run_id, logical_date, run_trigger, state, start_us, end_us) "
                             "VALUES (?, ?, ?, 'manual', 'success', ?, ?)",
                             ("pinterest_batch", run_id, date, start, end))
            pk = cur.lastrowid
            for k, task in enumerate(TASKS):
                db.execute("INSERT INTO task_instances (run_pk, task_id, ord, state, attempts, start_us, duration_us, "
                           "records_in, records_out, records_quarantined, summary) "
                           "VALUES (?, ?, ?, 'success', 1, ?, ?, ?, ?, ?, ?)",
                           (pk, task, k, start + k * 1_500_000, 1_400_000, 10_000, 9_990, 10,
                            f"{task}: 10,000 rows"))
    db.close()


if __name__ == "__main__":
    main()
