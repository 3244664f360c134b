"""The viewer command: exit codes, one line per problem, JSON info, rendering."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import BUNDLED, CaseFactory
from tests.samples import package_file
from viewer.cli import main, serve_command


def test_validate_bundled_cases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BUNDLED.parent)]) == 0
    assert capsys.readouterr().out == f"ok: {BUNDLED} (scar-carcinoma, 8 steps)\n"


def test_validate_reports_every_problem(make_case: CaseFactory, capsys: pytest.CaptureFixture[str]) -> None:
    broken = make_case(
        ("images/pydicom-data_US1_UNCR.dcm", "images/a.dcm"),
        ("head_px = [300, 178]", "head_px = [300, 178]"),
        name="broken",
    )
    good = make_case(name="good")
    missing = broken.parent / "missing"
    assert main(["validate", str(broken), str(good), str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == f"ok: {good} (scar-carcinoma, 8 steps)\n"
    assert err.splitlines() == [
        f"{broken}/case.toml: steps[5].images[1].file: 'images/a.dcm' not found in {broken}",
        f"{missing}: (folder): not found or not a folder",
        "2 problem(s) in 2 case folder(s)",
    ]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2
    assert "the following arguments are required: PATH" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["serve", "validate", "info", "render", "build-demo"])
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert f"usage: viewer {command}" in capsys.readouterr().out


def test_info_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = package_file("data_store", "data/gdcm-US-ALOKA-16.dcm")
    assert main(["info", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {k: info[k] for k in ("modality", "rows", "columns", "frames",
                                 "photometric_interpretation", "transfer_syntax",
                                 "frame_time_ms")} == {
        "modality": "US", "rows": 480, "columns": 640, "frames": 1,
        "photometric_interpretation": "PALETTE COLOR",
        "transfer_syntax": "Implicit VR Little Endian", "frame_time_ms": None,
    }
    assert info["mm_per_pixel"] == [0.382653, 0.382653]
    assert [r["data_type"] for r in info["regions"]] == ["tissue", "tissue", "gray bar"]


def test_info_multiframe_frame_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(package_file("data_store", "data/color3d_jpeg_baseline.dcm"))]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["frames"] == 120 and info["frame_time_ms"] == pytest.approx(33.33, abs=0.5)


def test_info_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(tmp_path / "x.dcm")]) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'x.dcm'}: file not found\n"


def test_render_writes_faithful_png(tmp_path: Path) -> None:
    source = package_file("data_store", "data/US1_UNCR.dcm")
    out = tmp_path / "sub" / "us1.png"
    assert main(["render", str(source), "--out", str(out)]) == 0
    rendered = np.asarray(Image.open(out))
    import pydicom

    assert np.array_equal(rendered, pydicom.dcmread(source).pixel_array)
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind


def test_render_failure_leaves_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.dcm"
    bad.write_text("nope")
    out = tmp_path / "out.png"
    assert main(["render", str(bad), "--out", str(out)]) == 1
    assert not out.exists()
    assert "not a DICOM" in capsys.readouterr().err


def test_serve_command_is_headless_and_fast() -> None:
    command = serve_command(BUNDLED.parent, 8600, "0.0.0.0")
    joined = " ".join(command)
    for flag in ("--server.headless true", "--server.port 8600", "--server.address 0.0.0.0",
                 "--server.fileWatcherType none", "--browser.gatherUsageStats false"):
        assert flag in joined


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "viewer.cli", "validate", str(BUNDLED)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_serve_missing_cases_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert main(["serve", "--cases", str(missing)]) == 1
    assert capsys.readouterr().err == f"{missing}: (folder): not found or not a folder\n"


def test_render_frame_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = package_file("data_store", "data/US1_UNCR.dcm")
    assert main(["render", str(source), "--out", str(tmp_path / "x.png"), "--frame", "3"]) == 1
    assert capsys.readouterr().err == f"{source}: has frames 0 to 0, frame 3 was asked for\n"
    assert list(tmp_path.iterdir()) == []


def test_render_hides_burned_in_text(tmp_path: Path) -> None:
    source = package_file("deid_data", "data/ultrasounds/GREYSCALE_IMAGE.dcm")
    out = tmp_path / "hidden.png"
    assert main(["render", str(source), "--out", str(out), "--hide-burned-in-text"]) == 0
    assert np.asarray(Image.open(out))[:38].max() == 0


def test_build_demo_one_panel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    folder = tmp_path / "scar-carcinoma"
    shutil.copytree(BUNDLED, folder)
    before = (folder / "images" / "generated" / "D_sonogram.dcm").read_bytes()
    (folder / "images" / "generated" / "D_sonogram.dcm").unlink()
    assert main(["build-demo", "--case", str(folder), "--panel", "d"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"wrote {folder}/images/generated/D_sonogram.dcm",
        out.splitlines()[1],  # "built 1 images in N s; validating ..."
        f"ok: {folder} (scar-carcinoma, 8 steps)",
    ]
    assert out.splitlines()[1].startswith("built 1 images in ")
    assert err.splitlines() == [
        "[0/2] panel D: generating",
        "[2/2] wrote 1 images and case.toml",
    ]
    assert (folder / "images" / "generated" / "D_sonogram.dcm").read_bytes() == before
    assert (folder / "case.toml").read_text() == (BUNDLED / "case.toml").read_text()


def test_build_demo_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build-demo", "--case", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"{tmp_path}: (folder): not a case folder (no case.toml)\n"
    assert main(["build-demo", "--case", str(BUNDLED), "--panel", "Z", "--panel", "Q"]) == 2
    assert capsys.readouterr().err == "--panel: no generator for Z, Q; panels are A, B, C, D, E, F, G, H\n"


def test_build_demo_manifest_without_the_panel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "case.toml").write_text('id = "one"\n[[steps]]\npanel = "A"\n', encoding="utf-8")
    assert main(["build-demo", "--case", str(folder), "--panel", "C"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"{folder}/case.toml: steps: the manifest has no step for panel(s) C"
    assert not (folder / "images").exists()
