"""A real headless browser for the HTML report: Debian's ``chromium`` (``.ci/run`` installs it).

No network: every host name resolves to nothing (``--host-resolver-rules``), so a page that
needed to fetch anything would show it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str:
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "no headless browser on this machine: install Debian's chromium "
        "(apt-get install -y chromium; .ci/run does it)"
    )


def _run(page: Path, tmp: Path, *action: str) -> subprocess.CompletedProcess[str]:
    argv = [
        browser(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp / 'profile'}",
        "--virtual-time-budget=20000", "--window-size=900,600", *action, page.as_uri(),
    ]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, check=True)


def dump_dom(page: Path, tmp: Path) -> str:
    """The DOM after the page's scripts ran."""
    return _run(page, tmp, "--dump-dom").stdout


def screenshot(page: Path, tmp: Path) -> Path:
    shot = tmp / "screenshot.png"
    _run(page, tmp, f"--screenshot={shot}")
    return shot


def distinct_colours(png: Path, rows: int = 400) -> int:
    """How many distinct RGB(A) pixels the PNG's first ``rows`` rows hold (8-bit RGB/RGBA)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(min(height, rows)):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        row = _unfilter(line[0], bytearray(line[1:]), previous, channels)
        colours.update(bytes(row[x : x + channels]) for x in range(0, stride, channels * 7))
        previous = row
    return len(colours)


def _unfilter(kind: int, row: bytearray, prev: bytearray, bpp: int) -> bytearray:
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up = prev[i]
        corner = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            row[i] = (row[i] + left) & 0xFF
        elif kind == 2:
            row[i] = (row[i] + up) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            row[i] = (row[i] + pred) & 0xFF
    return row
