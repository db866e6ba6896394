"""A virus scan through a ClamAV daemon (clamd), when one is configured.

`CLAMAV_SOCKET` (a Unix socket) or `CLAMAV_HOST` and `CLAMAV_PORT` (TCP) name it. The
file is streamed to clamd with its INSTREAM command (`zINSTREAM\\0`, then chunks each
after its length as 4 bytes big-endian, then a zero length); clamd answers
`stream: OK`, `stream: <signature> FOUND` or `... ERROR`.

This is a minimal client of our own: the clamd clients on PyPI (`clamd`, `pyclamd`)
have had no release for years, and the protocol is these few lines.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

__all__ = ["ScanError", "ScanResult", "scan_configured", "scan_chunks"]

CHUNK_BYTES = 64 * 1024


class ScanError(Exception):
    """The scan could not be done (no daemon, an error answer): the file stays unchecked."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


def scan_configured() -> bool:
    return bool(settings.CLAMAV_SOCKET or settings.CLAMAV_HOST)


def _connect() -> socket.socket:
    if settings.CLAMAV_SOCKET:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(settings.CLAMAV_TIMEOUT)
        connection.connect(settings.CLAMAV_SOCKET)
        return connection
    return socket.create_connection(
        (settings.CLAMAV_HOST, settings.CLAMAV_PORT), timeout=settings.CLAMAV_TIMEOUT
    )


def scan_chunks(chunks: Iterable[bytes]) -> ScanResult:
    """Scan what `chunks` yields (a file read piece by piece)."""
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                for start in range(0, len(chunk), CHUNK_BYTES):
                    piece = chunk[start : start + CHUNK_BYTES]
                    connection.sendall(struct.pack(">I", len(piece)) + piece)
            connection.sendall(struct.pack(">I", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                received = connection.recv(4096)
                if not received:
                    break
                answer += received
    except OSError as error:
        raise ScanError(f"The virus scanner could not be reached: {error}") from error
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    verdict = text.split(":", 1)[1].strip() if ":" in text else text
    if verdict == "OK":
        return ScanResult(clean=True)
    if verdict.endswith(" FOUND"):
        return ScanResult(clean=False, signature=verdict.removesuffix(" FOUND").strip())
    raise ScanError(f"The virus scanner answered: {text or 'nothing'}")
