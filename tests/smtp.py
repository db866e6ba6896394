"""A real SMTP server on loopback (aiosmtpd) for the email tests, on a free port.

`smtp_server` starts it and points the app's default mailer at it; the test reads what
arrived (`server.messages`, parsed emails), makes it refuse recipients with a 550
(`server.refuse`) or stops it (`server.stop()`: the server is down) and starts it again.
"""

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps every message it accepts (as bytes: parsing them in
    the server's thread would slow the sender down)."""

    received: list = field(default_factory=list)
    refuse: set = field(default_factory=set)  # addresses answered "550"
    refuse_all: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse_all or address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(envelope.content)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.mailbox = Mailbox()
        self.controller = None

    @property
    def messages(self) -> list:
        """What arrived, parsed, in order."""
        return [
            email.message_from_bytes(content, policy=email.policy.default)
            for content in self.mailbox.received
        ]

    def clear(self) -> None:
        self.mailbox.received.clear()

    @property
    def refuse(self) -> set:
        return self.mailbox.refuse

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def mailer_settings(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp_server(settings):
    """A running loopback SMTP server, with the app set to send through it."""
    server = SmtpServer(free_port())
    server.start()
    settings.MAILERS = mailer_settings(server.port)
    settings.OUTBOX_SENDS = True
    try:
        yield server
    finally:
        server.stop()
