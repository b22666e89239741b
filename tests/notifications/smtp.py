"""A real SMTP server for tests (aiosmtpd on a free local port) that records what arrives."""

from __future__ import annotations

import asyncio
import email
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Recorder:
    """aiosmtpd handler: keeps every accepted message; can refuse or slow down on demand."""

    messages: list[Message] = field(default_factory=list)
    refuse_recipients: set[str] = field(default_factory=set)
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_recipients:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(self) -> dict[str, object]:
        return {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_TIMEOUT_SECONDS": 5,
        }


def flask_process(
    app_config: dict[str, Any], smtp: SmtpServer, *args: str, **settings: str
) -> subprocess.Popen[str]:
    """Run ``flask --app learnpath ARGS`` as its own process on the test database, sending
    mail to ``smtp``; ``settings`` are extra LEARNPATH_* values (e.g. OUTBOX_LEASE_SECONDS)."""
    env = {
        **os.environ,
        "LEARNPATH_DATABASE_URL": app_config["DATABASE_URL"],
        "LEARNPATH_SECRET_KEY": app_config["SECRET_KEY"],
        "LEARNPATH_MAIL_BACKEND": "smtp",
        "LEARNPATH_SMTP_HOST": "127.0.0.1",
        "LEARNPATH_SMTP_PORT": str(smtp.port),
        **{f"LEARNPATH_{key}": value for key, value in settings.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "learnpath", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
