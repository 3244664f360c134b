"""The live settings from the environment, and the check ``viewer serve`` runs on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.conftest import RedisServer, free_port
from viewer.cli import main
from viewer.live import settings


def test_defaults(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path)}
    assert settings.refresh_s(environ) == 0.5
    assert settings.store_setting(environ) == ""
    assert settings.data_dir({"VIEWER_DATA_DIR": str(tmp_path / "d")}) == tmp_path / "d"


@pytest.mark.parametrize(("raw", "value"), [("0.2", 0.2), ("1", 1.0), ("10", 10.0)])
def test_refresh_in_range(raw: str, value: float) -> None:
    assert settings.refresh_s({"VIEWER_LIVE_REFRESH_S": raw}) == value


@pytest.mark.parametrize("raw", ["0.1", "11", "fast", "nan", "-1"])
def test_refresh_out_of_range_is_a_problem(raw: str, tmp_path: Path) -> None:
    environ = {"VIEWER_LIVE_REFRESH_S": raw, "VIEWER_DATA_DIR": str(tmp_path)}
    assert settings.refresh_s(environ) == 0.5  # the app falls back; the server refuses
    assert settings.check(environ) == settings.Check(
        [f"VIEWER_LIVE_REFRESH_S: expected seconds from 0.2 to 10, found {raw!r}"], []
    )


def test_a_good_setup_has_no_problems(tmp_path: Path) -> None:
    assert settings.check({"VIEWER_DATA_DIR": str(tmp_path / "new")}) == settings.Check([], [])
    assert (tmp_path / "new" / "live.sqlite3").is_file()


def test_a_sqlite_path_that_cannot_be_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    where = blocker / "live.sqlite3"
    found = settings.check({"VIEWER_LIVE_STORE": str(where)})
    [problem] = found.errors
    assert problem.startswith(f"VIEWER_LIVE_STORE: cannot use the live store at {where}: ")
    assert "File exists" in problem or "Not a directory" in problem
    assert found.warnings == []


def test_an_unusable_default_store_is_a_warning(tmp_path: Path) -> None:
    """Nobody asked for live sessions: the cases are still served, with a warning."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    found = settings.check({"VIEWER_DATA_DIR": str(blocker)})
    assert found.errors == []
    [warning] = found.warnings
    where = blocker / "live.sqlite3"
    assert warning.startswith(f"live sessions are off: cannot use the live store at {where}: ")
    assert warning.endswith(" (set VIEWER_LIVE_STORE or VIEWER_DATA_DIR to a writable place)")


def test_an_unreachable_redis(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    [problem] = settings.check({"VIEWER_LIVE_STORE": url}).errors
    assert problem.startswith(f"VIEWER_LIVE_STORE: cannot use the live store at {url}: ")
    assert "Connection refused" in problem


def test_a_malformed_redis_url() -> None:
    [problem] = settings.check({"VIEWER_LIVE_STORE": "redis://localhost:port/0"}).errors
    assert problem.startswith(
        "VIEWER_LIVE_STORE: cannot use the live store at redis://localhost:port/0: "
    )


def test_a_running_redis(redis_server: RedisServer) -> None:
    assert settings.check({"VIEWER_LIVE_STORE": redis_server.url}) == settings.Check([], [])


def test_viewer_serve_refuses_bad_live_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("VIEWER_LIVE_REFRESH_S", "0")
    monkeypatch.setenv("VIEWER_DATA_DIR", str(tmp_path))
    assert main(["serve"]) == 1
    assert capsys.readouterr().err == (
        "VIEWER_LIVE_REFRESH_S: expected seconds from 0.2 to 10, found '0'\n"
    )
