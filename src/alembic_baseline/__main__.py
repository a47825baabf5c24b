"""``python -m alembic_baseline`` and the console script ``alembic-baseline``.

A warm ``lint`` is answered here from its recorded output (:mod:`alembic_baseline.lint.quick`)
before the CLI (typer, rich, the settings) is imported; anything else runs the CLI."""

import os
import sys

from alembic_baseline.lint import quick


def run() -> None:
    """Console-script entry point."""
    code = quick.start(sys.argv[1:])
    if code is not None:
        os._exit(code)  # the output is written and flushed; nothing else was started
    # lazy: start-up: a run answered above imports no CLI
    from alembic_baseline.cli import run as cli_run

    cli_run()


if __name__ == "__main__":
    run()
