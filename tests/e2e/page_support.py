"""Support for the browser tests: Debian's Chromium through Playwright, and PNG pixels.

The browser is ``/usr/bin/chromium`` (``apt-get install chromium``; Playwright's own browser
download is not used). Without it, or without the built page (``make web``), the tests skip
saying why, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("WELLCLEAR_CHROMIUM", "/usr/bin/chromium"))
# The closed network refuses Chromium's own connections: keep it from trying.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]  # fmt: skip
REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
WEB_DIST = WEB / "dist"
SCREENSHOTS = REPO / "out" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests must run under CI=true: {reason}")
    pytest.skip(reason)


def check_prerequisites() -> None:
    try:
        import playwright.sync_api  # noqa: F401, PLC0415
    except ImportError:
        unavailable("PyPI playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.is_file():
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    if not (WEB_DIST / "index.html").is_file():
        unavailable(f"the page is not built ({WEB_DIST}): make web")


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what
    Chromium's screenshots are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8, "not an 8-bit PNG"
    assert colour in (2, 6), "not an RGB or RGBA PNG"
    assert interlace == 0, "an interlaced PNG"
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    pixels = [(row[i], row[i + 1], row[i + 2]) for row in rows for i in range(0, stride, channels)]
    return width, height, pixels


def colour_counts(data: bytes) -> Counter[tuple[int, int, int]]:
    _, _, pixels = png_pixels(data)
    return Counter(pixels)


def near(colour: tuple[int, int, int], target: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target, strict=True))


def hex_colour(text: str) -> tuple[int, int, int]:
    text = text.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
