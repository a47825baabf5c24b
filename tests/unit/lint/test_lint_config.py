"""``[tool.alembic-baseline.lint]``: validation, select/ignore, rule options, per-file ignores."""

from __future__ import annotations

import pytest

from alembic_baseline.errors import ConfigError
from alembic_baseline.lint.config import DEFAULT_TARGET_VERSION, from_section
from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.lint.registry import all_rules


def _finding(code: str) -> Finding:
    return Finding(code, "x", Severity.WARNING, "/p/versions/a_b.py", 1, "m", "h")


def test_defaults_enable_every_rule() -> None:
    config = from_section({})
    assert {r.code for r in config.rules()} == {r.code for r in all_rules()}
    assert config.fail_on is Severity.WARNING
    assert config.target_version == DEFAULT_TARGET_VERSION
    assert not config.include_archive


def test_most_specific_prefix_wins() -> None:
    config = from_section({"select": ["PG"], "ignore": ["PG1"]})
    assert config.enabled("PG201")
    assert not config.enabled("PG101")
    assert not config.enabled("AB101")
    narrowed = from_section({"select": ["PG", "PG101"], "ignore": ["PG1"]})
    assert narrowed.enabled("PG101") and not narrowed.enabled("PG102")


def test_flags_replace_select_and_extend_ignore() -> None:
    config = from_section({"select": ["AB"], "ignore": ["AB101"]}).with_flags(
        select=["PG101", "AB1"], ignore=["AB102"], fail_on="error"
    )
    assert config.enabled("PG101") and config.enabled("AB103")
    assert not config.enabled("AB101") and not config.enabled("AB102")
    assert config.fail_on is Severity.ERROR


def test_rule_options_and_severity_by_name_or_code() -> None:
    config = from_section(
        {
            "rules": {
                "one-change-per-revision": {"max-objects": 9, "severity": "error"},
                "PG302": {"volatile-functions": ["my_func"]},
            }
        }
    )
    rules = {r.code: r for r in config.rules()}
    assert rules["AB203"].opts["max-objects"] == 9
    assert rules["AB203"].opts["max-kinds"] == 2  # untouched default
    assert rules["AB203"].level is Severity.ERROR
    assert rules["PG302"].opts["volatile-functions"] == ("my_func",)


def test_target_version_defaults_to_production_major() -> None:
    assert from_section({}, pg_major=11).target_version == 11
    assert from_section({"target-version": 12}, pg_major=11).target_version == 12


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ({"selct": ["AB"]}, "Unknown key"),
        ({"select": ["ZZ"]}, "matches no rule"),
        ({"fail-on": "fatal"}, "unknown severity"),
        ({"rules": {"no-such-rule": {}}}, "no rule has that code or name"),
        ({"rules": {"AB203": {"max-object": 3}}}, "has no option 'max-object'"),
        ({"rules": {"AB203": {"max-objects": "3"}}}, "must be int"),
        ({"target-version": "fifteen"}, "PostgreSQL major"),
        ({"per-file-ignores": ["x"]}, "per-file-ignores"),
    ],
)
def test_invalid_configuration_is_a_config_error_with_a_hint(
    section: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        from_section(section)
    assert words in info.value.message
    assert info.value.hint


def test_per_file_ignores_match_paths_and_names() -> None:
    config = from_section({"per-file-ignores": {"versions/archive/*": ["AB"], "a_*.py": ["PG101"]}})
    assert config.ignored_for_path(_finding("AB101"), "versions/archive/a_b.py")
    assert not config.ignored_for_path(_finding("PG101"), "versions/archive/x_b.py")
    assert config.ignored_for_path(_finding("PG101"), "versions/a_b.py")
    assert not config.ignored_for_path(_finding("PG102"), "versions/a_b.py")


def test_digest_changes_with_what_rules_report() -> None:
    base = from_section({})
    assert base.digest() == from_section({}).digest()
    assert base.digest() != from_section({"ignore": ["PG101"]}).digest()
    assert base.digest() != from_section({"rules": {"AB203": {"max-objects": 1}}}).digest()
    assert base.digest() != from_section({"target-version": 11}).digest()
    # Presentation-only settings do not invalidate cached per-file results.
    assert base.digest() == from_section({"fail-on": "error"}).digest()


def test_file_template_match_without_a_pattern_per_revision() -> None:
    """``matches`` skips compiling an expression per revision for templates that start with
    ``%(rev)s``; its answers are those of the full expression."""
    from pathlib import PurePath

    from alembic_baseline.lint import file_template as ft

    templates = [
        ft.DEFAULT,
        "%(rev)s",
        "%(rev)s_%(year)d_%(month).2d_%(slug)s",
        "%(year)d/%(rev)s_%(slug)s",
        "%%(rev)s_%(rev)s",
        "%(rev)s_%(slug)s_%(rev)s",
    ]
    names = ["ab12_add_x", "ab12", "ab12x_add", "ab1_add", "2024/ab12_add", "ab12_2024_01_x",
             "%(rev)s_ab12", "ab12_s_ab12", "xab12_add", "ab12_add-x", "ab12_"]  # fmt: skip
    for template in templates:
        for name in names:
            path = PurePath("/p/versions", name + ".py")
            full = ft.pattern(template, "ab12").match(ft.name_of(path, template)) is not None
            assert ft.matches(path, template, "ab12") is full, (template, name)
