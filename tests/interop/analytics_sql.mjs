// The eight analytics of domain.md §3 as DuckDB SQL: pinpipe's second, independent
// implementation. Used by the cross-checks (analytics.test.mjs, batch.test.mjs) and by the
// batch benchmark's DuckDB baseline (bench/batch_duckdb.mjs), so the benchmark measures exactly
// the SQL the tests prove equal to pinpipe's results.
// Expects the cleaned relations `pin`, `geo`, `"user"` and the views
//   pg = pin ⋈ geo on ind (with country, "timestamp"),
//   pu = pin ⋈ user on ind (with user_name, age, date_joined, age_group).
// median: 'lower' (sorted[ceil(n/2) - 1], Spark's percentile_approx) or 'interpolated'.
export function analyticsQueries(median = 'lower') {
  const med = median === 'lower'
    ? 'quantile_disc(follower_count, 0.5)' : 'quantile_cont(follower_count, 0.5)::DOUBLE';
  // RANK() = 1 per group: ties are all kept.
  const top = (group, key, from, where) => `
    SELECT ${group}, category, category_count FROM (
      SELECT *, rank() OVER (PARTITION BY ${group} ORDER BY category_count DESC) AS rk FROM (
        SELECT ${key} AS ${group}, category, count(*) AS category_count
          FROM ${from} WHERE ${where} GROUP BY 1, 2))
     WHERE rk = 1 ORDER BY ${group}, category`;
  const q3a = `SELECT DISTINCT country, poster_name, follower_count FROM (
      SELECT country, poster_name, follower_count,
             rank() OVER (PARTITION BY country ORDER BY follower_count DESC) AS rk
        FROM pg WHERE country IS NOT NULL AND follower_count IS NOT NULL) WHERE rk = 1`;
  return {
    category_by_country: top('country', 'country', 'pg', 'country IS NOT NULL AND category IS NOT NULL'),
    category_by_year: top('post_year', 'year("timestamp")', 'pg',
      'category IS NOT NULL AND year("timestamp") BETWEEN 2018 AND 2022'),
    top_user_by_country: `${q3a} ORDER BY country, poster_name NULLS FIRST`,
    top_country: `SELECT DISTINCT country, follower_count FROM (${q3a})
      WHERE follower_count = (SELECT max(follower_count) FROM (${q3a})) ORDER BY country`,
    category_by_age_group: top('age_group', 'age_group', 'pu', 'age_group IS NOT NULL AND category IS NOT NULL'),
    median_followers_by_age_group: `SELECT age_group, ${med} AS median_follower_count FROM pu
      WHERE age_group IS NOT NULL GROUP BY age_group ORDER BY age_group`,
    users_joined_by_year: `SELECT year(date_joined) AS post_year, count(DISTINCT user_name) AS number_users_joined
      FROM "user" WHERE year(date_joined) BETWEEN 2015 AND 2020 GROUP BY 1 ORDER BY 1`,
    median_followers_by_join_year: `SELECT year(date_joined) AS post_year, ${med} AS median_follower_count
      FROM pu WHERE year(date_joined) BETWEEN 2015 AND 2020 GROUP BY 1 ORDER BY 1`,
    median_followers_by_age_group_and_join_year: `SELECT age_group, year(date_joined) AS post_year,
      ${med} AS median_follower_count FROM pu WHERE age_group IS NOT NULL AND date_joined IS NOT NULL
      GROUP BY 1, 2 ORDER BY 1, 2`,
  };
}
