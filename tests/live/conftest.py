"""Fixtures of the live-lecture store tests: every test runs on both backends.

The Redis backend runs against a real ``redis-server`` started here on a free port in a
temporary folder (append-only file on, like a production setup) and stopped afterwards. Without
``redis-server`` the Redis half is skipped with a reason; with ``CI=true`` it fails instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from viewer.live.redis_store import RedisStore
from viewer.live.sqlite_store import SqliteStore
from viewer.live.store import Limits, LiveStore

REDIS_SERVER = shutil.which("redis-server")
NO_REDIS = "no redis-server found (apt-get install redis-server)"
BACKENDS = ("sqlite", "redis")

StoreFactory = Callable[..., LiveStore]
"""``make_store(**limits)``: a store on the test's backing (file or Redis database); each call
opens another store object on the same backing, as another server process would."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A ``redis-server`` of our own, in ``folder``, that can be stopped and started again."""

    def __init__(self, folder: Path, *options: str) -> None:
        if REDIS_SERVER is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true but {NO_REDIS}: .ci/run must install redis-server")
            pytest.skip(NO_REDIS)
        self.folder = folder
        self.port = free_port()
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--appendonly", "yes", "--save", "",
             "--logfile", str(self.folder / "redis.log"), *self.options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "redis.log").read_text(errors="replace")
                    raise RuntimeError(f"redis-server did not start:\n{log}") from None
                time.sleep(0.02)
        client.close()

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGTERM (a clean shutdown) or SIGKILL (a crash)."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[StoreFactory]:
    opened: list[LiveStore] = []
    if backend == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        with redis.Redis.from_url(server.url) as client:
            client.flushdb()

        def factory(**limits: Any) -> LiveStore:
            store: LiveStore = RedisStore(server.url, limits=Limits(**limits))
            opened.append(store)
            return store
    else:
        def factory(**limits: Any) -> LiveStore:
            store: LiveStore = SqliteStore(tmp_path / "data" / "live.sqlite3",
                                           limits=Limits(**limits))
            opened.append(store)
            return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: StoreFactory) -> LiveStore:
    return make_store()
