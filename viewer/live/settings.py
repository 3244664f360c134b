"""The live-lecture settings, read from the environment, and a check of them for
``viewer serve`` (so a mistyped setting stops the server with a message, not a page later).

``VIEWER_LIVE_STORE``
    Where live sessions live: a ``redis://``, ``rediss://`` or ``unix://`` URL (Redis, for
    several app servers), or a SQLite file path. Default: ``live.sqlite3`` in the data folder.
``VIEWER_DATA_DIR``
    The data folder (default ``~/.local/share/us-case-viewer``).
``VIEWER_LIVE_REFRESH_S``
    Seconds between a follower's looks at the session, 0.2 to 10 (default 0.5): a larger room
    on a small server may trade follow latency for CPU.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import redis

from viewer.live.store import NotFound, open_store

LIVE_STORE_ENV = "VIEWER_LIVE_STORE"
DATA_DIR_ENV = "VIEWER_DATA_DIR"
REFRESH_ENV = "VIEWER_LIVE_REFRESH_S"
DEFAULT_REFRESH_S = 0.5
REFRESH_RANGE_S = (0.2, 10.0)


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    configured = environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    return Path.home() / ".local" / "share" / "us-case-viewer"


def store_setting(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(LIVE_STORE_ENV, "")


def _refresh(raw: str) -> float | None:
    """The refresh interval ``raw`` names, or ``None`` if it is not a number in range."""
    try:
        value = float(raw)
    except ValueError:
        return None
    low, high = REFRESH_RANGE_S
    return value if low <= value <= high else None


def refresh_s(environ: Mapping[str, str] = os.environ) -> float:
    """``VIEWER_LIVE_REFRESH_S``, or the default when unset or not valid (``viewer serve``
    refuses an invalid one before the app starts: see :func:`check`)."""
    raw = environ.get(REFRESH_ENV)
    value = _refresh(raw) if raw else None
    return DEFAULT_REFRESH_S if value is None else value


@dataclass(frozen=True)
class Check:
    """What :func:`check` found: ``errors`` stop ``viewer serve`` (a setting someone wrote is
    wrong); ``warnings`` do not (the default store cannot be used: the app serves cases, live
    sessions will fail with a message)."""

    errors: list[str]
    warnings: list[str]


def check(environ: Mapping[str, str] = os.environ) -> Check:
    """Check the live settings; every message complete. Opens the store once: a SQLite file
    is created if missing; a Redis server must answer."""
    errors: list[str] = []
    raw = environ.get(REFRESH_ENV)
    if raw and _refresh(raw) is None:
        low, high = REFRESH_RANGE_S
        errors.append(f"{REFRESH_ENV}: expected seconds from {low:g} to {high:g}, found {raw!r}")
    setting = store_setting(environ)
    store_problem = _store_problem(setting, data_dir(environ))
    if store_problem is None:
        return Check(errors, [])
    if setting:
        return Check([*errors, f"{LIVE_STORE_ENV}: {store_problem}"], [])
    return Check(errors, [f"live sessions are off: {store_problem} (set {LIVE_STORE_ENV} or "
                          f"{DATA_DIR_ENV} to a writable place)"])


def _store_problem(setting: str, folder: Path) -> str | None:
    where = setting or str(folder / "live.sqlite3")
    failed = f"cannot use the live store at {where}"
    try:
        store = open_store(setting or None, folder)
    except (OSError, ValueError, sqlite3.Error, redis.RedisError) as exc:
        return f"{failed}: {_reason(exc)}"
    try:
        store.state("no-such-session")  # one round trip: the store answers "no such session"
    except NotFound:
        pass
    except (OSError, sqlite3.Error, redis.RedisError) as exc:
        return f"{failed}: {_reason(exc)}"
    finally:
        store.close()
    return None


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
