"""The pinterest_batch DAG as one PySpark job, written by `pinpipe dag export --spark DIR`.

It does what `pinpipe dag run` does with `dag.data_selection = all`: reads every raw object the
sink landed (<lake>/<topics_dir>/<pipeline.id>.pin|geo|user/**.json, NDJSON), decodes, dedups
and cleans the three tables, and computes the eight analytics (nine tables), with pinpipe's
exact semantics (domain.md §2-§3 and src/pinterest/README.md in pinpipe's sources):

- decoding is lenient as pinpipe's: `ind` or `index`, numbers as JSON numbers or numeric
  strings, both datetime spellings; a record that cannot be decoded goes to quarantine_<table>
  with the reason and its text;
- duplicates are whole-row equal over the DECODED values, first occurrence kept (objects in
  (partition, start offset) order, lines in file order);
- sentinels become null, follower counts "12k"/"3M", "Local save in " stripped, user_name is
  null when a name part is null, ages outside int32 are null;
- "top" is RANK() = 1 (ties kept), the median is the lower median (or the interpolated one with
  analytics.median = interpolated) of the non-null follower counts.

It writes the same Delta tables as pinpipe (names, columns, types): <out>/pin|geo|user,
<out>/quarantine_pin|geo|user, <out>/analytics/<nine names>; <out> defaults to <lake>/delta.

Run:  spark-submit [delta-spark on the classpath: --packages or --jars] pinterest_batch_spark.py
      [--config pinterest_batch_spark.json] [--lake PATH|s3://bucket/prefix] [--out URI]
or import it and call run(spark, lake=..., out=...). An s3:// lake is read as s3a:// (Hadoop's
S3 connector, hadoop-aws, must be on the classpath; credentials from AWS_*).
"""
import argparse
import json
import math
import os
import re
import sys
from pathlib import Path

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

KINDS = ("pin", "geo", "user")

# --- decoding (src/pinterest/raw_decode.cc) -----------------------------------------------------
STRING, INT, DOUBLE, TIMESTAMP = "string", "int", "double", "timestamp"
# Slot 0 is `ind`; the others in the raw column order.
FIELDS = {
    "pin": [("ind", INT), ("unique_id", STRING), ("title", STRING), ("description", STRING),
            ("poster_name", STRING), ("follower_count", STRING), ("tag_list", STRING),
            ("is_image_or_video", STRING), ("image_src", STRING), ("downloaded", INT),
            ("save_location", STRING), ("category", STRING)],
    "geo": [("ind", INT), ("timestamp", TIMESTAMP), ("latitude", DOUBLE), ("longitude", DOUBLE),
            ("country", STRING)],
    "user": [("ind", INT), ("first_name", STRING), ("last_name", STRING), ("age", INT),
             ("date_joined", TIMESTAMP)],
}
SPARK_TYPE = {STRING: T.StringType(), INT: T.LongType(), DOUBLE: T.DoubleType(),
              TIMESTAMP: T.LongType()}  # timestamps travel as UTC microseconds
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
INT_TEXT = re.compile(r"-?[0-9]+")
DOUBLE_TEXT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
TIMESTAMP_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z?")
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Number(str):
    """A JSON number token, kept as its text: a string field keeps a number's spelling."""
    is_int = False


class IntNumber(Number):
    is_int = True


class Pairs(list):
    """A JSON object as its (key, value) pairs in document order, duplicates included."""


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _utf8_ok(s):
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:  # a lone surrogate escape (\ud800)
        return False


def days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_timestamp_micros(s):
    """Both spellings ("2020-01-02 03:04:05", "2020-01-02T03:04:05.123Z") -> UTC micros."""
    m = TIMESTAMP_TEXT.fullmatch(s)
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    if not 1 <= mo <= 12:
        return None
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    if not 1 <= d <= (29 if mo == 2 and leap else DAYS_IN_MONTH[mo - 1]):
        return None
    if h > 23 or mi > 59 or se > 59:
        return None
    frac = int((m.group(7) or "").ljust(6, "0"))
    return (days_from_civil(y, mo, d) * 86400 + (h * 60 + mi) * 60 + se) * 1_000_000 + frac


def _finite_double(text, underflow_ok=True):
    """The double of a decimal text, or None when it overflows (or underflows to zero when
    not underflow_ok: std::from_chars reports that as out of range too)."""
    v = float(text)
    if math.isinf(v):
        return None
    if not underflow_ok and v == 0.0 and re.search(r"[1-9]", re.split(r"[eE]", text)[0]):
        return None
    return v


def decode_value(typ, v):
    """(value, None) or (None, reason), as pinpipe's DecodeValue."""
    if v is None:
        return None, None
    if typ == STRING:
        if isinstance(v, Number):
            if not v.is_int and _finite_double(v) is None:
                return None, "invalid JSON number"
            return str(v), None
        if isinstance(v, str):
            return (v, None) if _utf8_ok(v) else (None, "invalid JSON string")
        return None, "expected a string"
    if typ == INT:
        if isinstance(v, Number):
            if not v.is_int or not INT64_MIN <= int(v) <= INT64_MAX:
                return None, "not an integer"
            return int(v), None
        if isinstance(v, str):
            if not _utf8_ok(v):
                return None, "invalid JSON string"
            if not INT_TEXT.fullmatch(v) or not INT64_MIN <= int(v) <= INT64_MAX:
                return None, "not an integer"
            return int(v), None
        return None, "expected an integer"
    if typ == DOUBLE:
        if isinstance(v, Number):
            d = _finite_double(v)
            return (d, None) if d is not None else (None, "not a number")
        if isinstance(v, str):
            if not _utf8_ok(v):
                return None, "invalid JSON string"
            d = _finite_double(v, underflow_ok=False) if DOUBLE_TEXT.fullmatch(v) else None
            return (d, None) if d is not None else (None, "not a number")
        return None, "expected a number"
    # TIMESTAMP
    if isinstance(v, Number) or not isinstance(v, str):
        return None, "expected a datetime string"
    if not _utf8_ok(v):
        return None, "invalid JSON string"
    micros = parse_timestamp_micros(v)
    return (micros, None) if micros is not None else (None, "not a datetime")


def decode_record(kind, text):
    """One NDJSON line -> (values, None) or (None, reason)."""
    fields = FIELDS[kind]
    slot_of = {name: i for i, (name, _) in enumerate(fields)}
    try:
        doc = json.loads(text, parse_int=IntNumber, parse_float=Number,
                         parse_constant=_reject_constant, object_pairs_hook=Pairs)
    except (ValueError, RecursionError) as e:
        # simdjson (pinpipe) types the document by its first character before parsing it.
        if not text.lstrip(" \t\n\r").startswith("{"):
            return None, "not a JSON object"
        return None, f"invalid JSON: {e}"
    if not isinstance(doc, Pairs):
        return None, "not a JSON object"
    values = [None] * len(fields)
    has_ind = has_index = False
    index_value, index_error = None, None
    for key, v in doc:
        if key == "index":
            has_index = True
            index_value, index_error = decode_value(INT, v)
            continue
        i = slot_of.get(key)
        if i is None:
            continue  # unknown field
        if i == 0:
            has_ind = True
        value, why = decode_value(fields[i][1], v)
        if why:
            return None, f"{key}: {why}"
        values[i] = value
    if not has_ind and has_index:
        if index_error:
            return None, f"index: {index_error}"
        values[0] = index_value
    if values[0] is None:
        return None, "missing ind"
    return values, None


def object_order(key):
    """(partition, start offset) of ".../partition=<p>/<topic>+<p>+<offset>.json" (or the
    time-based layout's <topic>+<p>+<offset>.json); -1 where the name does not follow it."""
    def leading_int(s):
        m = re.match(r"-?[0-9]+", s)
        return int(m.group()) if m else -1
    partition = offset = -1
    p = key.rfind("/partition=")
    if p >= 0:
        partition = leading_int(key[p + 11:])
    plus = key.rfind("+")
    if plus >= 0:
        offset = leading_int(key[plus + 1:])
        prev = key.rfind("+", 0, plus)
        if partition < 0 and prev >= 0:
            partition = leading_int(key[prev + 1:plus])
    return partition, offset


def decode_object(kind, path, content):
    """A raw object's lines -> rows (values..., order..., reason, raw)."""
    partition, offset = object_order(path)
    n = len(FIELDS[kind])
    for line_no, line in enumerate(bytes(content).split(b"\n")):
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip(b" \t\r"):
            continue  # blank lines are not records
        order = (partition, offset, path, line_no)
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            yield (None,) * n + order + ("invalid JSON: invalid UTF-8",
                                         line.decode("utf-8", "replace"))
            continue
        values, reason = decode_record(kind, text)
        if reason:
            yield (None,) * n + order + (reason, text)
        else:
            yield tuple(values) + order + (None, None)


def decoded_schema(kind):
    fields = [T.StructField(name, SPARK_TYPE[typ]) for name, typ in FIELDS[kind]]
    fields += [T.StructField("_partition", T.LongType()), T.StructField("_offset", T.LongType()),
               T.StructField("_object", T.StringType()), T.StructField("_line", T.LongType()),
               T.StructField("_reason", T.StringType()), T.StructField("_raw", T.StringType())]
    return T.StructType(fields)


ORDER = ["_partition", "_offset", "_object", "_line"]


def read_raw(spark, topic_dir, kind):
    """Every *.json object under topic_dir, decoded: (all, good rows, quarantine rows)."""
    files = (spark.read.format("binaryFile").option("pathGlobFilter", "*.json")
             .option("recursiveFileLookup", "true").load(topic_dir).select("path", "content"))
    rows = files.rdd.flatMap(lambda r: decode_object(kind, r.path, r.content))
    df = spark.createDataFrame(rows, decoded_schema(kind))
    df = df.persist()  # read and decoded once for both outputs
    good = df.where(F.col("_reason").isNull())
    quarantine = (df.where(F.col("_reason").isNotNull())
                  .select(F.lit(kind).alias("table"), F.col("_reason").alias("reason"),
                          F.col("_raw").alias("raw")))
    return df, good, quarantine


def dedup(good, kind):
    """Whole-row duplicates over the decoded values: the first occurrence is kept."""
    cols = [name for name, _ in FIELDS[kind]]
    w = Window.partitionBy(*cols).orderBy(*ORDER)
    return good.withColumn("_n", F.row_number().over(w)).where("_n = 1").drop("_n")


# --- cleaning (src/pinterest/clean.cc, clean_rules.cc) ------------------------------------------
SENTINELS = ["", "No description available Story format", "No description available",
             "User Info Error", "Image src error.", "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
             "No Title Data Available"]
INT32_MAX = 2147483647


def null_sentinel(c):
    return F.when(F.col(c).isin(SENTINELS), F.lit(None)).otherwise(F.col(c))


def follower_count(c):
    """"123" -> 123, "12k" -> 12000, "3M" -> 3000000; anything else or above int32 -> null.
    try_* keep ANSI mode from failing on 30-digit counts: those are null, as in pinpipe."""
    digits = f"regexp_replace(regexp_extract({c}, '^([0-9]+)', 1), '^0+', '')"
    mult = f"CASE WHEN endswith({c}, 'k') THEN 1000 WHEN endswith({c}, 'M') THEN 1000000 ELSE 1 END"
    n = f"try_multiply(try_cast(concat('0', {digits}) AS BIGINT), {mult})"
    return F.expr(f"CASE WHEN {c} RLIKE '^[0-9]+[kM]?\\\\z' AND {n} <= {INT32_MAX} "
                  f"THEN CAST({n} AS INT) END")


def clean_pin(raw):
    prefix = "Local save in "
    return raw.select(
        "ind", "unique_id", null_sentinel("title").alias("title"),
        null_sentinel("description").alias("description"),
        follower_count("follower_count").alias("follower_count"),
        null_sentinel("poster_name").alias("poster_name"),
        null_sentinel("tag_list").alias("tag_list"), "is_image_or_video",
        null_sentinel("image_src").alias("image_src"),
        F.when(F.col("save_location").startswith(prefix),
               F.expr(f"substring(save_location, {len(prefix) + 1})"))
        .otherwise(F.col("save_location")).alias("save_location"),
        "category")


def clean_geo(raw):
    return raw.select(
        "ind", "country",
        F.array(F.col("latitude"), F.col("longitude")).alias("coordinates"),
        F.timestamp_micros("timestamp").alias("timestamp"))


def clean_user(raw):
    return raw.select(
        "ind",
        F.concat(F.col("first_name"), F.lit(" "), F.col("last_name")).alias("user_name"),
        F.when(F.col("age").between(-2147483648, INT32_MAX), F.col("age").cast("int"))
        .alias("age"),
        F.timestamp_micros("date_joined").alias("date_joined"))


CLEAN = {"pin": clean_pin, "geo": clean_geo, "user": clean_user}

# --- analytics (src/pinterest/analytics.cc, median.cc, age_group.cc) ----------------------------
AGE_GROUP = """CASE WHEN age BETWEEN 18 AND 24 THEN '18-24' WHEN age BETWEEN 25 AND 35 THEN '25-35'
                    WHEN age BETWEEN 36 AND 50 THEN '36-50' WHEN age > 50 THEN '+50' END"""


def median_sql(values, mode):
    """The lower median sorted[ceil(n/2) - 1] (an integer), or PERCENTILE_CONT(0.5) (a double),
    of an array_sort(collect_list(...)) (nulls already left out); null when it is empty."""
    n = f"size({values})"
    lo = f"element_at({values}, CAST(({n} - 1) DIV 2 + 1 AS INT))"
    if mode == "lower":
        return f"CASE WHEN {n} = 0 THEN CAST(NULL AS INT) ELSE {lo} END"
    hi = f"element_at({values}, CAST(({n} - 1) DIV 2 + 2 AS INT))"
    return (f"CASE WHEN {n} = 0 THEN CAST(NULL AS DOUBLE) WHEN {n} % 2 = 1 THEN CAST({lo} AS DOUBLE) "
            f"ELSE CAST({lo} AS DOUBLE) + (CAST({hi} AS DOUBLE) - CAST({lo} AS DOUBLE)) * 0.5 END")


# The joins every question reads, computed once per run (run() caches them as views).
JOINED_VIEWS = {
    "pin_geo": """SELECT p.category, p.follower_count, p.poster_name, g.country,
                         YEAR(g.timestamp) AS post_year
                  FROM clean_pin p JOIN clean_geo g ON p.ind = g.ind""",
    "pin_user": f"""SELECT p.category, p.follower_count, {AGE_GROUP} AS age_group,
                           YEAR(u.date_joined) AS post_year
                    FROM clean_pin p JOIN clean_user u ON p.ind = u.ind""",
    # Q3a before DISTINCT: every joined row at its country's maximum follower count.
    "top_users": """SELECT DISTINCT j.country, j.poster_name, j.follower_count
                    FROM pin_geo j JOIN (SELECT country, MAX(follower_count) AS m FROM pin_geo
                                         WHERE country IS NOT NULL GROUP BY country) t
                    ON j.country = t.country AND j.follower_count = t.m""",
}


def analytics_sql(mode):
    """name -> SQL over the views clean_user and JOINED_VIEWS (one query per result table)."""
    top = """SELECT {key}, category, category_count FROM (
               SELECT *, RANK() OVER (PARTITION BY {key} ORDER BY category_count DESC) AS rk
               FROM (SELECT {key}, category, COUNT(*) AS category_count FROM {src}
                     WHERE {where} GROUP BY {key}, category))
             WHERE rk = 1 ORDER BY {key}, category"""
    med = median_sql("v", mode)
    return {
        "category_by_country": top.format(
            key="country", src="pin_geo", where="country IS NOT NULL AND category IS NOT NULL"),
        "category_by_year": top.format(
            key="post_year", src="pin_geo",
            where="post_year BETWEEN 2018 AND 2022 AND category IS NOT NULL"),
        "top_user_by_country": "SELECT * FROM top_users ORDER BY country, poster_name NULLS FIRST",
        "top_country": """SELECT DISTINCT country, follower_count FROM top_users
                          WHERE follower_count = (SELECT MAX(follower_count) FROM top_users)
                          ORDER BY country""",
        "category_by_age_group": top.format(
            key="age_group", src="pin_user", where="age_group IS NOT NULL AND category IS NOT NULL"),
        "median_followers_by_age_group": f"""
            SELECT age_group, {med} AS median_follower_count FROM (
              SELECT age_group, array_sort(collect_list(follower_count)) AS v FROM pin_user
              WHERE age_group IS NOT NULL GROUP BY age_group) ORDER BY age_group""",
        "users_joined_by_year": """
            SELECT YEAR(date_joined) AS post_year,
                   CAST(COUNT(DISTINCT user_name) AS BIGINT) AS number_users_joined
            FROM clean_user WHERE YEAR(date_joined) BETWEEN 2015 AND 2020
            GROUP BY YEAR(date_joined) ORDER BY post_year""",
        "median_followers_by_join_year": f"""
            SELECT post_year, {med} AS median_follower_count FROM (
              SELECT post_year, array_sort(collect_list(follower_count)) AS v FROM pin_user
              WHERE post_year BETWEEN 2015 AND 2020 GROUP BY post_year) ORDER BY post_year""",
        "median_followers_by_age_group_and_join_year": f"""
            SELECT age_group, post_year, {med} AS median_follower_count FROM (
              SELECT age_group, post_year, array_sort(collect_list(follower_count)) AS v
              FROM pin_user WHERE age_group IS NOT NULL AND post_year IS NOT NULL
              GROUP BY age_group, post_year) ORDER BY age_group, post_year""",
    }


ANALYTICS = list(analytics_sql("lower"))


# --- the job ------------------------------------------------------------------------------------
def spark_uri(uri):
    """s3://bucket/prefix -> s3a:// (Hadoop's S3 connector); a path as is."""
    if uri.startswith("s3://"):
        return "s3a://" + uri[5:]
    if uri.startswith("file://"):
        return uri[7:]
    return uri


def write_delta(df, path):
    (df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(path))


def run(spark, lake, out=None, topics_dir="topics", pipeline_id="pinterest", median="lower",
        log=print):
    """Reads the raw lake, writes the clean, quarantine and analytics Delta tables under `out`
    (default <lake>/delta). Returns the row counts of the clean and quarantine tables."""
    if median not in ("lower", "interpolated"):
        raise ValueError(f"analytics.median must be lower or interpolated, not {median!r}")
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # years of UTC timestamps
    if __name__ != "__main__":
        # Imported as a module: the Python workers import it by name, so ship this file.
        spark.sparkContext.addPyFile(os.path.abspath(__file__))
    lake = spark_uri(lake).rstrip("/")
    out = spark_uri(out).rstrip("/") if out else f"{lake}/delta"
    counts, cached = {}, []
    for kind in KINDS:
        topic_dir = f"{lake}/{topics_dir.strip('/')}/{pipeline_id}.{kind}"
        decoded, good, quarantine = read_raw(spark, topic_dir, kind)
        clean = CLEAN[kind](dedup(good, kind)).persist()  # written, then read by the analytics
        write_delta(clean, f"{out}/{kind}")
        write_delta(quarantine, f"{out}/quarantine_{kind}")
        counts[kind] = clean.count()
        counts[f"quarantine_{kind}"] = quarantine.count()
        decoded.unpersist()
        clean.createOrReplaceTempView(f"clean_{kind}")
        cached.append(clean)
        log(f"{kind}: {counts[kind]} clean rows, {counts[f'quarantine_{kind}']} quarantined")
    for name, sql in JOINED_VIEWS.items():
        view = spark.sql(sql).persist()
        view.createOrReplaceTempView(name)
        cached.append(view)
    for name, sql in analytics_sql(median).items():
        write_delta(spark.sql(sql), f"{out}/analytics/{name}")
        log(f"analytics/{name} written")
    for df in cached:
        df.unpersist()
    return counts


def configure_s3(builder, s3):
    """Hadoop s3a settings from the exported s3.* keys; credentials from AWS_* variables."""
    if s3.get("endpoint"):
        builder = builder.config("spark.hadoop.fs.s3a.endpoint", s3["endpoint"])
    if s3.get("region"):
        builder = builder.config("spark.hadoop.fs.s3a.endpoint.region", s3["region"])
    if s3.get("path_style") is not None:
        builder = builder.config("spark.hadoop.fs.s3a.path.style.access",
                                 "true" if s3["path_style"] else "false")
    return builder


def main(argv=None):
    here = Path(__file__).resolve()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(here.with_suffix(".json")),
                    help="the settings pinpipe exported beside this file")
    ap.add_argument("--lake", help="raw lake: a path or s3://bucket/prefix (default: the config's)")
    ap.add_argument("--out", help="Delta tables' base (default: <lake>/delta)")
    ap.add_argument("--median", choices=["lower", "interpolated"])
    args = ap.parse_args(argv)
    cfg = json.loads(Path(args.config).read_text()) if os.path.exists(args.config) else {}
    builder = SparkSession.builder.appName(cfg.get("app_name", "pinterest_batch"))
    if not cfg.get("delta_configured_by_submit"):
        builder = (builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                   .config("spark.sql.catalog.spark_catalog",
                           "org.apache.spark.sql.delta.catalog.DeltaCatalog"))
    builder = configure_s3(builder.config("spark.sql.session.timeZone", "UTC"), cfg.get("s3", {}))
    spark = builder.getOrCreate()
    counts = run(spark, lake=args.lake or cfg["lake"], out=args.out or cfg.get("out") or None,
                 topics_dir=cfg.get("topics_dir", "topics"),
                 pipeline_id=cfg.get("pipeline_id", "pinterest"),
                 median=args.median or cfg.get("median", "lower"))
    print(json.dumps(counts, sort_keys=True))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
