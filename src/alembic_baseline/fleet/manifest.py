"""``fleet manifest kubernetes``: a ready Kubernetes Indexed Job that runs ``fleet apply``.

Each of the Job's N indexes runs ``alembic-baseline fleet apply --shard $(JOB_COMPLETION_INDEX)/N``
on its own, stable, disjoint share of the targets; all coordination (per-target advisory locks,
what is done) lives in the target databases, so pods need no shared disk and an index that
fails is simply run again (``backoffLimitPerIndex``) and continues with what is left. Exit codes
that a retry cannot fix (2 usage/environment, 3 refused as unsafe) fail their index at once
(``podFailurePolicy``); an evicted pod is retried without counting.

Credentials come from a Secret (``envFrom``): the generated YAML never holds a password, and a
database URL with a password among the ``fleet apply`` arguments is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg.url import redact

CONTAINER = "fleet-apply"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
NOT_RETRIED = (2, 3)  # usage/environment, refused as unsafe: the same pod would fail the same way
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


@dataclass(frozen=True)
class JobSpec:
    """What the generated Job runs and how (the CLI's options, with their defaults)."""

    image: str
    shards: int = 4
    secret: str = "alembic-baseline-fleet"
    """Secret whose keys become the pod's environment (DATABASE_URL, PGPASSWORD, ...)."""
    apply_args: tuple[str, ...] = ("--targets", "targets.toml")
    """Target selection and options passed to ``fleet apply`` (after ``--shard``)."""
    name: str = "alembic-baseline-fleet"
    namespace: str | None = None
    parallelism: int | None = None
    """Pods at once (default: all shards)."""
    workers: int = 1
    backoff_limit_per_index: int = 2
    max_failed_indexes: int | None = None
    ttl_seconds_after_finished: int | None = 86400
    active_deadline_seconds: int | None = None
    config: str | None = None
    """``-c FILE``: the project's alembic.ini inside the image (default: ./alembic.ini)."""
    working_dir: str | None = None
    service_account: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """Refuse what would make an invalid or unsafe Job (ConfigError, exit 2)."""
        problems = []
        if not self.image.strip():
            problems.append("--image is empty")
        if self.shards < 1:
            problems.append(f"--shards must be at least 1 (got {self.shards})")
        if self.parallelism is not None and not 1 <= self.parallelism <= self.shards:
            problems.append(f"--parallelism must be between 1 and --shards ({self.shards})")
        if self.workers < 1:
            problems.append("--workers must be at least 1")
        if self.backoff_limit_per_index < 0:
            problems.append("--backoff-limit-per-index must be 0 or more")
        if len(self.name) > 63 or not _DNS_LABEL.fullmatch(self.name):
            problems.append(f"--name {self.name!r} is not a DNS label (a-z, 0-9, '-', ≤ 63)")
        if len(self.secret) > 253 or not _DNS_SUBDOMAIN.fullmatch(self.secret):
            problems.append(f"--secret {self.secret!r} is not a valid Secret name")
        if problems:
            raise ConfigError("Cannot generate the Job: " + "; ".join(problems) + ".")
        for arg in self.apply_args:
            if redact(arg) != arg:
                raise ConfigError(
                    "A password is among the fleet apply arguments; the manifest would carry it "
                    f"in clear: {redact(arg)}",
                    hint="Put URLs with passwords into the Secret (--secret) and select targets "
                    "by environment variable (url_env in the targets file, --url-env).",
                )


def job(spec: JobSpec) -> dict[str, Any]:
    """The Job as a mapping (``batch/v1``), ready for YAML."""
    spec.check()
    labels = {
        "app.kubernetes.io/name": "alembic-baseline",
        "app.kubernetes.io/component": "fleet-apply",
        **spec.labels,
    }
    metadata: dict[str, Any] = {"name": spec.name, "labels": labels}
    if spec.namespace:
        metadata["namespace"] = spec.namespace
    body: dict[str, Any] = {
        "completionMode": "Indexed",
        "completions": spec.shards,
        "parallelism": spec.parallelism or spec.shards,
        "backoffLimitPerIndex": spec.backoff_limit_per_index,
    }
    if spec.max_failed_indexes is not None:
        body["maxFailedIndexes"] = spec.max_failed_indexes
    body["podFailurePolicy"] = {
        "rules": [
            {
                "action": "FailIndex",
                "onExitCodes": {
                    "containerName": CONTAINER,
                    "operator": "In",
                    "values": list(NOT_RETRIED),
                },
            },
            {
                "action": "Ignore",
                "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
            },
        ]
    }
    if spec.ttl_seconds_after_finished is not None:
        body["ttlSecondsAfterFinished"] = spec.ttl_seconds_after_finished
    if spec.active_deadline_seconds is not None:
        body["activeDeadlineSeconds"] = spec.active_deadline_seconds
    pod: dict[str, Any] = {"restartPolicy": "Never", "containers": [_container(spec)]}
    if spec.service_account:
        pod["serviceAccountName"] = spec.service_account
    body["template"] = {"metadata": {"labels": dict(labels)}, "spec": pod}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": body}


def command(spec: JobSpec) -> list[str]:
    """The container's command: ``fleet apply`` on this pod's shard (Kubernetes expands
    ``$(JOB_COMPLETION_INDEX)`` from the container's environment)."""
    argv = ["alembic-baseline"]
    if spec.config:
        argv += ["-c", spec.config]
    argv += ["fleet", "apply", "--shard", f"$(JOB_COMPLETION_INDEX)/{spec.shards}"]
    if spec.workers != 1:
        argv += ["--workers", str(spec.workers)]
    return argv + list(spec.apply_args)


def _container(spec: JobSpec) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": spec.image,
        "command": command(spec),
        # The Job controller sets it too; declared here so the $(...) expansion in `command`
        # never depends on the controller's version.
        "env": [
            {
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": {
                    "fieldRef": {"fieldPath": f"metadata.annotations['{INDEX_ANNOTATION}']"}
                },
            }
        ],
        "envFrom": [{"secretRef": {"name": spec.secret}}],
    }
    if spec.working_dir:
        container["workingDir"] = spec.working_dir
    return container


def render(spec: JobSpec) -> str:
    """The Job as YAML, with a header saying how it was made and how to run it."""
    manifest = job(spec)
    header = (
        "# Generated by `alembic-baseline fleet manifest kubernetes`.\n"
        f"# {spec.shards} indexes, each `fleet apply --shard I/{spec.shards}` on a stable, "
        "disjoint share of the targets.\n"
        f"# Credentials: Secret {spec.secret!r} (envFrom); rerunning the Job is safe (finished "
        "targets are skipped).\n"
        "# kubectl apply -f job.yaml && kubectl wait --for=condition=complete "
        f"job/{spec.name} --timeout=1h\n"
    )
    return header + yaml.safe_dump(manifest, sort_keys=False, default_flow_style=False)
