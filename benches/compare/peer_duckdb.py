"""KS2 gap table, the way an analyst would write it in DuckDB SQL.

Usage: python peer_duckdb.py INPUT.parquet OUTPUT.parquet

Each pupil is unnested into the populations it belongs to; one GROUP BY
GROUPING SETS gives every level's statistics per population; a grid of
unit x group x measure is joined to the member and comparison statistics,
and the Wilson interval (a macro), gaps and suppression are SQL expressions.
DuckDB reads only the columns the query uses.
"""

import sys

import duckdb

Z = 1.959963984540054  # Phi^-1(0.975)
MIN_COHORT = 6

# Wilson score bound in percent, clipped to [0, 100]; sign -1 = low, +1 = high.
WILSON = f"""
CREATE MACRO wilson(x, n, sign) AS
    greatest(0.0, least(100.0, 100 * (
        (x / n + {Z!r} * {Z!r} / (2 * n))
        + sign * {Z!r} * sqrt(x / n * (1 - x / n) / n + {Z!r} * {Z!r} / (4 * n * n))
    ) / (1 + {Z!r} * {Z!r} / n)))
"""

QUERY = """
WITH pupils AS (
    SELECT
        year, la_code, urn, ks2_read, ks2_mat,
        coalesce(ks2_read >= 100 AND ks2_mat >= 100 AND ks2_writ IN ('EXS', 'GDS'), false) AS rwm_exp,
        coalesce(ks2_read >= 110 AND ks2_mat >= 110 AND ks2_writ = 'GDS', false) AS rwm_high,
        -- every population the pupil belongs to
        list_filter([
            'all',
            CASE WHEN disadvantaged THEN 'disadvantaged' ELSE 'not_disadvantaged' END,
            CASE WHEN fsm THEN 'fsm' ELSE 'not_fsm' END,
            CASE WHEN cla THEN 'cla' ELSE 'not_cla' END,
            CASE sen WHEN 'N' THEN 'no_sen' WHEN 'K' THEN 'sen_support' WHEN 'E' THEN 'ehcp' END,
            CASE WHEN sen IN ('K', 'E') THEN 'sen_any' END
        ], lambda p: p IS NOT NULL) AS populations
    FROM read_parquet($input)
),
memberships AS (
    SELECT * EXCLUDE (populations), unnest(populations) AS population FROM pupils
),
stats AS (
    SELECT
        year,
        CASE WHEN grouping(urn) = 0 THEN 'school' WHEN grouping(la_code) = 0 THEN 'la' ELSE 'national' END AS level,
        CASE WHEN grouping(urn) = 0 THEN urn::VARCHAR
             WHEN grouping(la_code) = 0 THEN la_code::VARCHAR
             ELSE 'E92000001' END AS unit,
        population,
        count(*) AS n,
        count_if(rwm_exp) AS n_exp,
        count_if(rwm_high) AS n_high,
        count(ks2_read) AS n_read,
        avg(ks2_read) AS read_avg,
        count(ks2_mat) AS n_mat,
        avg(ks2_mat) AS mat_avg
    FROM memberships
    GROUP BY GROUPING SETS ((year, population), (year, la_code, population), (year, urn, population))
),
measure_stats AS (
    SELECT year, level, unit, population, 'ks2.rwm_exp' AS measure, n, n_exp::DOUBLE AS x, 100 * n_exp / n AS value FROM stats
    UNION ALL
    SELECT year, level, unit, population, 'ks2.rwm_high', n, n_high::DOUBLE, 100 * n_high / n FROM stats
    UNION ALL
    SELECT year, level, unit, population, 'ks2.read_avg', n_read, NULL, read_avg FROM stats
    UNION ALL
    SELECT year, level, unit, population, 'ks2.mat_avg', n_mat, NULL, mat_avg FROM stats
),
groups(grp, comparison) AS (
    VALUES ('all', NULL), ('disadvantaged', 'not_disadvantaged'), ('fsm', 'not_fsm'),
           ('sen_support', 'no_sen'), ('ehcp', 'no_sen'), ('sen_any', 'no_sen'), ('cla', 'not_cla')
),
measures(measure, is_rate) AS (
    VALUES ('ks2.rwm_exp', true), ('ks2.rwm_high', true), ('ks2.read_avg', false), ('ks2.mat_avg', false)
),
grid AS (
    SELECT year, level, unit, grp, comparison, measure, is_rate
    FROM (SELECT year, level, unit FROM stats WHERE population = 'all')
    CROSS JOIN groups CROSS JOIN measures
),
joined AS (
    SELECT
        g.year, g.level, g.unit, g.measure, g.grp AS "group", g.is_rate,
        coalesce(m.n, 0) AS n_member,
        m.x AS x_member,
        CASE WHEN m.n > 0 THEN m.value END AS value_member,
        CASE WHEN g.comparison IS NOT NULL THEN coalesce(c.n, 0) END AS n_comparison,
        CASE WHEN c.n > 0 THEN c.value END AS value_comparison
    FROM grid g
    LEFT JOIN measure_stats m
        ON m.year = g.year AND m.level = g.level AND m.unit = g.unit
       AND m.measure = g.measure AND m.population = g.grp
    LEFT JOIN measure_stats c
        ON c.year = g.year AND c.level = g.level AND c.unit = g.unit
       AND c.measure = g.measure AND c.population = g.comparison
),
suppressed AS (
    SELECT
        year, level, unit, measure, "group", n_member,
        CASE WHEN n_member >= $min_cohort THEN value_member END AS value_member,
        CASE WHEN is_rate AND n_member >= $min_cohort THEN wilson(x_member, n_member, -1) END AS ci_low,
        CASE WHEN is_rate AND n_member >= $min_cohort THEN wilson(x_member, n_member, 1) END AS ci_high,
        n_comparison,
        CASE WHEN n_comparison >= $min_cohort THEN value_comparison END AS value_comparison
    FROM joined
)
SELECT *, value_member - value_comparison AS gap FROM suppressed
"""


def main(inp: str, out: str) -> None:
    con = duckdb.connect()
    con.execute(WILSON)
    con.sql(QUERY, params={"input": inp, "min_cohort": MIN_COHORT}).write_parquet(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python peer_duckdb.py INPUT.parquet OUTPUT.parquet")
    main(sys.argv[1], sys.argv[2])
