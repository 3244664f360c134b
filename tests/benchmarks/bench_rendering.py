"""Rendering benchmark: our display frames against pydicom's own decode, per sample file.

Run from the repository root (the one holding ``pyproject.toml``)::

    python -m tests.benchmarks.bench_rendering [--repeats N] [--json OUT]

The file is not named ``test_*.py`` so pytest does not collect it. Nothing is written
except ``OUT``.

Samples
    Every DICOM file holding pixel data whose Modality is US, or whose SOP class is
    Ultrasound (Multi-frame) Image Storage or any Secondary Capture flavour, found in the
    installed packages pydicom (``pydicom/data/test_files``), pydicom-data
    (``data_store/data``) and deid-data (``deid_data/data``). Files our pipeline cannot
    decode (no installed decoder plugin, no DICM preamble, ...) are listed as skipped
    with the viewer's own error message; so are files pydicom itself cannot decode.

Per sample, frame 0, all times in milliseconds, median of ``--repeats`` (default 7):

    pydicom   ``ds = pydicom.dcmread(path); pydicom.pixels.pixel_array(ds, index=...)``
              with ``index=0`` for multi-frame files and ``None`` otherwise: the first
              frame as pydicom returns it, its default YBR->RGB conversion included, no
              palette, modality or VOI LUT applied. From path to array.
    +LUTs     the same, followed by pydicom's own LUT functions as the file asks:
              ``apply_color_lut`` for PALETTE COLOR, ``apply_modality_lut`` then
              ``apply_voi_lut`` for MONOCHROME1/2 (a no-op where the file has none).
              The goal's baseline: "pydicom's decode, colour conversion and LUTs
              included".
    render    ``decode_frame(path, 0)`` then ``hide_outside_regions(frame, header.regions)``
              (``viewer.imaging.frames`` / ``viewer.imaging.display``): from path to the
              uint8 grey or RGB display frame, colour conversion and LUTs included.
    ratio     ``render / +LUTs``; goal ``<= 1.3``. ``vs dec``: ``render / pydicom``.
    encode    ``encode_png(frame)`` of that display frame, a separate cost (not in ratio).
    cached    ``viewer.ui.cache.display_png(str(path), mtime_ns, 0, True)`` as the app calls
              it, after one warming call; median of ``--cached-calls`` (default 200) hits
              of Streamlit's ``st.cache_resource`` in bare mode (no server); goal ``< 2``.

    Every repeat reads the file afresh (no dataset or array is reused). Each sample gets
    one unmeasured warm-up of both paths first (decoder plugins are imported lazily on
    first use), then the repeats alternate which path runs first, so both share the
    machine's noise. As in ``timeit``, the garbage collector is paused during each timed
    call and run between calls. Warnings are silenced for both paths alike.

Cine (``data_store/data/color3d_jpeg_baseline.dcm``: 120 frames, JPEG baseline,
YBR_FULL_422), time to first frame from a cold start
    Each run is a fresh ``python`` process that imports what it needs (numpy, pydicom,
    Pillow, ``viewer.imaging``), then measures with ``perf_counter`` from the path to
    the first display frame as PNG bytes: ``decode_frame(path, 0)`` (which reads the
    header, then the dataset, then decodes frame 0), ``hide_outside_regions``,
    ``encode_png``. Interpreter start-up and imports are excluded, lazily imported
    decoder plugins are not (they are part of the first frame). Median of ``--cine-runs``
    processes (default: ``--repeats``); goal ``< 1000 ms``. For scale, the same cold
    measurement of pydicom's decode of frame 0 runs in its own processes.

    The app itself shows a multi-frame image through ``viewer.imaging.cine.web_frames``
    (cached by ``viewer.ui.cache.cine``), which returns every frame at once, so nothing
    is shown before all frames are ready: that call is timed the same way, cold, with
    ``hide_text`` True and False, and held to the same goal.

Breakdown
    For files over the ratio goal, the steps ``decode_frame`` + ``hide_outside_regions``
    consist of are timed one by one (``read_dataset``, the header: ``header_from_dataset``
    or, in older versions, ``read_header``, pydicom's ``pixel_array``, the rest of
    ``dicom_frame``, ``hide_outside_regions``) to show where the extra time goes.
    ``--no-breakdown`` skips it.

Timings are noisy on a small machine: compare ratios within one run, and medians of
repeated runs. Exit status is 0 when everything measured (whatever the goals say,
unless ``--fail-on-miss``), 1 when a goal missed with ``--fail-on-miss``, 2 when no
sample could be measured.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut
from pydicom.pixels.utils import pixel_array  # what pydicom.pixels.pixel_array re-exports
from pydicom.uid import UID

from tests.benchmarks.measures import Goal, percentile
from viewer.errors import ViewerError
from viewer.imaging.display import encode_png, hide_outside_regions
from viewer.imaging.frames import decode_frame

GOAL_RATIO = 1.3
GOAL_CACHED_MS = 2.0
GOAL_CINE_MS = 1000.0

PACKAGE_DIRS: tuple[tuple[str, str], ...] = (
    ("pydicom", "data/test_files"),
    ("data_store", "data"),
    ("deid_data", "data"),
)
CINE_PACKAGE, CINE_RELATIVE = "data_store", "data/color3d_jpeg_baseline.dcm"

ULTRASOUND_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.6.1",  # Ultrasound Image Storage
        "1.2.840.10008.5.1.4.1.1.3.1",  # Ultrasound Multi-frame Image Storage
        "1.2.840.10008.5.1.4.1.1.6",  # Ultrasound Image Storage (Retired)
        "1.2.840.10008.5.1.4.1.1.3",  # Ultrasound Multi-frame Image Storage (Retired)
    }
)
PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")

SHORT_SYNTAX = {
    "1.2.840.10008.1.2": "Impl VR LE",
    "1.2.840.10008.1.2.1": "Expl VR LE",
    "1.2.840.10008.1.2.1.99": "Deflated",
    "1.2.840.10008.1.2.2": "Expl VR BE",
    "1.2.840.10008.1.2.4.50": "JPEG base",
    "1.2.840.10008.1.2.4.51": "JPEG ext",
    "1.2.840.10008.1.2.4.57": "JPEG LL",
    "1.2.840.10008.1.2.4.70": "JPEG LL SV1",
    "1.2.840.10008.1.2.4.80": "JPEG-LS LL",
    "1.2.840.10008.1.2.4.81": "JPEG-LS NL",
    "1.2.840.10008.1.2.4.90": "J2K LL",
    "1.2.840.10008.1.2.4.91": "J2K",
    "1.2.840.10008.1.2.5": "RLE",
}

T = TypeVar("T")


# --------------------------------------------------------------------------------------
# Samples


@dataclass(frozen=True)
class Candidate:
    """A sample file found in an installed package."""

    package: str
    relative: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.package}:{self.relative}"


def package_dir(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / relative


def _is_sample(ds: Dataset) -> bool:
    if not any(keyword in ds for keyword in PIXEL_KEYWORDS):
        return False
    sop = str(ds.get("SOPClassUID", "") or "")
    if str(ds.get("Modality", "") or "") == "US" or sop in ULTRASOUND_SOP_CLASSES:
        return True
    return bool(sop) and "Secondary Capture" in UID(sop).name


def discover() -> tuple[list[Candidate], list[str]]:
    """Sample files of the three packages, and the packages that are missing."""
    found: list[Candidate] = []
    missing: list[str] = []
    for package, relative in PACKAGE_DIRS:
        root = package_dir(package, relative)
        if root is None or not root.is_dir():
            missing.append(package)
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            try:
                # force: files without a preamble are DICOM too (our pipeline may refuse
                # them, and is then listed as skipping them); large values are deferred.
                ds = pydicom.dcmread(path, force=True, defer_size="4 KB")
                keep = _is_sample(ds)
            except Exception:  # not DICOM at all, or unreadable: not a sample
                continue
            if keep:
                found.append(Candidate(package, path.relative_to(root).as_posix(), path))
    return found, missing


# --------------------------------------------------------------------------------------
# Timing


def timed_ms(fn: Callable[[], T]) -> tuple[float, T]:
    """Run ``fn`` once with the garbage collector paused; (milliseconds, result)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    return elapsed * 1000.0, result


def pydicom_decode(path: Path) -> np.ndarray:
    """pydicom's own first frame: fresh read, default YBR->RGB, no LUTs."""
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return pixel_array(ds, index=0 if frames > 1 else None)


def pydicom_display(path: Path) -> np.ndarray:
    """pydicom's own path to a displayable first frame: its decode (default YBR->RGB)
    followed by its LUT functions as the file asks for them: ``apply_color_lut`` for
    PALETTE COLOR, ``apply_modality_lut`` then ``apply_voi_lut`` for greyscale. Not scaled
    to 8 bits (pydicom has no such step), so this is a lower bound on pydicom's cost."""
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    arr = pixel_array(ds, index=0 if frames > 1 else None)
    photometric = str(ds.get("PhotometricInterpretation", "") or "")
    if photometric == "PALETTE COLOR":
        return apply_color_lut(arr, ds)
    if photometric.startswith("MONOCHROME"):
        return apply_voi_lut(apply_modality_lut(arr, ds), ds)
    return arr


def our_render(path: Path) -> np.ndarray:
    """Our display frame: decode (LUTs, colour) and burned-in text hidden."""
    header, frame = decode_frame(path, 0)
    return hide_outside_regions(frame, header.regions)


@dataclass
class FileResult:
    """Every figure for one sample file (times in ms, medians unless named otherwise)."""

    file: str
    path: str
    photometric: str
    transfer_syntax: str
    transfer_syntax_uid: str
    frames: int
    rows: int
    columns: int
    file_bytes: int
    display_shape: list[int]
    pydicom_ms: float = 0.0
    """pydicom's bare decode (no LUTs)."""
    pydicom_display_ms: float = 0.0
    """pydicom's decode plus its LUT functions: the goal's baseline."""
    render_ms: float = 0.0
    ratio: float = 0.0
    """render / pydicom_display: the goal's ratio."""
    ratio_decode: float = 0.0
    """render / pydicom (bare decode), for scale."""
    ratio_paired: float = 0.0
    """Median of the per-repeat ratios (each render against the pydicom_display run beside it)."""
    encode_ms: float = 0.0
    cached_ms: float = 0.0
    cached_p95_ms: float = 0.0
    pydicom_samples_ms: list[float] = field(default_factory=list)
    pydicom_display_samples_ms: list[float] = field(default_factory=list)
    render_samples_ms: list[float] = field(default_factory=list)
    encode_samples_ms: list[float] = field(default_factory=list)
    breakdown_ms: dict[str, float] | str | None = None
    """Where the render's time goes (files over the ratio goal only), or why not."""

    @property
    def ratio_ok(self) -> bool:
        return self.ratio <= GOAL_RATIO

    @property
    def cached_ok(self) -> bool:
        return self.cached_ms < GOAL_CACHED_MS


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str

    @property
    def short(self) -> str:
        return self.reason if len(self.reason) <= 150 else self.reason[:147] + "..."


def _reason(exc: BaseException, path: Path) -> str:
    """An error's message on one line, without the file's path (the table names it)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.replace(f"{path}: ", "").replace(str(path), "<file>")


def measure_file(
    candidate: Candidate, repeats: int, cached_calls: int, display_png: Callable[..., bytes]
) -> FileResult | Skipped:
    path = candidate.path
    # Warm-up (unmeasured), which also tells whether both paths can decode the file.
    try:
        header, frame = decode_frame(path, 0)
        frame = hide_outside_regions(frame, header.regions)
        encode_png(frame)
    except ViewerError as exc:
        return Skipped(candidate.label, f"viewer: {_reason(exc, path)}")
    try:
        pydicom_decode(path)
        pydicom_display(path)
    except Exception as exc:
        return Skipped(candidate.label, f"pydicom: {type(exc).__name__}: {_reason(exc, path)}")

    syntax = header.transfer_syntax_uid or ""
    result = FileResult(
        file=candidate.label,
        path=str(path),
        photometric=header.photometric_interpretation or "",
        transfer_syntax=SHORT_SYNTAX.get(syntax, header.transfer_syntax or syntax or "?"),
        transfer_syntax_uid=syntax,
        frames=header.frames,
        rows=header.rows,
        columns=header.columns,
        file_bytes=path.stat().st_size,
        display_shape=list(frame.shape),
    )
    for i in range(repeats):
        # Rotate the order of the three paths so each shares the machine's noise alike.
        timings: dict[str, float] = {}
        shown = frame
        order = ("pydicom", "display", "render")
        for name in order[i % 3:] + order[: i % 3]:
            if name == "render":
                timings[name], shown = timed_ms(lambda: our_render(path))
            else:
                fn = pydicom_decode if name == "pydicom" else pydicom_display
                timings[name], _ = timed_ms(partial(fn, path))
        pyd_ms, render_ms = timings["pydicom"], timings["render"]
        encode_ms, _ = timed_ms(partial(encode_png, shown))
        result.pydicom_samples_ms.append(pyd_ms)
        result.pydicom_display_samples_ms.append(timings["display"])
        result.render_samples_ms.append(render_ms)
        result.encode_samples_ms.append(encode_ms)
    result.pydicom_ms = statistics.median(result.pydicom_samples_ms)
    result.render_ms = statistics.median(result.render_samples_ms)
    result.encode_ms = statistics.median(result.encode_samples_ms)
    result.pydicom_display_ms = statistics.median(result.pydicom_display_samples_ms)
    result.ratio = result.render_ms / result.pydicom_display_ms
    result.ratio_decode = result.render_ms / result.pydicom_ms
    result.ratio_paired = statistics.median(
        r / p
        for r, p in zip(result.render_samples_ms, result.pydicom_display_samples_ms, strict=True)
    )

    mtime_ns = path.stat().st_mtime_ns
    display_png(str(path), mtime_ns, 0, True)  # the miss: decodes, encodes, stores
    cached: list[float] = []
    for _ in range(cached_calls):
        start = time.perf_counter()
        display_png(str(path), mtime_ns, 0, True)
        cached.append((time.perf_counter() - start) * 1000.0)
    result.cached_ms = statistics.median(cached)
    result.cached_p95_ms = percentile(cached, 95)
    return result


# --------------------------------------------------------------------------------------
# Cine: time to first frame in a fresh process

_CINE_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
path, mode = sys.argv[1], sys.argv[2]
if mode == "frame0":
    from viewer.imaging.display import encode_png, hide_outside_regions
    from viewer.imaging.frames import decode_frame
    t0 = time.perf_counter()
    header, frame = decode_frame(path, 0)
    t1 = time.perf_counter()
    frame = hide_outside_regions(frame, header.regions)
    t2 = time.perf_counter()
    png = encode_png(frame)
    t3 = time.perf_counter()
    out = {"decode_ms": (t1 - t0) * 1e3, "hide_ms": (t2 - t1) * 1e3,
           "encode_ms": (t3 - t2) * 1e3, "total_ms": (t3 - t0) * 1e3,
           "frames": header.frames, "bytes": len(png)}
elif mode.startswith("web_frames"):
    from viewer.imaging.cine import web_frames
    t0 = time.perf_counter()
    web = web_frames(path, mode.endswith("hide"))
    t1 = time.perf_counter()
    out = {"total_ms": (t1 - t0) * 1e3, "frames": len(web.frames),
           "bytes": len(web.frames[0]), "mimetype": web.mimetype,
           "stored_as_is": web.stored_as_is}
else:
    import pydicom, pydicom.pixels
    t0 = time.perf_counter()
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    arr = pydicom.pixels.pixel_array(ds, index=0 if frames > 1 else None)
    t1 = time.perf_counter()
    out = {"total_ms": (t1 - t0) * 1e3, "frames": frames}
print(json.dumps(out))
"""
CINE_MODES = ("frame0", "pydicom", "web_frames_hide", "web_frames_keep")
"""frame0: the brief's path to frame 0 as PNG; pydicom: its cold decode of frame 0, for
scale; web_frames_*: what the app's cine loop waits for before it shows any frame
(``viewer.imaging.cine.web_frames`` with hide_text True / False)."""


@dataclass
class CineResult:
    file: str
    frames: int = 0
    runs: int = 0
    first_frame_ms: float = 0.0
    decode_ms: float = 0.0
    hide_ms: float = 0.0
    encode_ms: float = 0.0
    pydicom_first_frame_ms: float = 0.0
    app_hide_ms: float | None = None
    """web_frames(path, hide_text=True): the app's cine, text hidden (median, ms)."""
    app_keep_ms: float | None = None
    """web_frames(path, hide_text=False): the app's cine, stored frames as-is."""
    app_detail: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    error: str | None = None
    app_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.first_frame_ms < GOAL_CINE_MS


def _child(path: Path, mode: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, "-c", _CINE_CHILD, str(path), mode],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"{mode} child failed: {last[0]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure_cine(runs: int) -> CineResult:
    path = package_dir(CINE_PACKAGE, CINE_RELATIVE)
    result = CineResult(file=f"{CINE_PACKAGE}:{Path(CINE_RELATIVE).name}")
    if path is None or not path.is_file():
        result.error = f"{result.file} not found"
        return result
    modes = list(CINE_MODES)
    if importlib.util.find_spec("viewer.imaging.cine") is None:
        modes = [m for m in modes if not m.startswith("web_frames")]
        result.app_error = "viewer.imaging.cine not found"
    samples: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    for i in range(runs):
        # Rotate the order so no mode always runs right after another.
        for mode in modes[i % len(modes):] + modes[: i % len(modes)]:
            try:
                samples[mode].append(_child(path, mode))
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                if mode.startswith("web_frames"):
                    result.app_error = str(exc)
                    modes = [m for m in modes if not m.startswith("web_frames")]
                else:
                    result.error = str(exc)
                    return result
    result.samples = samples
    result.runs = runs
    first = samples["frame0"]
    result.frames = int(first[0]["frames"])
    result.first_frame_ms = statistics.median(s["total_ms"] for s in first)
    result.decode_ms = statistics.median(s["decode_ms"] for s in first)
    result.hide_ms = statistics.median(s["hide_ms"] for s in first)
    result.encode_ms = statistics.median(s["encode_ms"] for s in first)
    result.pydicom_first_frame_ms = statistics.median(s["total_ms"] for s in samples["pydicom"])
    if result.app_error is None:
        for mode, attr in (("web_frames_hide", "app_hide_ms"), ("web_frames_keep", "app_keep_ms")):
            setattr(result, attr, statistics.median(s["total_ms"] for s in samples[mode]))
            last = samples[mode][-1]
            result.app_detail[mode] = {
                k: last[k] for k in ("frames", "mimetype", "stored_as_is") if k in last
            }
    return result


# --------------------------------------------------------------------------------------
# Where the time goes, for files over the ratio goal


BREAKDOWN_STEPS = ("read_dataset", "header", "pixel_array", "to_display", "hide")


def measure_breakdown(path: Path, repeats: int) -> dict[str, float] | str:
    """Medians of the steps ``decode_frame`` + ``hide_outside_regions`` consist of.

    read_dataset: ``read_dataset(path, pixels=True)`` (pydicom's dcmread);
    header: ``header_from_dataset(path, ds)`` when the viewer builds the header from the
    dataset it read, else ``read_header(path)`` (a second dcmread, without pixels);
    pixel_array: pydicom's decode of frame 0 on that dataset;
    to_display: ``dicom_frame`` minus pixel_array: LUTs, colour, window, to uint8;
    hide: ``hide_outside_regions``.
    Uses the viewer's internals as they are; returns the reason when they changed.
    """
    try:
        from viewer.imaging import header as header_module
        from viewer.imaging.frames import dicom_frame
    except ImportError as exc:
        return f"breakdown unavailable ({exc})"
    read_dataset = header_module.read_dataset
    from_dataset = getattr(header_module, "header_from_dataset", None)
    steps: dict[str, list[float]] = {name: [] for name in BREAKDOWN_STEPS}
    try:
        for _ in range(repeats):
            if from_dataset is not None:
                ms, ds = timed_ms(partial(read_dataset, path, pixels=True))
                steps["read_dataset"].append(ms)
                ms, header = timed_ms(partial(from_dataset, path, ds))
                steps["header"].append(ms)
            else:
                ms, header = timed_ms(partial(header_module.read_header, path))
                steps["header"].append(ms)
                ms, ds = timed_ms(partial(read_dataset, path, pixels=True))
                steps["read_dataset"].append(ms)
            index = 0 if header.frames > 1 else None
            ms, _ = timed_ms(partial(pixel_array, ds, index=index))
            steps["pixel_array"].append(ms)
            fresh = read_dataset(path, pixels=True)  # unparsed again, as in a render
            ms, frame = timed_ms(partial(dicom_frame, fresh, header, 0))
            steps["to_display"].append(max(ms - steps["pixel_array"][-1], 0.0))
            ms, _ = timed_ms(partial(hide_outside_regions, frame, header.regions))
            steps["hide"].append(ms)
    except Exception as exc:  # internals changed under us: say so, do not fail the run
        return f"breakdown unavailable ({type(exc).__name__}: {exc})"
    out = {name: statistics.median(values) for name, values in steps.items()}
    out["header_from_dataset"] = float(from_dataset is not None)
    return out


# --------------------------------------------------------------------------------------
# Report


def goals_of(results: Sequence[FileResult], cine: CineResult) -> list[Goal]:
    goals: list[Goal] = []
    if results:
        worst = max(results, key=lambda r: r.ratio)
        misses = sum(not r.ratio_ok for r in results)
        goals.append(Goal(
            "first render / pydicom decode+LUTs (worst)", worst.ratio, "x", f"<= {GOAL_RATIO:g}x",
            misses == 0, f"{len(results) - misses}/{len(results)} files pass; worst {worst.file}",
        ))
        slowest = max(results, key=lambda r: r.cached_ms)
        misses = sum(not r.cached_ok for r in results)
        goals.append(Goal(
            "cached render, median (worst file)", slowest.cached_ms, "ms",
            f"< {GOAL_CACHED_MS:g} ms", misses == 0,
            f"{len(results) - misses}/{len(results)} files pass; worst {slowest.file}",
        ))
    if cine.error is None:
        goals.append(Goal(
            f"cine ({cine.frames} frames): frame 0 as PNG, cold", cine.first_frame_ms, "ms",
            f"< {GOAL_CINE_MS:g} ms", cine.ok, "decode_frame + hide + encode_png",
        ))
    if cine.app_hide_ms is not None:
        goals.append(Goal(
            "cine as the app serves it, text hidden", cine.app_hide_ms, "ms",
            f"< {GOAL_CINE_MS:g} ms", cine.app_hide_ms < GOAL_CINE_MS,
            "web_frames(path, hide_text=True): no frame shows before all are encoded",
        ))
    if cine.app_keep_ms is not None:
        goals.append(Goal(
            "cine as the app serves it, text kept", cine.app_keep_ms, "ms",
            f"< {GOAL_CINE_MS:g} ms", cine.app_keep_ms < GOAL_CINE_MS,
            "web_frames(path, hide_text=False)",
        ))
    return goals


def _fmt_ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.1f}"


def print_table(results: Sequence[FileResult], skipped: Sequence[Skipped], repeats: int) -> None:
    width = max([len(r.file) for r in results] + [4])
    head = (
        f"{'file':<{width}} {'colour':<13} {'transfer syntax':<12} {'frames':>6} "
        f"{'size':>9} {'pydicom':>8} {'+LUTs':>8} {'render':>8} {'ratio':>6}   {'vs dec':>6} "
        f"{'encode':>8} {'cached':>7}"
    )
    print()
    print(f"Frame 0 per file, ms, median of {repeats} (cached: median of many hits); "
          f"ratio = render / pydicom+LUTs, goal <= {GOAL_RATIO:g}x (* = MISS); "
          f"vs dec = render / pydicom's bare decode")
    print(head)
    print("-" * len(head))
    for r in results:
        mark = " " if r.ratio_ok else "*"
        cmark = "" if r.cached_ok else "*"
        print(
            f"{r.file:<{width}} {r.photometric:<13} {r.transfer_syntax:<12} {r.frames:>6} "
            f"{f'{r.columns}x{r.rows}':>9} {_fmt_ms(r.pydicom_ms):>8} "
            f"{_fmt_ms(r.pydicom_display_ms):>8} {_fmt_ms(r.render_ms):>8} "
            f"{r.ratio:>5.2f}x{mark}  {r.ratio_decode:>5.2f}x "
            f"{_fmt_ms(r.encode_ms):>8} {_fmt_ms(r.cached_ms):>7}{cmark}"
        )
    if skipped:
        print()
        print(f"Skipped ({len(skipped)}):")
        for s in skipped:
            print(f"  {s.file}: {s.short}")


def print_breakdown(results: Sequence[FileResult]) -> None:
    rows = [r for r in results if r.breakdown_ms is not None]
    if not rows:
        return
    width = max(len(r.file) for r in rows)
    print()
    one_read = any(isinstance(r.breakdown_ms, dict) and r.breakdown_ms.get("header_from_dataset")
                   for r in rows)
    header_step = "header_from_dataset" if one_read else "read_header (2nd dcmread)"
    print(f"Where the render's time goes, files over the ratio goal (ms, medians; render = "
          f"read_dataset + header [{header_step}] + pixel_array + to_display + hide)")
    head = (f"{'file':<{width}} {'pydicom':>8} {'render':>8} "
            + " ".join(f"{name:>12}" for name in BREAKDOWN_STEPS))
    print(head)
    print("-" * len(head))
    for r in sorted(rows, key=lambda r: -r.ratio):
        if isinstance(r.breakdown_ms, str):
            print(f"{r.file:<{width}} {r.breakdown_ms}")
            continue
        assert r.breakdown_ms is not None
        steps = " ".join(f"{_fmt_ms(r.breakdown_ms[name]):>12}" for name in BREAKDOWN_STEPS)
        print(f"{r.file:<{width}} {_fmt_ms(r.pydicom_ms):>8} {_fmt_ms(r.render_ms):>8} {steps}")


def print_summary(results: Sequence[FileResult], cine: CineResult, goals: Sequence[Goal]) -> None:
    print()
    if cine.error is None:
        print(f"Cine {cine.file} ({cine.frames} frames), fresh process per run, imports "
              f"excluded, median of {cine.runs}:")
        print(f"  frame 0 as PNG: {cine.first_frame_ms:.1f} ms = decode_frame "
              f"{cine.decode_ms:.1f} + hide {cine.hide_ms:.2f} + encode_png "
              f"{cine.encode_ms:.1f}; pydicom's own cold decode of frame 0: "
              f"{cine.pydicom_first_frame_ms:.1f} ms")
        if cine.app_hide_ms is not None and cine.app_keep_ms is not None:
            hide = cine.app_detail.get("web_frames_hide", {})
            keep = cine.app_detail.get("web_frames_keep", {})
            print(f"  the app's cine (web_frames, all frames before the first shows): "
                  f"text hidden {cine.app_hide_ms:.1f} ms ({hide.get('mimetype')}, "
                  f"stored as-is: {hide.get('stored_as_is')}), text kept "
                  f"{cine.app_keep_ms:.1f} ms ({keep.get('mimetype')}, stored as-is: "
                  f"{keep.get('stored_as_is')})")
        elif cine.app_error:
            print(f"  the app's cine: not measured ({cine.app_error})")
    else:
        print(f"Cine: MEASUREMENT FAILED: {cine.error}")
    if results:
        ratios = [r.ratio for r in results]
        print(f"Ratio render/(pydicom+LUTs) over {len(results)} files: median "
              f"{statistics.median(ratios):.2f}x, min {min(ratios):.2f}x, "
              f"max {max(ratios):.2f}x")
        bare = [r.ratio_decode for r in results]
        print(f"Ratio render/(pydicom bare decode): median {statistics.median(bare):.2f}x, "
              f"max {max(bare):.2f}x")
        missed = sorted((r for r in results if not r.ratio_ok), key=lambda r: -r.ratio)
        if missed:
            shown = ", ".join(f"{r.file} ({r.ratio:.2f}x)" for r in missed[:8])
            more = f" and {len(missed) - 8} more" if len(missed) > 8 else ""
            print(f"Over the ratio goal ({len(missed)}): {shown}{more}")
    print()
    print("Summary")
    print(f"  {'goal':<42} {'value':>10}  {'target':<10} result")
    for g in goals:
        value = f"{g.value:.2f}x" if g.unit == "x" else f"{g.value:.2f} {g.unit}"
        print(f"  {g.name:<42} {value:>10}  {g.target:<10} {'PASS' if g.passed else 'MISS'}"
              + (f"  ({g.detail})" if g.detail else ""))


def environment() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for name in ("pydicom", "numpy", "pillow", "pylibjpeg", "pylibjpeg-openjpeg",
                 "pylibjpeg-rle", "pylibjpeg-libjpeg", "python-gdcm", "pylibjpeg-ls",
                 "streamlit"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    git: dict[str, str | None] = {"commit": None, "viewer_changes": None}
    try:
        root = Path(__file__).resolve().parents[2]
        git["commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        git["viewer_changes"] = subprocess.run(
            ["git", "status", "--porcelain", "--", "viewer"], cwd=root, capture_output=True,
            text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    plugins: dict[str, list[str]] = {}
    try:
        from pydicom.pixels import decoders

        for name in ("JPEGBaseline8BitDecoder", "JPEG2000LosslessDecoder", "JPEG2000Decoder",
                     "JPEGLosslessSV1Decoder", "RLELosslessDecoder"):
            plugins[name] = list(getattr(decoders, name).available_plugins)
    except (ImportError, AttributeError):
        pass
    return {
        "git": git,
        "pydicom_decoder_plugins": plugins,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": versions,
    }


# --------------------------------------------------------------------------------------
# Main


def _quiet_streamlit() -> None:
    """Bare-mode caching logs "missing ScriptRunContext" and the like; keep the table clean."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _cache_api() -> tuple[Callable[..., bytes], Callable[[], None]]:
    from viewer.ui import cache

    _quiet_streamlit()

    def clear() -> None:
        cache.display_png.clear()
        cache.display_frame.clear()

    clear()
    return cache.display_png, clear


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_rendering",
        description="Per sample file: pydicom's decode, our first render, PNG encode and the "
        "cached render; plus the cold time to first frame of the 120-frame cine loop.",
    )
    parser.add_argument("--repeats", type=int, default=7, metavar="N",
                        help="timed repeats per file; medians are reported (default 7)")
    parser.add_argument("--cached-calls", type=int, default=200, metavar="N",
                        help="timed cache hits per file (default 200)")
    parser.add_argument("--cine-runs", type=int, default=None, metavar="N",
                        help="fresh processes for the cine first frame (default: --repeats)")
    parser.add_argument("--only", default=None, metavar="TEXT",
                        help="measure only the files whose label contains TEXT")
    parser.add_argument("--no-breakdown", action="store_true",
                        help="skip the step breakdown of files over the ratio goal")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT",
                        help="also write all figures and raw samples as JSON")
    parser.add_argument("--fail-on-miss", action="store_true",
                        help="exit 1 when a goal is missed")
    return parser


def _progress(candidates: Sequence[Candidate]) -> Iterator[tuple[int, Candidate]]:
    for i, candidate in enumerate(candidates, 1):
        print(f"\r  {i}/{len(candidates)} {candidate.label[:60]:<60}", end="", flush=True,
              file=sys.stderr)
        yield i, candidate
    print(file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.repeats < 1 or args.cached_calls < 1:
        print("--repeats and --cached-calls must be >= 1", file=sys.stderr)
        return 2
    cine_runs = args.cine_runs if args.cine_runs is not None else args.repeats
    warnings.simplefilter("ignore")  # both paths alike; ours silences them anyway
    started = time.monotonic()

    env = environment()
    commit, dirty = env["git"]["commit"], env["git"]["viewer_changes"]
    if commit:
        state = "uncommitted changes in viewer/" if dirty else "viewer/ clean"
        print(f"commit {commit[:10]} ({state}); {env['cpus']} CPUs; pydicom "
              f"{env['packages']['pydicom']}, numpy {env['packages']['numpy']}", flush=True)
    candidates, missing = discover()
    if args.only:
        candidates = [c for c in candidates if args.only in c.label]
    print(f"{len(candidates)} sample files"
          + (f"; packages not installed: {', '.join(missing)}" if missing else ""), flush=True)
    display_png, clear_cache = _cache_api()

    results: list[FileResult] = []
    skipped: list[Skipped] = []
    for _, candidate in _progress(candidates):
        outcome = measure_file(candidate, args.repeats, args.cached_calls, display_png)
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
        else:
            results.append(outcome)
    clear_cache()

    missed = [r for r in results if not r.ratio_ok]
    if missed and not args.no_breakdown:
        print(f"breakdown of {len(missed)} files over the ratio goal ...", flush=True)
        for r in missed:
            r.breakdown_ms = measure_breakdown(Path(r.path), args.repeats)

    print(f"cine: {cine_runs} fresh processes for each of {len(CINE_MODES)} paths ...",
          flush=True)
    cine = measure_cine(cine_runs)
    goals = goals_of(results, cine)

    print_table(results, skipped, args.repeats)
    print_breakdown(results)
    print_summary(results, cine, goals)
    print(f"\n(total {time.monotonic() - started:.0f} s)")

    if args.json is not None:
        out = {
            "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "environment": env,
            "goals": [asdict(g) for g in goals],
            "files": [{**asdict(r), "ratio_ok": r.ratio_ok, "cached_ok": r.cached_ok}
                      for r in results],
            "skipped": [asdict(s) for s in skipped],
            "cine": {**asdict(cine), "ok": cine.ok},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
        print(f"wrote {args.json}")

    if not results or cine.error is not None:
        return 2
    if args.fail_on_miss and not all(g.passed for g in goals):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
