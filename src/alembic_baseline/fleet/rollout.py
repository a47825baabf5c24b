"""A staged rollout over a process pool: canaries, stages, a failure budget.

Alembic's command API is not thread-safe (module-level ``context``/``op`` proxies), so targets
run in worker *processes*; each loads the history once. At most ``workers`` targets are in
flight: the next one is submitted when one finishes, which makes ``--max-failures`` exact (no
target starts once the budget is spent) and means a worker that dies (kill -9, out of memory)
takes down only the targets in flight — they are reported failed with where they stand, and a
new pool goes on with the others. Stages are a gate: the next stage starts only when the previous
one had no failure (``--continue-on-error`` goes on anyway). Without stages the fleet is one
stage, so a failing target never stops the others unless ``--max-failures`` says so.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from alembic_baseline import compat
from alembic_baseline.errors import ConfigError
from alembic_baseline.fleet.worker import Job, Outcome, apply_target


@dataclass(frozen=True)
class Policy:
    workers: int = 1
    canary: int = 0
    stages: tuple[str, ...] = ()
    max_failures: int | None = None
    continue_on_error: bool = False


def parse_stages(text: str | None) -> tuple[str, ...]:
    """``10%,50%,100%`` (or absolute counts ``5,50,100%``), checked."""
    if not text:
        return ()
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    for p in parts:
        number = p[:-1] if p.endswith("%") else p
        if not number.isdigit() or (p.endswith("%") and not 0 < int(number) <= 100):
            raise ConfigError(
                f"--stages {text!r}: {p!r} is neither a percentage (1%–100%) nor a count.",
                hint="e.g. --stages 10%,50%,100%",
            )
    return parts


def boundaries(total: int, policy: Policy) -> list[int]:
    """Cumulative target counts at which each stage ends (canaries first)."""
    ends = [min(policy.canary, total)] if policy.canary else []
    for p in policy.stages:
        n = math.ceil(total * int(p[:-1]) / 100) if p.endswith("%") else int(p)
        ends.append(min(total, n))
    if not policy.stages:
        ends.append(total)
    out: list[int] = []
    for n in ends:
        if n > (out[-1] if out else 0):
            out.append(n)
    return out


def split(items: Sequence[Job], policy: Policy) -> tuple[list[list[Job]], list[Job]]:
    """The stages, and the jobs no stage reaches (a rollout to 50% stops there)."""
    ends = boundaries(len(items), policy)
    stages, start = [], 0
    for end in ends:
        stages.append(list(items[start:end]))
        start = end
    return stages, list(items[start:])


Notify = Callable[[Outcome], None]


class Runner:
    """Runs jobs in a process pool (or in this process for one worker)."""

    def __init__(self, policy: Policy, notify: Notify) -> None:
        self.policy = policy
        self.notify = notify
        self.failures = 0
        self._pool: ProcessPoolExecutor | None = None
        self._size = 0

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def budget_spent(self) -> bool:
        limit = self.policy.max_failures
        return limit is not None and self.failures >= limit

    def _done(self, outcome: Outcome) -> Outcome:
        if outcome.outcome == "failed":
            self.failures += 1
        self.notify(outcome)
        return outcome

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        """Outcomes as they finish; stops starting jobs once the failure budget is spent."""
        if self.policy.workers <= 1:
            for job in jobs:
                if self.budget_spent:
                    return
                yield self._done(apply_target(job))
            return
        queue = list(jobs)
        queue.reverse()
        running: dict[Future[Outcome], Job] = {}
        while queue or running:
            while queue and len(running) < self.policy.workers and not self.budget_spent:
                pool = self.pool(min(self.policy.workers, len(queue) + len(running)))
                job = queue.pop()
                running[pool.submit(apply_target, job)] = job
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                job = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    if self._pool is not None:  # a worker died: a new pool for what is left
                        self._pool.shutdown(wait=False, cancel_futures=True)
                        self._pool = None
                    outcome = _lost(job)
                yield self._done(outcome)

    def pool(self, size: int) -> ProcessPoolExecutor:
        """A pool of at least ``size`` workers (no more than the stage's targets): made if there
        is none, made again when a later stage needs more (a one-target canary stage must not
        leave the next stages one worker; between stages the pool is idle)."""
        if self._pool is not None and size > self._size:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._pool is None:
            # forkserver: a worker never inherits this process's threads, locks or connections
            # (the server is a fresh single-threaded process), yet the tool and Alembic are
            # imported once, in the server, not once per worker as with spawn.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["alembic_baseline.fleet.worker"])
            self._size = max(1, size)
            self._pool = ProcessPoolExecutor(self._size, mp_context=context)
            compat.start_all_workers(self._pool)
        return self._pool


def _lost(job: Job) -> Outcome:
    return Outcome(
        job.target.name,
        "failed",
        (),
        (),
        "its worker process died (killed or out of memory) while the target was in flight; "
        "each revision runs in its own transaction, so the target is at a revision it "
        "reached; run the fleet again to finish it",
    )
