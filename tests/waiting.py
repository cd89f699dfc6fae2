"""Not a test: what the tests of live servers share (JupyterLab, JupyterHub, in Chromium)."""

from __future__ import annotations

import contextlib
import socket
import time

import pytest


def free_port() -> int:
    """A TCP port of the loopback interface that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, seconds, what, seen=None):
    """CONDITION()'s first true value, asked every half second for SECONDS; else fail, saying
    WHAT was awaited and what SEEN() then gives. A condition that meets a page still being
    drawn (Selenium's WebDriverException: no such element yet, a stale one) is asked again."""
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(WebDriverException):
            value = condition()
            if value:
                return value
        time.sleep(0.5)
    pytest.fail(f"waited {seconds} s for {what}" + (f"; seen: {seen()}" if seen else ""))
