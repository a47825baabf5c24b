"""One lock knowledge base: the deploy plan's lock report and lint agree (pglast, no database).

Each statement is linted as ``op.execute(...)`` in a revision's upgrade() and analysed as that
revision's offline SQL by the plan; the lint rules that declare a long-held ``lock`` must report
exactly the rules the plan names, with the lock and the work (rewrite/scan) the rule declares.
Also what the plan reports for each kind of statement (ported from the deploy unit tests).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LintFiles

from alembic_baseline.deploy import locks as plan_locks
from alembic_baseline.lint.config import from_section
from alembic_baseline.lint.docs import rule_page
from alembic_baseline.lint.locks import ACCESS_EXCLUSIVE, BLOCKS
from alembic_baseline.lint.registry import Rule, all_rules, find_rule
from alembic_baseline.lint.statement_locks import statement_locks

AE, SHARE, SRE = ACCESS_EXCLUSIVE, "SHARE", "SHARE ROW EXCLUSIVE"

# statement, rule code ("" = no lint rule, plan only; None = nothing long-held), lock, work
CASES: list[tuple[str, str | None, str, str]] = [
    ("ALTER TABLE t ADD COLUMN x text DEFAULT lower('X')", None, "", ""),
    ("ALTER TABLE t ADD COLUMN x timestamptz DEFAULT statement_timestamp()", None, "", ""),
    ("ALTER TABLE t ADD COLUMN x timestamptz DEFAULT now()", None, "", ""),
    ("ALTER TABLE t ADD COLUMN x text", None, "", ""),
    ("ALTER TABLE t ADD COLUMN x float8 DEFAULT random()", "PG302", AE, "rewrite"),
    ("ALTER TABLE t ADD COLUMN x timestamptz DEFAULT clock_timestamp()", "PG302", AE, "rewrite"),
    ("ALTER TABLE t ADD COLUMN x uuid DEFAULT gen_random_uuid()", "PG302", AE, "rewrite"),
    ("ALTER TABLE t ADD COLUMN id bigserial", "PG302", AE, "rewrite"),
    ("ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS IDENTITY", "PG302", AE, "rewrite"),
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint", "PG301", AE, "rewrite"),
    ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "PG203", AE, "scan"),
    ("CREATE INDEX i ON t (a)", "PG101", SHARE, "scan"),
    ("CREATE INDEX CONCURRENTLY i ON t (a)", None, "", ""),
    ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)", "PG201", SRE, "scan"),
    ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID", None, "", ""),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", "PG202", AE, "scan"),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", None, "", ""),
    ("ALTER TABLE t ADD PRIMARY KEY (a)", "PG204", AE, "scan"),
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i", None, "", ""),
    ("REFRESH MATERIALIZED VIEW mv", "", AE, "scan"),
    ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", None, "", ""),
    ("DROP INDEX i", None, "", ""),  # PG103: ACCESS EXCLUSIVE, but brief once granted
    # constraints inline in ADD COLUMN and EXCLUDE: no rule checks them, the plan still does
    ("ALTER TABLE t ADD COLUMN b int REFERENCES u (id)", "", SRE, "scan"),
    ("ALTER TABLE t ADD COLUMN b int CHECK (b > 0)", "", AE, "scan"),
    ("ALTER TABLE t ADD COLUMN b int UNIQUE", "", AE, "scan"),
    ("ALTER TABLE t ADD COLUMN b int PRIMARY KEY", "", AE, "scan"),
    ("ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&)", "", AE, "scan"),
]


def _offline(statement: str, rev: str = "b2") -> str:
    return f"BEGIN;\n\n-- Running upgrade a1 -> {rev}\n\n{statement};\n\nCOMMIT;\n"


LOCK_CASES = [
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint", "ACCESS EXCLUSIVE", "rewrites"),
    ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", "ACCESS EXCLUSIVE", "scans"),
    ("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()", "ACCESS EXCLUSIVE", "volatile"),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", "ACCESS EXCLUSIVE", "NOT VALID"),
    (
        "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)",
        "SHARE ROW EXCLUSIVE",
        "u",
    ),
    ("ALTER TABLE t VALIDATE CONSTRAINT c", "SHARE UPDATE EXCLUSIVE", "continue"),
    ("CREATE INDEX i ON s.t (a)", "SHARE", "CONCURRENTLY"),
    ("REFRESH MATERIALIZED VIEW mv", "ACCESS EXCLUSIVE", "CONCURRENTLY"),
    ("VACUUM FULL t", "ACCESS EXCLUSIVE", "rewrites"),
    ("UPDATE t SET a = 1", "ROW EXCLUSIVE", "every row"),
    ("ALTER TABLE t ADD PRIMARY KEY (a)", "ACCESS EXCLUSIVE", "index"),
    ("ALTER TABLE t ADD COLUMN id bigserial", "ACCESS EXCLUSIVE", "nextval"),
    ("CLUSTER t USING i", "ACCESS EXCLUSIVE", "rewrites"),
    ("REINDEX TABLE t", "ACCESS EXCLUSIVE", "CONCURRENTLY"),
    ("LOCK TABLE t IN SHARE MODE", "explicit", "commits"),
    ("ALTER TABLE t SET TABLESPACE ts", "ACCESS EXCLUSIVE", "rewrites"),
]
HARMLESS = [
    "ALTER TABLE t ADD COLUMN n text",
    "ALTER TABLE t ADD COLUMN d timestamptz DEFAULT now()",
    "ALTER TABLE t ADD COLUMN d timestamptz DEFAULT statement_timestamp()",
    "ALTER TABLE t ADD COLUMN x text DEFAULT lower('X')",
    "REINDEX TABLE CONCURRENTLY t",
    "DROP INDEX i",
    "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
    "CREATE INDEX CONCURRENTLY i ON t (a)",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
    "UPDATE t SET a = 1 WHERE id = 3",
    "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i",
]


@pytest.mark.parametrize(("sql", "lock", "words"), LOCK_CASES, ids=[c[0][:40] for c in LOCK_CASES])
def test_long_held_locks_are_found(sql: str, lock: str, words: str) -> None:
    [finding] = plan_locks.analyse(_offline(sql))
    assert finding.lock == lock and finding.revision == "b2"
    assert words in finding.reason + finding.hint
    assert finding.statement == sql


@pytest.mark.parametrize("sql", HARMLESS)
def test_brief_or_online_statements_are_not_reported(sql: str) -> None:
    assert plan_locks.analyse(_offline(sql)) == []


def test_statements_on_tables_created_by_the_plan_are_not_reported() -> None:
    sql = _offline("CREATE TABLE n (a int)", "b2") + _offline("CREATE INDEX i ON n (a)", "c3")
    assert plan_locks.analyse(sql) == []


def test_statements_are_attributed_to_their_revision() -> None:
    sql = _offline("ALTER TABLE t ADD COLUMN n text", "b2") + _offline(
        "COMMENT ON TABLE t IS '在庫'; CREATE INDEX i ON t (a)", "c3"
    )
    [finding] = plan_locks.analyse(sql)
    assert finding.revision == "c3" and finding.statement == "CREATE INDEX i ON t (a)"


def _lock_rules() -> dict[str, type[Rule]]:
    return {r.code: r for r in all_rules() if r.lock is not None}


def _lint_lock_codes(lint_files: LintFiles, upgrade: str) -> set[str]:
    result = lint_files([{"upgrade": upgrade}], from_section({}))
    rules = _lock_rules()
    return {
        f.code
        for f in result.findings
        if f.code in rules and (effect := rules[f.code].lock) is not None and effect.long_held
    }


@pytest.mark.parametrize(("sql", "code", "lock", "work"), CASES, ids=[c[0][:60] for c in CASES])
def test_plan_and_lint_agree(
    lint_files: LintFiles, sql: str, code: str | None, lock: str, work: str
) -> None:
    found = plan_locks.analyse(_offline(sql), server_major=13)  # lint's default target-version
    linted = _lint_lock_codes(lint_files, f"op.execute({sql!r})")
    assert {f.rule for f in found if f.rule} == linted
    if code is None:
        assert found == []
        return
    [finding] = found
    assert (finding.rule, finding.lock, finding.statement, finding.revision) == (
        code,
        lock,
        sql,
        "b2",
    )
    if code:
        rule = find_rule(code)
        assert rule is not None and rule.lock is not None
        assert (rule.lock.mode, rule.lock.work) == (lock, work)
    assert finding.blocks == BLOCKS[lock] and finding.reason and finding.hint


def test_set_not_null_proved_by_a_validated_check_is_not_reported(lint_files: LintFiles) -> None:
    statements = [
        "ALTER TABLE t ADD CONSTRAINT nn CHECK (a IS NOT NULL) NOT VALID",
        "ALTER TABLE t VALIDATE CONSTRAINT nn",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    ]
    upgrade = "\n".join(f"op.execute({s!r})" for s in statements)
    # The VALIDATE runs in the add's transaction (PG202), but SET NOT NULL no longer scans.
    assert _lint_lock_codes(lint_files, upgrade) == {"PG202"}
    found = plan_locks.analyse(_offline(";\n".join(statements)), server_major=13)
    assert [(f.rule, f.lock) for f in found] == [("PG202", "ACCESS EXCLUSIVE")]
    assert "same transaction" in found[0].reason
    # Before 12 the proof does not exist: SET NOT NULL scans whatever precedes it.
    old = plan_locks.analyse(_offline(";\n".join(statements)), server_major=11)
    assert [f.rule for f in old] == ["PG202", "PG203"]


def test_a_rule_replaces_only_the_generic_line_about_the_same_thing() -> None:
    sql = _offline(
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID; "
        "ALTER TABLE t VALIDATE CONSTRAINT c, VALIDATE CONSTRAINT old, SET TABLESPACE ts"
    )
    found = [(f.rule, f.lock, f.reason.split(" ", 3)[2]) for f in plan_locks.analyse(sql)]
    assert sorted(found) == [
        ("", "ACCESS EXCLUSIVE", "SET"),
        ("", "SHARE UPDATE EXCLUSIVE", "old"),
        ("PG202", "ACCESS EXCLUSIVE", "c"),
    ]


def test_validate_in_a_later_transaction_only_scans() -> None:
    sql = _offline("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID") + _offline(
        "ALTER TABLE t VALIDATE CONSTRAINT c", "c3"
    )
    [finding] = plan_locks.analyse(sql)
    assert (finding.rule, finding.lock, finding.revision) == ("", "SHARE UPDATE EXCLUSIVE", "c3")
    assert finding.blocks == "other DDL and VACUUM only"


def test_the_server_major_decides_version_dependent_rewrites() -> None:
    sql = _offline("ALTER TABLE t ADD COLUMN n int DEFAULT 0")
    assert plan_locks.analyse(sql, server_major=18) == []
    [finding] = plan_locks.analyse(sql, server_major=10)
    assert finding.rule == "PG302" and "PostgreSQL < 11" in finding.reason


def test_tables_created_earlier_are_new_across_revisions() -> None:
    sql = _offline("CREATE TABLE n (a int)", "b2") + _offline(
        "CREATE INDEX i ON n (a); ALTER TABLE n ADD COLUMN id bigserial", "c3"
    )
    assert plan_locks.analyse(sql) == []


def test_statement_locks_is_per_statement_and_schema_qualified() -> None:
    from pglast import parse_sql

    nodes: list[Any] = [
        r.stmt
        for r in parse_sql(
            "CREATE TABLE fresh (a int); CREATE INDEX ON fresh (a); "
            "CREATE INDEX ON s.t (a); ALTER TABLE s.t ALTER COLUMN a TYPE text"
        )
    ]
    result = statement_locks(nodes, target_version=18)
    assert [[(h.code, h.relation, h.effect.work) for h in hits] for hits in result] == [
        [],
        [],
        [("PG101", "s.t", "scan")],
        [("PG301", "s.t", "rewrite")],
    ]


def test_rule_pages_state_the_lock_of_lock_rules() -> None:
    for code, rule in _lock_rules().items():
        assert rule.lock is not None
        assert f"Takes {rule.lock.mode}" in rule_page(rule), code
    plain = find_rule("AB101")
    assert plain is not None and "Takes " not in rule_page(plain)
