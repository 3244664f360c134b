"""Safe file writing: whole or nothing, readable by others."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from viewer.files import FILE_MODE, write_atomic


def test_writes_whole_file_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.bin"
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == FILE_MODE
    write_atomic(target, b"newer")
    assert target.read_bytes() == b"newer"
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]  # no temporary left


def test_failure_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("viewer.files.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
