"""The ``viewer`` command: parses arguments, calls the core, prints errors.

Exit codes: 0 success, 1 invalid input (each problem on its own line on stderr),
2 usage errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from viewer.cases.loader import MANIFEST, load_case
from viewer.errors import CaseError, Problem, ViewerError
from viewer.files import write_atomic
from viewer.paths import CASES_DIR_ENV, bundled_cases_dir

APP_PATH = Path(__file__).parent / "ui" / "app.py"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="viewer",
        description="Ultrasound case-series viewer for medical education.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="serve the app on a cases folder",
        description="Run the Streamlit app headless on the cases in DIR.",
    )
    serve.add_argument(
        "--cases",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of case folders (default: the bundled cases)",
    )
    serve.add_argument("--port", type=int, default=8501, metavar="N", help="port (default 8501)")
    serve.add_argument(
        "--authoring",
        action="store_true",
        help="allow importing studies from the browser (writes into the cases folder; only on "
        "a machine that case authors alone can reach)",
    )
    serve.add_argument(
        "--host",
        default="localhost",
        metavar="H",
        help="address to listen on (default localhost; 0.0.0.0 for a department server)",
    )

    validate = sub.add_parser(
        "validate",
        help="check case folders completely",
        description=(
            "Check case folders: manifest, images (decoded through the app's pipeline) and "
            "annotations. PATH is a case folder or a folder of case folders. Exit 0 when all "
            "are valid, 1 with one line per problem otherwise."
        ),
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    info = sub.add_parser(
        "info",
        help="print JSON about an image",
        description="Print JSON about a DICOM, PNG or JPEG image: modality, size, frames, "
        "colour model, transfer syntax, mm_per_pixel, frame time and ultrasound regions.",
    )
    info.add_argument("file", type=Path, metavar="FILE")

    render = sub.add_parser(
        "render",
        help="write the display rendering of an image as PNG",
        description="Write the display rendering of a DICOM, PNG or JPEG image through the "
        "app's pipeline: stored pixels faithfully, no annotations.",
    )
    render.add_argument("file", type=Path, metavar="FILE")
    render.add_argument("--out", type=Path, required=True, metavar="PNG", help="output PNG path")
    render.add_argument("--frame", type=int, default=0, metavar="N", help="frame (default 0)")
    render.add_argument(
        "--hide-burned-in-text",
        action="store_true",
        help="blank everything outside the file's ultrasound regions, as the app does",
    )
    build = sub.add_parser(
        "build-demo",
        help="regenerate the bundled case's teaching images",
        description=(
            "Generate the bundled case's images (simulated sonograms, power Doppler, "
            "mammogram, H&E illustrations) as DICOM into CASE_DIR/images/generated and write "
            "their entries (alt text, provenance, callipers and arrows) into CASE_DIR/case.toml, "
            "keeping the rest of the manifest as it is. The same seed writes byte-identical "
            "files. Then validates the case."
        ),
    )
    build.add_argument(
        "--case",
        type=Path,
        default=None,
        metavar="CASE_DIR",
        help="the case folder (default: the bundled scar-carcinoma case)",
    )
    build.add_argument(
        "--seed", type=int, default=None, metavar="N", help="random seed (default 2003)"
    )
    build.add_argument(
        "--panel",
        action="append",
        default=None,
        metavar="P",
        help="only this panel (repeatable; default all of A-H)",
    )
    importer = sub.add_parser(
        "import",
        help="import and de-identify studies into a case",
        description=(
            "Import DICOM, PNG and JPEG files (and folders of them) into a case: headers "
            "de-identified to DICOM PS3.15 Annex E (basic profile; private tags removed; UIDs "
            "replaced consistently within the case), burned-in text blanked outside the "
            "ultrasound regions in every frame, new files written to CASE_DIR/images/imported "
            "and the step added to or updated in case.toml (comments kept). Originals are only "
            "read. Nothing is written unless every file can be imported; the case is validated "
            "afterwards and the import undone if it does not."
        ),
    )
    importer.add_argument("sources", nargs="+", type=Path, metavar="SRC")
    importer.add_argument("--case", type=Path, required=True, metavar="DIR", help="the case folder")
    importer.add_argument(
        "--new-case",
        default=None,
        metavar="TITLE",
        help="create the case in DIR (a new or empty folder) with this title",
    )
    importer.add_argument(
        "--step",
        default=None,
        metavar="PANEL",
        help="the step to add the images to (created when missing; default: a new step)",
    )
    importer.add_argument(
        "--step-date",
        default=None,
        metavar="DATE",
        help="date of a new step when no DICOM source has one (YYYY-MM-DD)",
    )
    importer.add_argument(
        "--date-shift",
        type=int,
        default=None,
        metavar="DAYS",
        help="shift every date by DAYS (same for the whole case) instead of removing dates",
    )
    importer.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar="X0,Y0,X1,Y1",
        help="a rectangle to blank in every image, corners inclusive (repeatable); needed for "
        "files without usable ultrasound regions",
    )
    importer.add_argument(
        "--no-burned-in-text",
        action="store_true",
        help="confirm that PNG/JPEG sources carry no burned-in text (after checking them)",
    )
    importer.add_argument(
        "--report", type=Path, default=None, metavar="FILE", help="also write the report as JSON"
    )
    export = sub.add_parser(
        "export",
        help="export a case as offline HTML and/or a PDF handout",
        description=(
            "Export a case as one self-contained HTML file (runs offline from file://: "
            "timeline, keyboard stepping, annotations, presenter mode, quiz reveal; no request "
            "to any server) and/or a PDF handout (one page per step, text as real text)."
        ),
    )
    export.add_argument("case_dir", type=Path, metavar="CASE_DIR")
    export.add_argument("--html", type=Path, default=None, metavar="FILE", help="HTML output")
    export.add_argument("--pdf", type=Path, default=None, metavar="FILE", help="PDF output")
    return parser


def _validate_targets(path: Path) -> list[Path] | Problem:
    if (path / MANIFEST).is_file():
        return [path]
    if path.is_dir():
        folders = sorted(p for p in path.iterdir() if p.is_dir() and (p / MANIFEST).is_file())
        if folders:
            return folders
        return Problem(str(path), "(folder)", f"holds no {MANIFEST} and no case folders")
    return Problem(str(path), "(folder)", "not found or not a folder")


def cmd_validate(paths: Sequence[Path]) -> int:
    problems: list[Problem] = []
    checked = 0
    for path in paths:
        targets = _validate_targets(path)
        if isinstance(targets, Problem):
            problems.append(targets)
            continue
        for folder in targets:
            checked += 1
            try:
                loaded = load_case(folder, decode=True)
            except CaseError as exc:
                problems.extend(exc.problems)
            else:
                print(f"ok: {folder} ({loaded.case.id}, {len(loaded.case.steps)} steps)")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {checked} case folder(s)", file=sys.stderr)
        return 1
    return 0


def cmd_info(file: Path) -> int:
    from viewer.imaging.header import read_header

    print(json.dumps(read_header(file).as_info(), indent=2))
    return 0


def cmd_render(file: Path, out: Path, frame: int, hide_text: bool) -> int:
    from viewer.imaging.display import encode_png, hide_outside_regions
    from viewer.imaging.frames import decode_frame

    header, pixels = decode_frame(file, frame)
    if hide_text:
        pixels = hide_outside_regions(pixels, header.regions)
    data = encode_png(pixels)
    write_atomic(out, data)  # a failure never leaves a half-written PNG
    print(f"wrote {out} ({header.columns}x{header.rows}, frame {frame})")
    return 0


def cmd_build_demo(case: Path | None, seed: int | None, panels: Sequence[str] | None) -> int:
    from viewer.synthetic import bundled_case

    folder = case or bundled_cases_dir() / bundled_case.CASE_ID
    if not (folder / MANIFEST).is_file():
        print(f"{folder}: (folder): not a case folder (no {MANIFEST})", file=sys.stderr)
        return 1
    chosen = [p.upper() for p in panels] if panels else list(bundled_case.PANELS)
    unknown = [p for p in chosen if p not in bundled_case.PANELS]
    if unknown:
        print(
            f"--panel: no generator for {', '.join(unknown)}; panels are "
            f"{', '.join(bundled_case.PANELS)}",
            file=sys.stderr,
        )
        return 2

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done}/{total}] {message}", file=sys.stderr, flush=True)

    try:
        report = bundled_case.build(
            folder,
            seed if seed is not None else bundled_case.DEFAULT_SEED,
            chosen,
            progress,
        )
    except KeyError as exc:
        print(f"{folder / MANIFEST}: steps: {exc.args[0]}", file=sys.stderr)
        return 1
    for image in report.images:
        print(f"wrote {folder / image.file}")
    print(f"built {len(report.images)} images in {report.seconds:.1f} s; validating ...")
    return cmd_validate([folder])


def cmd_import(args: argparse.Namespace) -> int:
    from viewer.deid.importer import ImportOptions, run_import
    from viewer.deid.pixels import Rect

    masks: list[Rect] = []
    for text in args.mask:
        try:
            masks.append(Rect.parse(text))
        except ValueError as exc:
            print(f"--mask: {exc}", file=sys.stderr)
            return 2
    options = ImportOptions(
        case_dir=args.case,
        step=args.step,
        date_shift_days=args.date_shift,
        masks=tuple(masks),
        no_burned_in_text=args.no_burned_in_text,
        step_date=args.step_date,
        new_case_title=args.new_case,
    )

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done}/{total}] {message}", file=sys.stderr, flush=True)

    report = run_import(args.sources, options, progress)
    print(report.as_text())
    if args.report is not None:
        write_atomic(args.report, json.dumps(report.as_dict(), indent=2).encode("utf-8"))
        print(f"wrote {args.report}")
    return 0


def cmd_export(case_dir: Path, html: Path | None, pdf: Path | None) -> int:
    if html is None and pdf is None:
        print("export: give --html FILE, --pdf FILE or both", file=sys.stderr)
        return 2
    from viewer.export import files as export_files

    loaded = load_case(case_dir, decode=True)

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done}/{total}] {message}", file=sys.stderr, flush=True)

    if pdf is not None:
        write_atomic(pdf, export_files.pdf_bytes(loaded, progress))
        print(f"wrote {pdf} ({pdf.stat().st_size / 1e6:.1f} MB)")
    if html is not None:
        write_atomic(html, export_files.html_bytes(loaded, progress))
        print(f"wrote {html} ({html.stat().st_size / 1e6:.1f} MB)")
    return 0


def serve_command(cases: Path, port: int, host: str) -> list[str]:
    """The streamlit command line ``viewer serve`` runs."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--server.enableStaticServing",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        # Streamlit runs a full garbage collection after every script run (about 40 ms
        # here); with many sessions stepping at once that queue dominated the latency.
        "--runner.postScriptGC",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--theme.base",
        "dark",
    ]


def cmd_serve(cases: Path | None, port: int, host: str, authoring: bool = False) -> int:
    folder = (cases or bundled_cases_dir()).resolve()
    if not folder.is_dir():
        print(f"{folder}: (folder): not found or not a folder", file=sys.stderr)
        return 1
    from viewer.live import settings

    live = settings.check()
    for message in [*live.errors, *(f"warning: {w}" for w in live.warnings)]:
        print(message, file=sys.stderr)
    if live.errors:
        return 1
    os.environ[CASES_DIR_ENV] = str(folder)
    if authoring:
        os.environ["VIEWER_AUTHORING"] = "1"
    print(f"serving cases from {folder} at http://{host}:{port}", flush=True)
    command = serve_command(folder, port, host)
    os.execv(command[0], command)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return cmd_validate(args.paths)
        if args.command == "info":
            return cmd_info(args.file)
        if args.command == "render":
            return cmd_render(args.file, args.out, args.frame, args.hide_burned_in_text)
        if args.command == "export":
            return cmd_export(args.case_dir, args.html, args.pdf)
        if args.command == "import":
            return cmd_import(args)
        if args.command == "build-demo":
            return cmd_build_demo(args.case, args.seed, args.panel)
        if args.command == "serve":
            return cmd_serve(args.cases, args.port, args.host, args.authoring)
    except ViewerError as exc:
        print(exc, file=sys.stderr)
        return 1
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
