"""A small ClamAV daemon on loopback for the virus-scan tests: it speaks clamd's
INSTREAM protocol (`zINSTREAM\\0`, chunks each after a 4-byte big-endian length, a zero
length to end) and answers `stream: OK\\0`, or `stream: Eicar-Test-Signature FOUND\\0`
when the stream holds the EICAR test string. `clamd_server` points the settings at it
and yields it: `server.scanned` is every stream it read, in full."""

import socketserver
import struct
import threading

import pytest

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        stream = self.request.makefile("rb")
        command = stream.read(len(b"zINSTREAM\0"))
        if command != b"zINSTREAM\0":
            self.request.sendall(b"UNKNOWN COMMAND\0")
            return
        data = bytearray()
        while True:
            (length,) = struct.unpack(">I", stream.read(4))
            if length == 0:
                break
            data += stream.read(length)
        self.server.scanned.append(bytes(data))
        if EICAR in data:
            self.request.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        else:
            self.request.sendall(b"stream: OK\0")


class ClamdServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.scanned: list[bytes] = []


@pytest.fixture
def clamd_server(settings):
    server = ClamdServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMAV_HOST, settings.CLAMAV_PORT = server.server_address
    settings.CLAMAV_SOCKET = ""
    yield server
    server.shutdown()
    server.server_close()
