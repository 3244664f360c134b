"""Our rendering of every public ultrasound / secondary-capture sample against a reference.

The reference is an independent renderer: Debian's dcmtk (``dcmj2pnm``, with its JPEG
codecs) and, for what dcmtk cannot decode (JPEG 2000, JPEG-LS, segmented palettes, 32-bit
samples in OB), GDCM's ``gdcmconv --raw`` first (Debian packages dcmtk and libgdcm-tools).
Greyscale files are windowed the way our pipeline windows them: the file's first VOI LUT or
window if it has one, otherwise 8-bit MONOCHROME2 as stored and anything else by min-max.

The sample table (tests/samples.py) says which reference renders each file and how closely
we must agree, and is itself checked against what the packages ship. Lossless variants of
one image must render identically. Files that our pipeline cannot show must fail with a
one-line ImageError that names the file and says why.

Skipped with a reason when dcmj2pnm, dcmodify or gdcmconv is missing; required when CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from numpy.typing import NDArray
from PIL import Image
from pydicom.dataset import Dataset

from tests.samples import (
    DECODED_PAIRS,
    IMPLICIT,
    LOSSLESS_SETS,
    LOSSY,
    REFERENCE_SAMPLES,
    ReferenceSample,
    Tolerance,
    package_file,
)
from viewer.errors import ImageError
from viewer.imaging.frames import Frame, decode_frame

TOOLS = {name: shutil.which(name) for name in ("dcmj2pnm", "dcmodify", "gdcmconv")}
MULTIFRAME_TRUE_COLOR_SC = "1.2.840.10008.5.1.4.1.1.7.4"
BY_ID = {sample.id: sample for sample in REFERENCE_SAMPLES}

# SC_rgb_jpeg.dcm's data set is implicit VR under an explicit VR transfer syntax; pydicom
# reads it and says so.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Expected explicit VR, but found implicit VR:UserWarning"
)


def _require_tools() -> None:
    missing = [name for name, found in TOOLS.items() if found is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not on PATH (Debian packages dcmtk, libgdcm-tools)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {message}: .ci/run must install them")
    pytest.skip(message)


# --- the samples --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_path(tmp_path_factory: pytest.TempPathFactory) -> Callable[[ReferenceSample], Path]:
    """The file of a sample; a zip archive's member is extracted once per session."""
    folder = tmp_path_factory.mktemp("zip-members")

    def path(sample: ReferenceSample) -> Path:
        if sample.member is None:
            return sample.path
        target = folder / sample.member
        if not target.exists():
            with zipfile.ZipFile(sample.path) as archive:
                archive.extract(sample.member, folder)
        return target

    return path


Rendered = dict[tuple[str, int], Frame | ImageError]


@pytest.fixture(scope="session")
def rendered() -> Rendered:
    """Our frames, decoded once per session: (sample id, frame) -> frame or the error."""
    return {}


def _render(rendered: Rendered, path: Path, sample: ReferenceSample, frame: int) -> Frame:
    key = (sample.id, frame)
    if key not in rendered:
        try:
            rendered[key] = decode_frame(path, frame)[1]
        except ImageError as exc:
            rendered[key] = exc
    result = rendered[key]
    if isinstance(result, ImageError):
        raise result
    return result


def _is_listed(ds: Dataset) -> bool:
    sop = ds.get("SOPClassUID")
    name = sop.name if sop is not None else ""
    return "Rows" in ds and (
        ds.get("Modality") == "US" or "Ultrasound" in name or "Secondary Capture" in name
    )


def _shipped() -> Iterator[tuple[str, str, str | None, Dataset]]:
    """Every DICOM data set in the three packages (zip archives opened), headers only."""
    for package in ("pydicom", "data_store", "deid_data"):
        root = package_file(package, "")
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix in {".py", ".pyc", ".pyi", ".typed"}:
                continue
            relative = path.relative_to(root).as_posix()
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        with archive.open(member) as stream:
                            yield package, relative, member, _header(stream)
            else:
                yield package, relative, None, _header(path)


def _header(source: object) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(source, stop_before_pixels=True, force=True)  # type: ignore[arg-type]
        except Exception:  # not DICOM at all: no Rows, so not listed
            return Dataset()


def test_table_lists_every_shipped_sample() -> None:
    found = {}
    for package, relative, member, ds in _shipped():
        if _is_listed(ds):
            meta = getattr(ds, "file_meta", None)
            syntax = meta.get("TransferSyntaxUID") if meta is not None else None
            found[(package, relative, member)] = (
                str(ds.get("PhotometricInterpretation", "")),
                str(syntax) if syntax else IMPLICIT,
                int(ds.get("NumberOfFrames", 1) or 1),
            )
    table = {
        (s.package, s.relative, s.member): (s.photometric, s.transfer_syntax_uid, s.frames)
        for s in REFERENCE_SAMPLES
    }
    assert sorted(set(found) - set(table)) == [], "shipped but missing from REFERENCE_SAMPLES"
    assert sorted(set(table) - set(found)) == [], "in REFERENCE_SAMPLES but not shipped"
    wrong = {key: (table[key], found[key]) for key in table if table[key] != found[key]}
    assert wrong == {}, "declared (photometric, syntax, frames) differ: (table, file)"


# --- the reference --------------------------------------------------------------------------


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"reference tool failed (exit {result.returncode}): {' '.join(command)}\n"
            f"{result.stderr.strip()}"
        )


def dcmtk_voi_options(ds: Dataset) -> list[str]:
    """dcmj2pnm's VOI options that mirror our greyscale display rule (frames.py)."""
    photometric = str(ds.get("PhotometricInterpretation", ""))
    if not photometric.startswith("MONOCHROME"):
        return []
    if ds.get("VOILUTSequence"):
        return ["--use-voi-lut", "1"]
    if ds.get("WindowCenter") is not None and ds.get("WindowWidth") is not None:
        return ["--use-window", "1"]
    if photometric == "MONOCHROME2" and ds.BitsAllocated == 8 and ds.PixelRepresentation == 0:
        return []  # stored values shown as they are, as dcmtk does with no VOI
    return ["--min-max-window"]


def reference_frames(
    sample: ReferenceSample, path: Path, workdir: Path
) -> tuple[dict[int, NDArray[np.uint8]], str]:
    """The reference's frames of a sample, and the commands that made them."""
    source = path
    commands: list[str] = []
    if sample.reference == "gdcm-multiframe":
        # GDCM will not write two frames as (single-frame) Secondary Capture Image Storage:
        # a copy relabelled Multi-frame True Color SC by dcmtk's dcmodify goes through.
        source = workdir / "multiframe.dcm"
        shutil.copyfile(path, source)
        command = [
            str(TOOLS["dcmodify"]), "--no-backup",
            "--modify", f"(0008,0016)={MULTIFRAME_TRUE_COLOR_SC}", str(source),
        ]
        _run(command)
        commands.append(" ".join(command))
    if sample.reference in ("gdcm", "gdcm-multiframe"):
        raw = workdir / "raw.dcm"
        command = [str(TOOLS["gdcmconv"]), "--raw", str(source), str(raw)]
        _run(command)
        commands.append(" ".join(command))
        source = raw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(source, stop_before_pixels=True, force=True)
    frames = {}
    for frame in sample.frames_checked:
        out = workdir / f"reference-{frame}.pnm"
        command = [
            str(TOOLS["dcmj2pnm"]), "--write-raw-pnm", "--no-overlays",
            "--frame", str(frame + 1), *dcmtk_voi_options(ds), str(source), str(out),
        ]
        _run(command)
        commands.append(" ".join(command))
        with Image.open(out) as image:
            frames[frame] = np.asarray(image, dtype=np.uint8).copy()
    return frames, "\n  ".join(commands)


def _save(frame: NDArray[np.uint8], path: Path) -> str:
    Image.fromarray(frame).save(path)
    return str(path)


def _disagreement(
    ours: Frame, reference: NDArray[np.uint8], tolerance: Tolerance, workdir: Path, label: str
) -> tuple[str | None, str]:
    """(failure message or None, one-line summary) of our frame against the reference."""
    if ours.shape != reference.shape:
        return f"{label}: shape {ours.shape}, reference {reference.shape}", "shape differs"
    signed = ours.astype(np.int16) - reference.astype(np.int16)
    diff = np.abs(signed)
    worst, mean = int(diff.max()), float(diff.mean())
    summary = f"max abs diff {worst}, mean abs diff {mean:.4f}"
    if worst <= tolerance.max_abs and mean <= tolerance.mean_abs:
        return None, summary
    bias = signed.reshape(-1, signed.shape[-1] if signed.ndim == 3 else 1).mean(axis=0)
    coords = np.argwhere(diff.reshape((*diff.shape[:2], -1)).max(axis=-1) > tolerance.max_abs)
    examples = ", ".join(
        f"(row {r}, col {c}) ours {ours[r, c].tolist()} ref {reference[r, c].tolist()}"
        for r, c in coords[:5]
    )
    pictures = (
        f"ours {_save(ours, workdir / f'{label}-ours.png')}, "
        f"reference {_save(reference, workdir / f'{label}-reference.png')}, "
        f"|diff| x16 {_save(np.clip(diff * 16, 0, 255).astype(np.uint8), workdir / f'{label}-diff.png')}"
    )
    return (
        f"{label}: {summary} (allowed {tolerance.max_abs} / {tolerance.mean_abs}: "
        f"{tolerance.why}); {int((diff > 0).sum())} of {diff.size} values differ, "
        f"mean signed diff per channel {np.round(bias, 3).tolist()}; "
        f"{len(coords)} pixels over the max, e.g. {examples or 'none'}; {pictures}",
        summary,
    )


@pytest.mark.parametrize("sample", REFERENCE_SAMPLES, ids=lambda s: s.id)
def test_matches_reference(
    sample: ReferenceSample,
    sample_path: Callable[[ReferenceSample], Path],
    rendered: Rendered,
    tmp_path: Path,
) -> None:
    path = sample_path(sample)
    try:
        ours = {frame: _render(rendered, path, sample, frame) for frame in sample.frames_checked}
    except ImageError as exc:
        if sample.cannot_show is None:
            raise
        message = str(exc)
        assert type(exc).__name__ == sample.cannot_show.error, message
        assert message.startswith(f"{path}: "), message
        assert sample.cannot_show.reason in message, message
        assert "\n" not in message, message
        return
    _require_tools()
    references, commands = reference_frames(sample, path, tmp_path)
    failures, summaries = [], []
    for frame, ours_frame in ours.items():
        failure, summary = _disagreement(
            ours_frame, references[frame], sample.tolerance, tmp_path, f"frame{frame}"
        )
        summaries.append(f"frame {frame}: {summary}")
        if failure:
            failures.append(failure)
    print(f"{sample.id}: {sample.reference}: " + "; ".join(summaries))
    assert not failures, f"{path} disagrees with the reference\n  {commands}\n" + "\n".join(
        failures
    )


# --- variants of one image ------------------------------------------------------------------


def _decodable(
    members: tuple[tuple[str, int], ...],
    sample_path: Callable[[ReferenceSample], Path],
    rendered: Rendered,
) -> dict[tuple[str, int], Frame]:
    frames = {}
    for sample_id, frame in members:
        sample = BY_ID[sample_id]
        try:
            frames[(sample_id, frame)] = _render(rendered, sample_path(sample), sample, frame)
        except ImageError:
            if sample.cannot_show is None:
                raise  # only samples known to be unshowable may drop out
    if len(frames) < 2:
        pytest.skip("fewer than two of these variants can be decoded with the plugins installed")
    return frames


@pytest.mark.parametrize(
    "members", LOSSLESS_SETS, ids=lambda members: f"{members[0][0]}-{members[0][1]}"
)
def test_lossless_variants_agree_exactly(
    members: tuple[tuple[str, int], ...],
    sample_path: Callable[[ReferenceSample], Path],
    rendered: Rendered,
) -> None:
    frames = _decodable(members, sample_path, rendered)
    (first, expected), *others = frames.items()
    differ = {}
    for key, frame in others:
        if frame.shape != expected.shape:
            differ[key] = f"shape {frame.shape} vs {expected.shape}"
        elif not np.array_equal(frame, expected):
            diff = np.abs(frame.astype(np.int16) - expected)
            differ[key] = f"max abs diff {int(diff.max())}, {int((diff > 0).sum())} values differ"
    assert differ == {}, f"differ from {first}"


@pytest.mark.parametrize("pair", DECODED_PAIRS, ids=lambda pair: pair[0])
def test_lossy_files_agree_with_their_decompressed_copies(
    pair: tuple[str, str],
    sample_path: Callable[[ReferenceSample], Path],
    rendered: Rendered,
    tmp_path: Path,
) -> None:
    frames = _decodable(((pair[0], 0), (pair[1], 0)), sample_path, rendered)
    lossy, decompressed = frames.values()
    failure, _ = _disagreement(lossy, decompressed, LOSSY, tmp_path, pair[0])
    assert failure is None, failure


def test_cropped_example_is_its_source(
    sample_path: Callable[[ReferenceSample], Path], rendered: Rendered
) -> None:
    # pydicom's examples_palette.dcm is OBXXXX1A.dcm with its rows cut to 350.
    source, cropped = BY_ID["OBXXXX1A"], BY_ID["examples_palette"]
    whole = _render(rendered, sample_path(source), source, 0)
    part = _render(rendered, sample_path(cropped), cropped, 0)
    assert np.array_equal(whole[: part.shape[0]], part)
