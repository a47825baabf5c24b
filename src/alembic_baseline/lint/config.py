"""Lint configuration: ``[tool.alembic-baseline.lint]`` in pyproject.toml, then flags.

```toml
[tool.alembic-baseline.lint]
select = ["AB", "PG"]            # codes or prefixes (default: every rule)
ignore = ["PG103"]
fail-on = "warning"              # exit 1 on findings at or above this severity
min-severity = "info"            # hide findings below this severity
target-version = 13              # oldest PostgreSQL major the revisions must be safe on
include-archive = false          # lint versions/archive/ too
baseline = ".alembic-baseline/lint-baseline.json"

[tool.alembic-baseline.lint.per-file-ignores]
"versions/archive/*" = ["AB"]

[tool.alembic-baseline.lint.rules.one-change-per-revision]   # by name or code
max-objects = 8
severity = "error"
```
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from alembic_baseline import statedir
from alembic_baseline.errors import ConfigError
from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic_baseline.lint.registry import Rule

DEFAULT_BASELINE = statedir.LINT_BASELINE  # project content for git, not state
DEFAULT_TARGET_VERSION = 13
_KEYS = {
    "select",
    "ignore",
    "fail-on",
    "min-severity",
    "target-version",
    "include-archive",
    "baseline",
    "per-file-ignores",
    "rules",
    "cache",
}
_HINT = "See docs/lint.md#configuration for the [tool.alembic-baseline.lint] table."


@dataclass(frozen=True)
class LintConfig:
    """Resolved lint settings (pyproject, then command-line flags)."""

    select: tuple[str, ...] = ("",)
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.WARNING
    min_severity: Severity = Severity.INFO
    target_version: int = DEFAULT_TARGET_VERSION
    include_archive: bool = False
    baseline: str = DEFAULT_BASELINE
    cache: bool = True
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Rule code → options given in pyproject."""
    severities: Mapping[str, Severity] = field(default_factory=dict)
    """Rule code → severity override."""

    def enabled(self, code: str) -> bool:
        """Ruff-like: the most specific matching prefix of select/ignore wins."""
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected >= 0 and selected > ignored

    def rules(self) -> list[Rule]:
        # lazy: start-up: the registry (and the rules) only when something is checked (a warm
        # run returning the last run's findings imports neither)
        from alembic_baseline.lint.registry import RuleContext, all_rules

        context = RuleContext(target_version=self.target_version)
        return [
            cls(self.rule_options.get(cls.code), self.severities.get(cls.code), context)
            for cls in all_rules()
            if self.enabled(cls.code)
        ]

    def ignored_for_path(self, finding: Finding, relative: str) -> bool:
        for pattern, codes in self.per_file_ignores:
            name = relative.rsplit("/", 1)[-1]
            matched = fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(name, pattern)
            if matched and any(finding.code.startswith(c) for c in codes):
                return True
        return False

    def digest(self) -> str:
        """Everything that changes what revision rules report (part of the cache key)."""
        # lazy: start-up: as in rules()
        from alembic_baseline.lint.registry import all_rules

        data = {
            "rules": sorted(cls.code for cls in all_rules() if self.enabled(cls.code)),
            "options": {k: dict(v) for k, v in sorted(self.rule_options.items())},
            "severities": {k: v.label for k, v in sorted(self.severities.items())},
            "target": self.target_version,
        }
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_flags(
        self,
        *,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        fail_on: str | None = None,
        include_archive: bool | None = None,
        target_version: int | None = None,
    ) -> LintConfig:
        """Command-line flags on top: ``--select`` replaces, ``--ignore`` extends."""
        return replace(
            self,
            select=_codes(list(select), "--select") if select else self.select,
            ignore=(*self.ignore, *_codes(list(ignore), "--ignore")),
            fail_on=_severity(fail_on, "--fail-on") if fail_on else self.fail_on,
            include_archive=self.include_archive if include_archive is None else include_archive,
            target_version=target_version or self.target_version,
        )


def with_file_template(config: LintConfig, template: str) -> LintConfig:
    """The project's Alembic ``file_template`` for AB101, unless its options set a name rule."""
    code = "AB101"
    given = config.rule_options.get(code, {})
    if "file-template" in given or given.get("pattern"):
        return config
    options = {**config.rule_options, code: {**given, "file-template": template}}
    return replace(config, rule_options=options)


def _severity(value: object, where: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}", hint=_HINT) from None


def _codes(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of rule codes or prefixes.", hint=_HINT)
    codes = tuple(v.strip().upper() for v in value)
    if not codes:  # nothing to check: the rules are not imported for it (a warm run)
        return codes
    # lazy: start-up: as in LintConfig.rules()
    from alembic_baseline.lint.registry import all_rules

    known = {cls.code for cls in all_rules()}
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise ConfigError(
                f"{where}: {code!r} matches no rule.",
                hint="Run `alembic-baseline lint --list-rules` for the codes.",
            )
    return codes


def _rule_table(key: str, table: object) -> tuple[str, dict[str, Any], Severity | None]:
    # lazy: start-up: as in LintConfig.rules()
    from alembic_baseline.lint.registry import find_rule

    cls = find_rule(key)
    if cls is None:
        raise ConfigError(f"[...lint.rules.{key}]: no rule has that code or name.", hint=_HINT)
    if not isinstance(table, Mapping):
        raise ConfigError(f"[...lint.rules.{key}] must be a table.", hint=_HINT)
    options: dict[str, Any] = {}
    severity: Severity | None = None
    for name, value in table.items():
        if name == "severity":
            severity = _severity(value, f"lint.rules.{key}.severity")
            continue
        if name not in cls.options:
            valid = ", ".join(["severity", *cls.options]) or "severity"
            raise ConfigError(
                f"{cls.code} {cls.name} has no option {name!r}.", hint=f"Valid options: {valid}."
            )
        default = cls.options[name]
        expected = (list, tuple) if isinstance(default, tuple) else type(default)
        if default is not None and not isinstance(value, expected):
            raise ConfigError(
                f"lint.rules.{key}.{name} must be {type(default).__name__}, not {value!r}.",
                hint=_HINT,
            )
        options[name] = tuple(value) if isinstance(value, list) else value
    return cls.code, options, severity


def from_settings(settings: Settings) -> LintConfig:
    """``[tool.alembic-baseline.lint]`` of the project (``pg_major`` the default target)."""
    return from_section(settings.section("lint"), pg_major=settings.pg_major)


def from_section(section: Mapping[str, Any], *, pg_major: int | None = None) -> LintConfig:
    """Validate and resolve ``[tool.alembic-baseline.lint]`` (``pg_major``: production's)."""
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise ConfigError(
            f"Unknown key(s) in [tool.alembic-baseline.lint]: {', '.join(unknown)}.",
            hint=f"Valid keys: {', '.join(sorted(_KEYS))}.",
        )
    config = LintConfig(target_version=pg_major or DEFAULT_TARGET_VERSION)
    options: dict[str, dict[str, Any]] = {}
    severities: dict[str, Severity] = {}
    for key, table in dict(section.get("rules", {})).items():
        code, opts, severity = _rule_table(key, table)
        options[code] = opts
        if severity is not None:
            severities[code] = severity
    per_file = section.get("per-file-ignores", {})
    if not isinstance(per_file, Mapping):
        raise ConfigError("per-file-ignores must be a table of glob = [codes].", hint=_HINT)
    target = section.get("target-version", config.target_version)
    if not isinstance(target, int) or not 9 <= target <= 99:
        raise ConfigError(
            f"target-version must be a PostgreSQL major, not {target!r}.",
            hint="Set it to the oldest server you deploy to, e.g. target-version = 13.",
        )
    return replace(
        config,
        select=_codes(section["select"], "select") if "select" in section else config.select,
        ignore=_codes(section.get("ignore", []), "ignore"),
        fail_on=_severity(section.get("fail-on", "warning"), "fail-on"),
        min_severity=_severity(section.get("min-severity", "info"), "min-severity"),
        target_version=target,
        include_archive=bool(section.get("include-archive", False)),
        baseline=str(section.get("baseline", DEFAULT_BASELINE)),
        cache=bool(section.get("cache", True)),
        per_file_ignores=tuple(
            (str(glob), _codes(codes, f"per-file-ignores[{glob!r}]"))
            for glob, codes in per_file.items()
        ),
        rule_options=options,
        severities=severities,
    )
