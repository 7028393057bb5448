"""Writes the small Delta tables under tests/lake/data/spark/ with Spark + delta-spark (the
`spark` peer of tests/peers): column mapping in name and id modes after renames and drops
(top-level, nested, partition column), and deletion vectors (a file's DV replaced by a second
DELETE, a checkpoint holding a DV). Next to each table, expected.jsonl holds Spark's own rows
(json.dumps of Row.asDict(recursive=True), fields in schema order), which
tests/lake/delta_reader_features_test.cc compares with ForEachRow. Run once, commit the output:
  python3 tests/lake/data/make_spark_tables.py   (needs tests/peers/peer spark installed)
"""
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, os.environ.get("PINPIPE_PEERS_DIR", str(HERE.parents[1] / "peers")))
from spark_session import make_session  # noqa: E402

OUT = HERE / "spark"


def expected(spark, path, out):
    rows = spark.read.format("delta").load(str(path)).collect()
    lines = sorted(json.dumps(r.asDict(recursive=True), separators=(",", ":"), ensure_ascii=False) for r in rows)
    out.write_text("".join(line + "\n" for line in lines))


def mapping_table(spark, mode, path):
    spark.sql(f"""CREATE TABLE delta.`{path}` (id BIGINT, name STRING, score DOUBLE, tags ARRAY<STRING>,
                 info STRUCT<a: INT, b: STRING>, m MAP<STRING, INT>, part STRING)
                 USING delta PARTITIONED BY (part)
                 TBLPROPERTIES ('delta.columnMapping.mode' = '{mode}', 'delta.minReaderVersion' = '2',
                                'delta.minWriterVersion' = '5')""")
    spark.sql(f"""INSERT INTO delta.`{path}` VALUES
        (1, 'one', 1.5, array('a', 'b'), named_struct('a', 10, 'b', 'x'), map('k', 1), 'p1'),
        (2, NULL, 2.5, array(), named_struct('a', NULL, 'b', 'y'), map('k', 2), 'p2'),
        (3, 'three', NULL, NULL, NULL, NULL, NULL)""")
    spark.sql(f"ALTER TABLE delta.`{path}` RENAME COLUMN name TO full_name")
    spark.sql(f"ALTER TABLE delta.`{path}` RENAME COLUMN info.b TO bee")
    spark.sql(f"ALTER TABLE delta.`{path}` RENAME COLUMN part TO section")
    spark.sql(f"ALTER TABLE delta.`{path}` DROP COLUMN score")
    spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS (score INT)")  # same name, new column
    spark.sql(f"""INSERT INTO delta.`{path}` (id, full_name, tags, info, m, section, score) VALUES
        (4, 'four', array('z'), named_struct('a', 40, 'bee', 'w'), map('q', 4), 'p1', 44)""")


def dv_table(spark, path):
    spark.sql(f"""CREATE TABLE delta.`{path}` (id BIGINT, s STRING) USING delta
                 TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.checkpointInterval' = '3')""")
    spark.range(0, 5000, 1, 1).selectExpr("id", "concat('row-', id) AS s") \
        .write.format("delta").mode("append").save(str(path))
    spark.range(5000, 5100, 1, 1).selectExpr("id", "concat('row-', id) AS s") \
        .write.format("delta").mode("append").save(str(path))
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id % 7 = 0")            # DVs on both files
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id BETWEEN 1000 AND 3999 OR id = 5001")  # replaced DVs
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id = 4999")  # after the checkpoint at 3


def v2_checkpoint_table(spark, path):
    spark.sql(f"""CREATE TABLE delta.`{path}` (id BIGINT, s STRING) USING delta
                 TBLPROPERTIES ('delta.checkpointPolicy' = 'v2', 'delta.checkpointInterval' = '2')""")
    for i in range(3):
        spark.range(i * 10, i * 10 + 10, 1, 1).selectExpr("id", "concat('v2-', id) AS s") \
            .write.format("delta").mode("append").save(str(path))
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id = 3")


def main():
    only_v2 = sys.argv[1:] == ["v2"]
    if OUT.exists() and not only_v2:
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        spark = make_session(work, "pinpipe-lake-fixtures")
        t = OUT / "v2-checkpoint"
        if t.exists():
            shutil.rmtree(t)
        v2_checkpoint_table(spark, t)
        expected(spark, t, OUT / "v2-checkpoint.expected.jsonl")
        if only_v2:
            spark.stop()
            remove_crc()
            return
        for mode in ("name", "id"):
            t = OUT / f"column-mapping-{mode}"
            mapping_table(spark, mode, t)
            expected(spark, t, OUT / f"column-mapping-{mode}.expected.jsonl")
        t = OUT / "deletion-vectors"
        dv_table(spark, t)
        expected(spark, t, OUT / "deletion-vectors.expected.jsonl")
        spark.stop()
    remove_crc()


def remove_crc():
    # Hadoop's .crc side files and Delta's optional version checksums: not needed to read.
    for crc in OUT.rglob("*.crc"):
        crc.unlink()
    for staged in OUT.rglob("_staged_commits"):
        shutil.rmtree(staged)


if __name__ == "__main__":
    main()
