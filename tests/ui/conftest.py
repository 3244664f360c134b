"""Shared pieces of the real-browser tests: Chromium through Playwright and a served app.

The browser test modules skip themselves with a reason when no Chromium is found (failing
instead when CI=true); screenshots go to ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from viewer.cli import APP_PATH, serve_command
from viewer.paths import CASES_DIR_ENV

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NO_CHROMIUM = "no Chromium found (install Debian's chromium)"


def skip_without_chromium() -> None:
    """Skip the calling test module when Chromium is missing, unless CI=true (then it fails)."""
    if CHROMIUM is None and os.environ.get("CI") != "true":
        pytest.skip(NO_CHROMIUM, allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """The viewer served as ``viewer serve`` would, on ``cases``, with extra environment
    variables; it can be killed (SIGKILL, a crash) and started again on the same port."""

    def __init__(self, cases: Path, app: Path = APP_PATH, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        assert CHROMIUM is not None, "CI=true but no Chromium: .ci/run must install chromium"
        self.cases = cases
        self.app = app
        self.env = {**os.environ, CASES_DIR_ENV: str(cases), **(env or {})}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [str(self.app) if part == str(APP_PATH) else part
                   for part in serve_command(self.cases, self.port, "127.0.0.1")]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env
        )
        self.process = process
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                output = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"the app did not start:\n{output}")
            time.sleep(0.3)  # waiting for a server process, not between browser events

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash or a power cut of the app server."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=20)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@contextmanager
def serving(
    cases: Path, app: Path = APP_PATH, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run ``app`` (the viewer by default) as ``viewer serve`` would, on ``cases``; yield its URL."""
    server = AppServer(cases, app, env)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def new_page(browser: object, width: int = 1600, height: int = 1000) -> tuple[object, list[str]]:
    """A page in a fresh context, with the list its uncaught errors are collected in."""
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    page, errors = new_page(browser)
    yield page
    page.context.close()  # type: ignore[attr-defined]
    assert errors == [], f"page errors: {errors}"


def open_case(page: object, url: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.locator(".cv[data-ready]").wait_for(timeout=30_000)  # type: ignore[attr-defined]


def visible_step(page: object) -> object:
    return page.locator("article.cv-step:visible")  # type: ignore[attr-defined]


def shot(page: object, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)  # type: ignore[attr-defined]
