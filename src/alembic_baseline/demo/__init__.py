"""``demo``: the runbook, end to end, on the bundled sample project and a scratch server.

The demo sits above ``commands`` (its steps call the commands as a user would); each feature's
steps live in their own module here (``*_steps.py``), never inside the feature packages.
"""

from alembic_baseline.demo.model import DemoContext, DemoResult, DemoStep
from alembic_baseline.demo.run import all_steps, demo

__all__ = ["DemoContext", "DemoResult", "DemoStep", "all_steps", "demo"]
