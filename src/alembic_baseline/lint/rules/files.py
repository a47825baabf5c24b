"""AB1xx: the revision file itself — its name, the files it reads, whether it parses and renders."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from alembic_baseline.lint import file_template as ft
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Direction, Finding, Severity
from alembic_baseline.lint.registry import Rule
from alembic_baseline.lint.revision import RevisionFile

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


class RevisionFileName(Rule):
    """The file is named ``<revision>_<slug>.py`` after the revision id it declares.

    Why
    ---
    The runbook's naming rule (``<リビジョンID>_<簡潔な説明>.py``) lets people find a revision
    from ``alembic history`` or from the ``alembic_version`` row, and the archive step moves
    files by that prefix (``mv alembic/versions/bd41467bfaf6_*.py archive/``). A file renamed
    by hand, or a revision id edited without renaming the file (or the docstring's
    ``Revision ID:``), silently breaks both.

    Anti-pattern
    ------------
    ```text
    alembic/versions/add_shipping_date.py         # no revision id
    alembic/versions/a1b2c3d4e5f6_shipping.py     # but: revision = "f6e5d4c3b2a1"
    ```

    Best practice
    -------------
    Let Alembic name the file:

    ```bash
    alembic revision -m "add shipping date column"
    # -> alembic/versions/a1b2c3d4e5f6_add_shipping_date_column.py, revision = "a1b2c3d4e5f6"
    ```

    When the id
    must change (``--rev-id``), change the file name, ``revision =`` and the docstring together.

    The expected name follows the project's ``file_template`` (``alembic.ini`` or
    ``[tool.alembic]``), read by ``alembic-baseline lint``: with
    ``file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s`` the file is
    ``2026_01_19_a1b2c3d4e5f6_add_shipping_date_column.py``, and only the revision id must be the
    declared one (dates and slug are free); names from Alembic's default template stay accepted,
    for histories that switched templates. The ``file-template`` option gives the template
    where the linter runs without the project's configuration; the ``pattern`` option (a
    regular expression in which ``{revision}`` stands for the escaped id, matched against the
    name without ``.py``) overrides both.

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/tutorial.html#editing-the-ini-file
    - https://alembic.sqlalchemy.org/en/latest/api/script.html
    """

    code = "AB101"
    name = "revision-file-name"
    severity = Severity.WARNING
    options: ClassVar[Mapping[str, Any]] = {"file-template": ft.DEFAULT, "pattern": ""}

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        if rev.parse_errors and rev.revision is None:
            return
        if rev.revision is None:
            yield self.finding(
                rev.path,
                1,
                "The file declares no module-level revision = '...'.",
                'Add revision = "<id>" (and down_revision); alembic revision -m "..." writes both.',
                subject="no revision",
            )
            return
        if not self._named_well(rev.path, rev.revision):
            template = str(self.opts["file-template"])
            yield self.finding(
                rev.path,
                rev.revision_line,
                f"File name {rev.path.name} does not match its revision id {rev.revision!r}"
                + (f" (file_template {template})" if template != ft.DEFAULT else "")
                + ".",
                f"Rename the file to {ft.example(template, rev.revision)} (git mv), keeping the "
                "slug short.",
                subject=f"name {rev.revision}",
            )
        if rev.docstring_revision and rev.docstring_revision != rev.revision:
            yield self.finding(
                rev.path,
                1,
                f"The docstring says Revision ID: {rev.docstring_revision} but the module "
                f"declares revision = {rev.revision!r}.",
                "Make the docstring's Revision ID, revision = ... and the file name agree.",
                subject=f"docstring {rev.docstring_revision}",
            )

    def _named_well(self, path: Path, revision: str) -> bool:
        custom = str(self.opts["pattern"])
        if custom:
            wanted = custom.replace("{revision}", re.escape(revision))
            return re.match(wanted, path.stem) is not None
        template = str(self.opts["file-template"])
        # Alembic's default stays accepted: histories that switched templates keep old names.
        return ft.matches(path, template, revision) or ft.matches(path, ft.DEFAULT, revision)


def _is_relative(path: str) -> bool:
    return not (path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", path))


class RelativeFilePath(Rule):
    """Files are found relative to the revision file, never the working directory.

    Why
    ---
    ``open("alembic/baselines/schema.sql")`` works only when ``alembic`` runs from the directory
    that holds ``alembic/`` — the runbook's own baseline example has exactly this bug. Run from
    a container's other working directory, from CI, from pytest or from a tool that drives
    Alembic in-process, the migration fails with FileNotFoundError, or worse, reads another
    file of the same name.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        with open("alembic/baselines/baseline_schema_20260119.sql") as f:
            op.execute(f.read())
    ```

    Best practice
    -------------
    ```python
    from pathlib import Path

    BASELINES = Path(__file__).resolve().parents[1] / "baselines"

    def upgrade() -> None:
        op.execute((BASELINES / "baseline_schema_20260119.sql").read_text(encoding="utf-8"))
    ```

    References
    ----------
    - https://docs.python.org/3/reference/import.html#file__
    - https://alembic.sqlalchemy.org/en/latest/cookbook.html
    """

    code = "AB102"
    name = "relative-file-path"
    severity = Severity.ERROR

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        for call in rev.calls:
            if call.first_arg is not None and _is_relative(call.first_arg):
                yield self.finding(
                    rev.path,
                    call.line,
                    f"{call.func}({call.first_arg!r}) resolves against the working directory: "
                    "the revision breaks when alembic runs from anywhere else.",
                    'Resolve from the revision file: Path(__file__).resolve().parent / "..." '
                    '(e.g. .parents[1] / "baselines" / "schema.sql").',
                    subject=f"{call.func} {call.first_arg}",
                )


class ParseError(Rule):
    """The revision's Python and SQL parse.

    Why
    ---
    A revision whose Python does not compile stops every Alembic command (Alembic imports all
    revisions to build the graph). SQL that PostgreSQL's parser rejects fails at deploy time,
    after the earlier statements of the revision ran. The linter uses PostgreSQL's own parser
    (libpg_query via pglast), so what it rejects, the server rejects. The ``:name`` bind
    parameters of ``op.get_bind().execute(sa.text("... :batch_size"), {"batch_size": 100})`` are
    read as SQLAlchemy sends them, as parameters (``$1``); an ``op.execute`` has no values to
    bind, so a ``:name`` there is reported.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.execute("ALTER TABLE lots ADD COLUMN note TEXT DEFAULT")
    ```

    Best practice
    -------------
    Render the revision before review and run it on a scratch database before it reaches a
    shared one:

    ```bash
    alembic upgrade <prev>:<rev> --sql     # the SQL exactly as it will run
    alembic-baseline scratch start          # a throwaway server to try it on
    ```

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/offline.html
    - https://github.com/pganalyze/libpg_query
    """

    code = "AB103"
    name = "parse-error"
    severity = Severity.ERROR

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        for line, message in rev.parse_errors:
            yield self.finding(
                rev.path,
                line,
                message,
                "Fix the syntax; render with alembic upgrade <prev>:<rev> --sql to see the SQL.",
                subject=message,
            )


class OfflineSqlRenders(Rule):
    """The revision renders in offline (``--sql``) mode.

    Why
    ---
    The runbook reviews every production patch as SQL first
    (``alembic upgrade head --sql > migration_plan.sql``). A revision that queries the database
    (``op.get_bind().execute(...).fetchall()``, ``sa.inspect(bind)``) cannot render offline, so
    that review step breaks — and the SQL it runs depends on data nobody reviewed. The linter
    then checks such a revision call by call, from its source, and may miss statements.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        bind = op.get_bind()
        if bind.execute(sa.text("SELECT count(*) FROM lots")).scalar():
            op.execute("UPDATE lots SET status = 'active'")
    ```

    Best practice
    -------------
    Emit SQL that does not depend on what the database answers (``UPDATE ... WHERE ...`` is
    already a no-op on an empty table; ``IF EXISTS``, ``DO $$ ... $$`` blocks for the rest):

    ```python
    def upgrade() -> None:
        op.execute("UPDATE lots SET status = 'active' WHERE status IS NULL")
    ```

    If the revision really must inspect, guard it with ``context.is_offline_mode()`` and emit
    the SQL that a reviewer can read.

    A baseline revision's ``downgrade()`` is not reported: it deliberately refuses to run
    (online or with ``--sql``) unless the database is marked disposable
    (``alembic -x allow_baseline_downgrade=1 downgrade base``), and the linter renders without
    ``-x`` arguments. Its ``upgrade()`` is checked like any other.

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/offline.html
    - https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.environment.EnvironmentContext.is_offline_mode
    """

    code = "AB104"
    name = "offline-sql-renders"
    severity = Severity.WARNING

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        if not rev.offline_error or rev.parse_errors:
            return
        failed = set(Direction) - rev.rendered
        if failed == {Direction.DOWNGRADE} and rev.is_baseline:
            return  # the baseline's guarded downgrade refuses without -x: by design
        yield self.finding(
            rev.path,
            rev.upgrade_line or 1,
            f"alembic upgrade --sql cannot render this revision: {rev.offline_error}",
            "Emit SQL that does not depend on database answers, or guard the inspection "
            "with context.is_offline_mode().",
            subject="offline",
        )


class VersionTableUntouched(Rule):
    """Revisions never write Alembic's version table.

    Why
    ---
    Alembic records each revision in ``alembic_version`` itself, in the same transaction. A
    revision that inserts, updates or deletes rows there (the runbook's baseline example
    inserts the old head) leaves two rows — two "current" revisions — or a row Alembic did not
    write, and the next ``alembic upgrade`` fails or skips revisions.

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.execute("INSERT INTO alembic_version (version_num) VALUES ('f30373801237')")
    ```

    Best practice
    -------------
    Let Alembic move the version. To connect a baseline to existing databases, give the new
    history a no-op *bridge* revision carrying the old head's id (``alembic-baseline
    baseline`` writes it):

    ```python
    revision = "f30373801237"           # the old head's id
    down_revision = "baseline_20260119"

    def upgrade() -> None:
        pass                            # bridge: the baseline already built the schema
    ```

    To mark a database by hand, use ``alembic stamp`` — never SQL.

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/api/commands.html#alembic.command.stamp
    - https://alembic.sqlalchemy.org/en/latest/branches.html
    """

    code = "AB105"
    name = "version-table-untouched"
    severity = Severity.ERROR
    options: ClassVar[Mapping[str, Any]] = {"version-table": "alembic_version"}

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        table = str(self.opts["version-table"]).lower()
        for st in rev.statements:
            if table in _written_tables(st.node):
                yield self.at(
                    st,
                    f"{st.direction.value}() writes Alembic's version table {table} "
                    f"({st.kind.removesuffix('Stmt').upper()}).",
                    "Let Alembic record revisions; use a bridge revision or `alembic stamp`.",
                )


def _written_tables(node: object) -> set[str]:
    if sf.is_dml(node):
        return {sf.dml_target(node)}
    if isinstance(node, ast.TruncateStmt):
        return {sf.rel(r) for r in node.relations or ()}
    if isinstance(node, ast.DropStmt) and node.removeType == sf.OT.OBJECT_TABLE:
        return set(sf.drop_objects(node))
    if isinstance(node, ast.AlterTableStmt):
        return {sf.rel(node.relation)}
    return set()
