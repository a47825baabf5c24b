"""No part of a password is ever shown, however malformed the URL (property-style, seeded)."""

from __future__ import annotations

import random
import re

import pytest

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg.url import DatabaseURL, redact, redact_url_text

LETTERS = "XZJKV"  # appear nowhere in the templates or in the tool's messages
SPECIALS = "@:%/?#!$&'()*+,;=@@::%"


def password(rng: random.Random, specials: str = SPECIALS) -> str:
    """Runs of 2-4 letters joined by reserved characters: any leak shows a letter run."""
    runs = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 4))) for _ in range(3)]
    glue = ["".join(rng.choice(specials) for _ in range(rng.randint(0, 2))) for _ in runs]
    return "".join(r + g for r, g in zip(runs, glue, strict=True))


def leaks(secret: str, shown: str) -> list[str]:
    runs = re.findall(f"[{LETTERS}]{{2,}}", secret)
    return [r for r in runs if r in shown] + ([secret] if secret in shown else [])


def forms(pw: str) -> list[str]:
    quoted = pw.replace("\\", "\\\\").replace("'", "\\'")
    no_space = pw.replace(" ", "")
    return [
        f"postgresql://alice:{pw}@db.example:5432/app",
        f"postgresql+asyncpg://alice:{pw}@db/app?sslmode=require",
        f"postgres://alice:{pw}@/app?host=/run/postgresql",
        f"alice:{pw}@db/app",  # no scheme
        f"//alice:{pw}@db/app",
        f"postgresql://alice@db/app?password={no_space}",
        f"host=db user=alice password={no_space} dbname=app",
        f"host=db user=alice password='{quoted}' dbname=app",
        f"mysql://alice:{pw}@db/app",
    ]


def shown_by_parse(text: str) -> str:
    try:
        url = DatabaseURL.parse(text)
    except ConfigError as exc:
        return f"{exc.message} {exc.hint}"
    return f"{url} {url!r} {url.redacted}"


SEEDS = range(300)


@pytest.mark.parametrize("seed", SEEDS)
def test_no_fragment_of_a_password_is_shown(seed: int) -> None:
    rng = random.Random(seed)
    pw = password(rng, SPECIALS + (" " if seed % 5 == 0 else ""))
    for text in forms(pw):
        for shown in (
            redact(text),
            redact(f"connection to {text} failed: refused"),
            redact(f'{{"url":"{text}"}}'),
            redact_url_text(text),
            shown_by_parse(text),
        ):
            assert not leaks(pw, shown), (text, shown)


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://postgres:Secret@99@host/db",  # the example
        "postgresql://u:x@y@z@db/app",
        "postgresql://u:a:b@c@db/app",
    ],
)
def test_raw_at_in_the_password_is_refused_without_showing_it(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        DatabaseURL.parse(text)
    message = info.value.message
    assert "%40" in (info.value.hint or "") and "more than one '@'" in message
    for fragment in ("Secret", "99", "x@y", "y@z", "a:b"):
        assert fragment not in message


def test_well_formed_urls_keep_what_helps() -> None:
    url = DatabaseURL.parse("postgresql://alice:p%40ss%3Aw0rd@db.example:5433/app")
    assert url.password == "p@ss:w0rd"
    assert str(url) == "postgresql+psycopg://alice:***@db.example:5433/app"
    # A user name with '@' (Azure style) followed by a password parses as libpq would.
    url = DatabaseURL.parse("postgresql://bob@server:pw0rd@server.example/app")
    assert (url.username, url.password, url.host) == ("bob@server", "pw0rd", "server.example")
    assert "pw0rd" not in str(url)


def test_sql_and_dsn_passwords_in_free_text() -> None:
    text = "ALTER ROLE app PASSWORD 'VJZ''K' ; host=db password=\"ZZ KJ\" sslpassword=VVXX"
    shown = redact(text)
    assert not re.search(f"[{LETTERS}]{{2,}}", shown), shown


def _every_pattern(text: str) -> str:
    """``redact`` as it was: every pattern run on every text."""
    from alembic_baseline.pg import url

    text = url._URL_PASSWORD.sub(r"\g<head>***@", text)
    text = url._BARE_PASSWORD.sub(r"\g<head>***@", text)
    text = url._KV_PASSWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return url._SQL_PASSWORD.sub(lambda m: f"{m.group(1)}'***'", text)


@pytest.mark.parametrize(
    "text",
    [
        "no secret here\n" * 50,
        "postgresql://u:XZJ@h/db and more",
        "u:XZJ@host/db",
        "PAſſWORD=XZJ then password = 'XZJ' and sslpassword=XZJ",
        "ALTER ROLE r PASSWORD 'XZJ'; alter role r password E'XZ\\'J'",
        "Kelvin K and ß: pass-word=XZJ, PassWord\t=XZJ",
        "host=h password=XZJ user=u",
        "a @ sign alone, a : colon alone",
    ],
)
def test_redact_skips_only_patterns_that_cannot_match(text: str) -> None:
    """``redact`` runs a pattern only on text holding what it needs: the same result as
    running them all (the check that skips them must never skip a match)."""
    assert redact(text) == _every_pattern(text)
    rng = random.Random(text)
    for _ in range(20):
        pw = password(rng)
        for form in forms(pw):
            assert redact(form) == _every_pattern(form)
