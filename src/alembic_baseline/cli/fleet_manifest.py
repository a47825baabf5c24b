"""``alembic-baseline fleet manifest kubernetes``: print a ready Kubernetes Indexed Job.

The ``manifest`` group is attached to the ``fleet`` group with :func:`attach` (cli/fleet.py).
"""

from typing import Annotated

import typer

from alembic_baseline.cli._app import operation, state
from alembic_baseline.errors import ExitCode

manifest_app = typer.Typer(
    help="Manifests that run `fleet apply` on an existing engine (Kubernetes).",
    no_args_is_help=True,
)


@manifest_app.callback()
def manifest_group() -> None:
    """Manifests that run `fleet apply` on an existing engine (Kubernetes)."""
    # a callback keeps `manifest` a group of one command (typer would otherwise make the lone
    # command the group itself, and `kubernetes` would be read as an argument)


def attach(fleet_app: typer.Typer) -> None:
    """Add ``manifest`` to the ``fleet`` command group."""
    fleet_app.add_typer(manifest_app, name="manifest")


@manifest_app.command("kubernetes", **operation("alembic_baseline.commands.fleet:manifest"))
def kubernetes_cmd(
    ctx: typer.Context,
    image: Annotated[
        str,
        typer.Option(
            "--image", metavar="IMAGE", help="Image with the project and alembic-baseline."
        ),
    ],
    apply_args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[-- FLEET-APPLY-ARGS...]",
            help="Target selection and options for `fleet apply` (default: --targets "
            "targets.toml). Passwords belong in the Secret, not here.",
            show_default=False,
        ),
    ] = None,
    shards: Annotated[
        int, typer.Option("--shards", metavar="N", help="Indexes: each runs shard I/N.")
    ] = 4,
    parallelism: Annotated[
        int | None,
        typer.Option("--parallelism", metavar="P", help="Pods at once (default: --shards)."),
    ] = None,
    secret: Annotated[
        str,
        typer.Option(
            "--secret", metavar="NAME", help="Secret whose keys become the pods' environment."
        ),
    ] = "alembic-baseline-fleet",
    workers: Annotated[
        int, typer.Option("--workers", metavar="N", help="fleet apply --workers in each pod.")
    ] = 1,
    backoff_limit_per_index: Annotated[
        int,
        typer.Option(
            "--backoff-limit-per-index", metavar="N", help="Retries of a failed index (resumes)."
        ),
    ] = 2,
    max_failed_indexes: Annotated[
        int | None,
        typer.Option("--max-failed-indexes", metavar="N", help="Stop the Job after N failed."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="Job name.")] = "alembic-baseline-fleet",
    namespace: Annotated[str | None, typer.Option("--namespace", help="Job namespace.")] = None,
    alembic_config: Annotated[
        str | None,
        typer.Option(
            "--alembic-config", metavar="FILE", help="alembic.ini inside the image (-c FILE)."
        ),
    ] = None,
    working_dir: Annotated[
        str | None, typer.Option("--working-dir", metavar="DIR", help="Container workingDir.")
    ] = None,
    service_account: Annotated[
        str | None, typer.Option("--service-account", metavar="NAME", help="Pods' account.")
    ] = None,
    ttl: Annotated[
        int | None,
        typer.Option("--ttl", metavar="SECONDS", help="Delete the finished Job after SECONDS."),
    ] = 86400,
    deadline: Annotated[
        int | None,
        typer.Option("--deadline", metavar="SECONDS", help="activeDeadlineSeconds of the Job."),
    ] = None,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.fleet import manifest as checked
    from alembic_baseline.fleet import manifest

    st = state(ctx)
    spec = manifest.JobSpec(
        image=image,
        shards=shards,
        secret=secret,
        apply_args=tuple(apply_args) if apply_args else manifest.JobSpec.apply_args,
        name=name,
        namespace=namespace,
        parallelism=parallelism,
        workers=workers,
        backoff_limit_per_index=backoff_limit_per_index,
        max_failed_indexes=max_failed_indexes,
        ttl_seconds_after_finished=ttl,
        active_deadline_seconds=deadline,
        config=alembic_config,
        working_dir=working_dir,
        service_account=service_account,
    )
    job = checked(spec)
    if st.reporter.quiet:
        st.reporter.json(job)
    else:
        st.reporter.raw(manifest.render(spec))
    return ExitCode.OK
