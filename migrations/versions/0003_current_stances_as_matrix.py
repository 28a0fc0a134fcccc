"""v_current_stances decides a position by the stance matrix's rule

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:00:00

0002's view took the single "strongest" machine stance (confirmed, then confidence, then the latest), so ties fell
to whichever stance was coded last and the view could contradict the briefing (four equally confident 'oppose'
stances against one later 'support' came out as 'support'). The view now applies the rule of
`igtracker.analysis.matrix.stance_matrix`, as of now:

1. Only stances stated by now (`stated_at`, else `created_at`) count; rejected ones never; an analyst coding only
   while not superseded (machine stances are never superseded by the tracker, and the matrix ignores the field
   for them, so the view does too).
2. The newest analyst coding is the position (score: its score, else its sign; confidence 1).
3. Otherwise the machine stances are pooled: each weighs confidence x 0.5 ** (age in days / 180), doubled when an
   analyst confirmed it; neutral stances never push. balance = (support - oppose) / (support + oppose) is the
   score; |balance| < 0.25 is 'mixed', no weight for either side 'neutral'. confidence = (1 - exp(-(support +
   oppose) / 1.3)) x |balance|, rounded to 4 places.

The row's stance (`stance_id`, `evidence`, `url`, `coder`, `stated_at`, ...) is the newest analyst coding, else
the heaviest machine stance on the chosen side (for 'mixed' and 'neutral': the heaviest of all), preferring
stances with a quote, the older one on equal weight: the stance the briefing quotes first.

The decay and the confidence need powers, but SQLite's math functions (`power`, `exp`) are a compile-time option
that Python's sqlite3 may lack. So on SQLite 0.5 ** x is plain arithmetic: eighths of a half-life from a table of
eight constants, whole half-lives as exact powers of two (one factor per bit, up to 1023), the rest by a short
Taylor polynomial; within one rounding (2e-16 relative) of Python's 0.5 ** x, 0 from x = 1024 on. PostgreSQL uses
`power`, kept from its underflow error the same way.

"Now" is the database's clock (CURRENT_TIMESTAMP), where a briefing is as of the end of its week: it decides which
stances count, and the confidence fades with it; the balance itself is a ratio of weights that all decay alike.

The views depending on v_current_stances (v_stance_history) are dropped and recreated around it; downgrade
restores 0002's definitions from the 0002 module.
"""

import importlib
import math
from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_v0002 = importlib.import_module("igtracker.migrations.versions.0002_views_and_search")

# The stance matrix's constants (igtracker.analysis.matrix), frozen here as a migration must be; tests check that they
# still agree, so changing the analysis's rule calls for a new migration.
HALF_LIFE_DAYS = 180.0
CONFIRMED_WEIGHT = 2.0
MIXED_THRESHOLD = 0.25
CONFIDENCE_SCALE = 1.3  # confidence = (1 - exp(-weight of evidence / 1.3)) x |balance|
CONFIDENCE_DIGITS = 4

# The views reading v_current_stances (PostgreSQL refuses to drop a view others depend on): dropped before it and
# recreated after it, unchanged (0002's definitions), in this order.
DEPENDENT_VIEWS = {"v_stance_history": _v0002._STANCE_HISTORY}

# SQLite: 0.5 ** x = 0.5 ** (k / 8) x 0.5 ** r, with k = floor(8x) and 0 <= r < 1/8. The low three bits of k pick
# one of eight constants, each higher bit an exact power of two; 0.5 ** r is a short Taylor polynomial.
STEPS_PER_HALVING = 8
MAX_WHOLE_HALVES = 1023  # 0.5 ** 1024 is below the smallest normal double: call it 0
MAX_STEPS = (MAX_WHOLE_HALVES + 1) * STEPS_PER_HALVING
POLYNOMIAL_DEGREE = 9  # remainder term (ln 2 / 8) ** 10 / 10! < 1e-17
_LN2 = math.log(2.0)


def _power_of_half(exponent: int) -> str:
    """0.5 ** exponent as exact SQL arithmetic (divisions by integer powers of two, each exactly representable)."""
    divisors = []
    while exponent > 0:
        step = min(exponent, 62)
        divisors.append(str(1 << step))
        exponent -= step
    return "(" + " / ".join(["1.0", *divisors]) + ")"


def _rest_polynomial(rest: str) -> str:
    """0.5 ** rest for 0 <= rest < 1/8: the Taylor series of exp(-rest ln 2), in Horner form."""
    coefficients = [(-_LN2) ** n / math.factorial(n) for n in range(POLYNOMIAL_DEGREE + 1)]
    sql = repr(coefficients[-1])
    for coefficient in reversed(coefficients[:-1]):
        sql = f"({coefficient!r} + {rest} * {sql})"
    return sql


def sqlite_half_power(steps: str, rest: str) -> str:
    """0.5 ** (steps / 8 + rest) for an integer 0 <= steps and 0 <= rest < 1/8, without SQLite's math functions
    (`power`, `exp` are a compile-time option that Python's sqlite3 may lack). Within 2e-16 of Python's 0.5 ** x."""
    eighths = " ".join(
        f"WHEN {j} THEN {2.0 ** (-j / STEPS_PER_HALVING)!r}" for j in range(STEPS_PER_HALVING)
    )
    factors = [f"CASE ({steps} & {STEPS_PER_HALVING - 1}) {eighths} END"]
    for bit in range(MAX_WHOLE_HALVES.bit_length()):
        mask = STEPS_PER_HALVING << bit
        factors.append(f"CASE WHEN ({steps} & {mask}) <> 0 THEN {_power_of_half(1 << bit)} ELSE 1.0 END")
    product = " * ".join([*factors, _rest_polynomial(rest)])
    return f"(CASE WHEN {steps} >= {MAX_STEPS} THEN 0.0 ELSE {product} END)"


def _half_power(dialect: str, table: str, column: str) -> str:
    """0.5 ** column, for a column >= 0 (on SQLite split by ``_split`` in an earlier CTE)."""
    if dialect == "sqlite":
        return sqlite_half_power(f"{table}.{column}_steps", f"{table}.{column}_rest")
    # PostgreSQL's power() raises an error instead of returning 0 on underflow.
    return (
        f"(CASE WHEN {table}.{column} >= {MAX_WHOLE_HALVES + 1} THEN 0.0 "
        f"ELSE power(CAST(0.5 AS DOUBLE PRECISION), {table}.{column}) END)"
    )


def sqlite_split(value: str) -> tuple[str, str]:
    """SQLite expressions for the steps (floor(8 x), capped) and the rest of a value x >= 0."""
    capped = f"CASE WHEN {value} >= {MAX_WHOLE_HALVES + 1} THEN {MAX_STEPS} ELSE {value} * {STEPS_PER_HALVING} END"
    steps = f"CAST({capped} AS INTEGER)"
    return steps, f"({value} - {steps} * {1 / STEPS_PER_HALVING!r})"


def _split(dialect: str, table: str, column: str) -> str:
    """On SQLite, the columns ``column_steps`` and ``column_rest`` that ``sqlite_half_power`` takes."""
    if dialect != "sqlite":
        return ""
    steps, rest = sqlite_split(f"{table}.{column}")
    return f",\n        {steps} AS {column}_steps,\n        {rest} AS {column}_rest"


def _dialect_parts(dialect: str) -> dict[str, str]:
    when = "COALESCE(s.stated_at, s.created_at)"
    if dialect == "sqlite":
        return {
            "stated_by_now": f"julianday({when}) <= julianday('now')",
            "superseded_later": "julianday(s.superseded_at) > julianday('now')",
            "age_days": f"julianday('now') - julianday({when})",
            "blank": "char(32, 9, 10, 13)",
            "round_confidence": f"ROUND({{x}}, {CONFIDENCE_DIGITS})",
            # SQLite never flattens a subquery with an OFFSET; flattened, it would paste the age's expression
            # (julianday twice) into each of the ~20 uses of it in the decay's arithmetic.
            "fence": "\n    LIMIT -1 OFFSET 0  -- computed once per stance, not pasted into each use",
        }
    now = "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"
    return {
        "stated_by_now": f"{when} <= {now}",
        "superseded_later": f"s.superseded_at > {now}",
        "age_days": f"CAST(EXTRACT(EPOCH FROM ({now} - {when})) AS DOUBLE PRECISION) / 86400.0",
        "blank": "' ' || chr(9) || chr(10) || chr(13)",
        "round_confidence": f"CAST(ROUND(CAST({{x}} AS NUMERIC), {CONFIDENCE_DIGITS}) AS DOUBLE PRECISION)",
        "fence": "",
    }


def current_stances_sql(dialect: str) -> str:
    """CREATE VIEW v_current_stances for 'sqlite' or 'postgresql'.

    The CTEs carry only the columns the rule needs (sorting whole stance rows, quotes and all, twice would double
    the cost); the chosen stance's details are joined back at the end.
    """
    p = _dialect_parts(dialect)
    confidence = p["round_confidence"].format(
        x=f"(1.0 - {_half_power(dialect, 'e', 'taken_halves')}) * ABS(e.balance)"
    )
    quoted = " OR ".join(
        f"TRIM(COALESCE(s.{column}, ''), {p['blank']}) <> ''" for column in ("evidence", "note")
    )
    return f"""
CREATE VIEW v_current_stances AS
WITH counted AS (
    -- The stances the stance matrix counts now, with their age in half-lives.
    SELECT
        s.id,
        s.actor_id,
        s.issue_id,
        s.position,
        s.score,
        s.confidence,
        s.coder_kind,
        s.review_status,
        COALESCE(s.stated_at, s.created_at) AS said_at,
        CASE WHEN {quoted} THEN 1 ELSE 0 END AS quoted,
        CASE WHEN {p["age_days"]} > 0 THEN {p["age_days"]} ELSE 0.0 END / {HALF_LIFE_DAYS!r} AS halves
    FROM stances s
    WHERE s.review_status <> 'rejected'
      AND {p["stated_by_now"]}
      AND (s.coder_kind <> 'analyst' OR s.superseded_at IS NULL OR {p["superseded_later"]}){p["fence"]}
),
split AS (
    SELECT c.*{_split(dialect, "c", "halves")}
    FROM counted c
),
weighted AS (
    -- A machine stance weighs its confidence, halved every {HALF_LIFE_DAYS:g} days, doubled once confirmed.
    SELECT
        w.*,
        CASE WHEN w.coder_kind = 'analyst' THEN 0.0 ELSE
            w.confidence * {_half_power(dialect, "w", "halves")}
            * CASE WHEN w.review_status = 'confirmed' THEN {CONFIRMED_WEIGHT!r} ELSE 1.0 END
        END AS weight
    FROM split w
),
pooled AS (
    SELECT
        w.*,
        SUM(CASE WHEN w.coder_kind <> 'analyst' AND w.position = 'support' THEN w.weight ELSE 0.0 END)
            OVER (PARTITION BY w.actor_id, w.issue_id) AS support_weight,
        SUM(CASE WHEN w.coder_kind <> 'analyst' AND w.position = 'oppose' THEN w.weight ELSE 0.0 END)
            OVER (PARTITION BY w.actor_id, w.issue_id) AS oppose_weight,
        COUNT(*) OVER (PARTITION BY w.actor_id, w.issue_id) AS evidence_count,
        SUM(CASE WHEN w.position = 'support' THEN 1 ELSE 0 END) OVER (PARTITION BY w.actor_id, w.issue_id)
            AS support_count,
        SUM(CASE WHEN w.position = 'oppose' THEN 1 ELSE 0 END) OVER (PARTITION BY w.actor_id, w.issue_id)
            AS oppose_count,
        SUM(CASE WHEN w.position = 'neutral' THEN 1 ELSE 0 END) OVER (PARTITION BY w.actor_id, w.issue_id)
            AS neutral_count,
        AVG(w.score) OVER (PARTITION BY w.actor_id, w.issue_id) AS mean_score
    FROM weighted w
),
balanced AS (
    -- The weighted balance of support against opposition (neutral stances never push), in -1..1.
    SELECT
        c.*,
        c.support_weight + c.oppose_weight AS taken_weight,
        CASE WHEN c.support_weight + c.oppose_weight > 0
            THEN (c.support_weight - c.oppose_weight) / (c.support_weight + c.oppose_weight)
            ELSE 0.0
        END AS balance
    FROM pooled c
),
positioned AS (
    -- The machine's position: the sign of the balance, 'mixed' near zero, 'neutral' when no side has weight.
    -- taken_halves: the weight of evidence w as a power of 0.5, for exp(-w / {CONFIDENCE_SCALE!r}) = 0.5 ** (w / ({CONFIDENCE_SCALE!r} ln 2)).
    SELECT
        b.*,
        CASE
            WHEN b.taken_weight <= 0 THEN 'neutral'
            WHEN ABS(b.balance) < {MIXED_THRESHOLD!r} THEN 'mixed'
            WHEN b.balance > 0 THEN 'support'
            ELSE 'oppose'
        END AS machine_position,
        CASE WHEN b.taken_weight > 0 THEN b.taken_weight / {CONFIDENCE_SCALE * _LN2!r} ELSE 0.0 END AS taken_halves
    FROM balanced b
),
ranked AS (
    -- The row's stance: the newest analyst coding, else the heaviest machine stance on the chosen side (any side
    -- when mixed or neutral), one with a quote first, the older one on equal weight.
    SELECT
        m.*,
        ROW_NUMBER() OVER (
            PARTITION BY m.actor_id, m.issue_id
            ORDER BY
                CASE WHEN m.coder_kind = 'analyst' THEN 0 ELSE 1 END,
                CASE WHEN m.coder_kind = 'analyst' THEN m.said_at END DESC,
                CASE WHEN m.coder_kind = 'analyst' THEN m.id END DESC,
                CASE WHEN m.position = m.machine_position OR m.machine_position IN ('mixed', 'neutral')
                    THEN 0 ELSE 1 END,
                m.quoted DESC,
                m.weight DESC,
                m.id
        ) AS pick
    FROM positioned m
),
chosen AS (
    SELECT r.*{_split(dialect, "r", "taken_halves")}
    FROM ranked r
    WHERE r.pick = 1
)
SELECT
    a.id AS actor_id,
    a.slug AS actor,
    a.name AS actor_name,
    a.kind AS actor_kind,
    a.country AS country,
    e.issue_id AS issue_id,
    i.name AS issue_name,
    CASE WHEN e.coder_kind = 'analyst' THEN e.position ELSE e.machine_position END AS position,
    CAST(
        CASE
            WHEN e.coder_kind <> 'analyst' THEN e.balance
            WHEN e.score IS NOT NULL AND e.score <> 0 THEN e.score
            WHEN e.position = 'support' THEN 1.0
            WHEN e.position = 'oppose' THEN -1.0
            ELSE 0.0
        END AS DOUBLE PRECISION
    ) AS score,
    CAST(CASE WHEN e.coder_kind = 'analyst' THEN 1.0 ELSE {confidence} END AS DOUBLE PRECISION) AS confidence,
    CASE WHEN e.coder_kind = 'analyst' THEN 'analyst' ELSE 'machine' END AS basis,
    s.coder_kind AS coder_kind,
    s.coder AS coder,
    s.review_status AS review_status,
    s.evidence AS evidence,
    COALESCE(s.url, d.url) AS url,
    s.document_id AS document_id,
    s.stated_at AS stated_at,
    s.id AS stance_id,
    e.evidence_count AS evidence_count,
    e.support_count AS support_count,
    e.oppose_count AS oppose_count,
    e.neutral_count AS neutral_count,
    e.mean_score AS mean_score
FROM chosen e
JOIN stances s ON s.id = e.id
JOIN actors a ON a.id = e.actor_id
JOIN issues i ON i.id = e.issue_id
LEFT JOIN documents d ON d.id = s.document_id
"""


def _replace_current_stances(create_current: str) -> None:
    for name in reversed(DEPENDENT_VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.execute("DROP VIEW IF EXISTS v_current_stances")
    op.execute(create_current)
    for create_dependent in DEPENDENT_VIEWS.values():
        op.execute(create_dependent)


def upgrade() -> None:
    _replace_current_stances(current_stances_sql(op.get_bind().dialect.name))


def downgrade() -> None:
    _replace_current_stances(_v0002._CURRENT_STANCES)
