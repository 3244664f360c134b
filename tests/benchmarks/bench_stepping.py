"""Stepping benchmark: how fast a case steps, for one reader and for a class of 30.

Run from the repository root (the one holding ``pyproject.toml``)::

    python -m tests.benchmarks.bench_stepping [--rounds N] [--sessions 30] [--json OUT]

The script starts its own ``viewer serve`` on a free loopback port for each part (and a
plain ``http.server`` for the floor page), stops them at the end, prints a report and a
summary table of goals, and optionally writes every figure and raw sample to ``OUT``.
Nothing leaves 127.0.0.1. The file is not named ``test_*.py`` so pytest does not collect
it.

Part 1, one reader in Chromium (Playwright, headless).
    The case page ``?case=scar-carcinoma&step=A`` is opened and stepped A to H with the
    Right arrow key, several rounds (Left arrow back to A between rounds, one unmeasured
    warm-up round first). A capture-phase ``keydown`` listener on ``window`` records
    ``event.timeStamp``; the stepper marks ``cv-painted-<panel>`` with
    ``performance.mark`` one ``requestAnimationFrame`` + ``setTimeout(0)`` after it
    switches, i.e. after the frame showing the new step has been produced, and after any
    task queued before that ``setTimeout`` (in the app, Streamlit's own timer queued by
    ``setStateValue`` runs first and so counts). The latency of one key press is
    ``mark.startTime - keydown.timeStamp`` (both on the page's time origin). Between presses the script waits for the mark plus ``--pause-ms`` so the
    Streamlit rerun triggered by ``setStateValue`` settles, as it would for a reader.

    The floor is the same measurement on a static page served by ``http.server``: the
    very PNGs the app served for each step (downloaded from the app page's
    ``img.cv-img`` sources), preloaded and decoded, at the same display size, with an
    empty placeholder for steps without an image, flipped on Right with the same
    instrumentation. It is what any implementation of this stepper costs in this
    browser on this machine, so ``p95(app) / p95(floor)`` is the overhead of the app.
    App and floor rounds are interleaved to share the machine's noise.

Part 2, ``--sessions`` concurrent sessions, no browser.
    Each session speaks Streamlit's own websocket protocol
    (``ws://127.0.0.1:PORT/_stcore/stream``, subprotocol ``streamlit``, binary
    ``BackMsg``/``ForwardMsg`` protobufs) the way the browser does: a ``rerun_script``
    BackMsg with the page's query string opens the case; each step is a ``rerun_script``
    carrying the stepper's widget state (the ``bidi_component`` element id with
    ``json_value`` ``{"step": "B"}``, which is what ``setStateValue('step', 'B')`` sends,
    and the stepper's ``fragment_id``, since the page runs the stepper as a fragment) and
    the query string Streamlit last set (the browser sends that one, a step behind its
    address bar; the server moves it on with ``page_info_changed``), plus the hashes of the large messages already
    received so the server may answer with references, as the browser's message cache
    does. The latency of a step is from sending the BackMsg to receiving that rerun's
    ``script_finished``. Every rerun is verified: it must finish with
    ``FINISHED_SUCCESSFULLY`` (or ``FINISHED_FRAGMENT_RUN_SUCCESSFULLY``), show no error or
    warning alert and no exception, and send
    the stepper element (same id) whose data has ``initialPanel`` equal to the requested
    step. Once per session, during warm-up, a rerun carrying only the widget state
    (stale query string ``step=A``, widget ``step=B``) must produce a
    ``page_info_changed`` with ``step=B``: proof that the server reads the stepper's
    state by that id, not just the query string.

    Two scenarios, after one unmeasured warm-up round per session:

    * burst: every session steps at the same moment (a barrier per step), the worst
      case of a class following the lecturer's "next";
    * paced: every session steps on its own, with a think time drawn uniformly from
      0.5x to 1.5x ``--think-ms`` before each step and a random start phase.

    Memory: the resident set (``VmRSS`` from ``/proc``, the server process and all its
    descendants) with one session connected and warmed up, then with all sessions
    connected and warmed up, and again after the timed rounds. Per extra session is
    ``(RSS_N - RSS_1) / (N - 1)``; the goal is checked against the larger of the two
    N-session readings.

Goals (the summary table prints PASS or MISS for each):
    browser: ``p95(app) / p95(floor) <= 1.5``; sessions: step ``p95 < 300 ms`` in each
    scenario; memory: ``< 5 MB`` per extra session.

Other options: ``--only browser|sessions``, ``--pause-ms``, ``--think-ms``, ``--cases``,
``--chromium``, ``--seed``, ``--fail-on-miss`` and ``--server-env NAME=VALUE``
(repeatable) to try a server setting without editing the app, e.g.
``--server-env STREAMLIT_RUNNER_POST_SCRIPT_GC=false``.

Exit status: 0 when every measurement ran and verified (whatever the goals say, unless
``--fail-on-miss``), 1 when a goal missed with ``--fail-on-miss``, 2 when a
measurement could not be made or a rerun failed verification.

Timings are noisy on a small machine; the load generator of part 2 runs on the same
cores as the server (its CPU share is reported). Compare medians of repeated runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import http.server
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from playwright.sync_api import Page, ViewportSize, sync_playwright
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

from tests.benchmarks.measures import Goal, percentile

REPO: Final = Path(__file__).resolve().parents[2]
DEFAULT_CASES: Final = REPO / "cases"
CASE_ID: Final = "scar-carcinoma"
CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
)
VIEWPORT: Final = ViewportSize(width=1400, height=1000)

GOAL_BROWSER_RATIO: Final = 1.5
GOAL_SESSION_P95_MS: Final = 300.0
GOAL_MB_PER_SESSION: Final = 5.0

SERVER_START_TIMEOUT_S: Final = 90.0
RUN_TIMEOUT_S: Final = 60.0
PAINT_TIMEOUT_MS: Final = 10_000
PAGE_TIMEOUT_MS: Final = 60_000


class BenchError(RuntimeError):
    """A measurement could not be made, or what it measured failed verification."""


# --------------------------------------------------------------------------------------
# Small helpers


@dataclass(frozen=True)
class Stats:
    n: int
    p50: float
    p95: float
    mean: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if not values:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan)
        return cls(
            n=len(values),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            mean=sum(values) / len(values),
            min=min(values),
            max=max(values),
        )


def case_panels(cases_dir: Path, case_id: str) -> list[str]:
    """The panels of the case, in order, from its manifest."""
    manifest = cases_dir / case_id / "case.toml"
    with manifest.open("rb") as handle:
        data = tomllib.load(handle)
    panels = [str(step["panel"]) for step in data["steps"]]
    if len(panels) < 2:
        raise BenchError(f"{manifest}: needs at least two steps to step through")
    return panels


def case_query(case_id: str, panel: str) -> str:
    return urlencode({"case": case_id, "step": panel})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_NO_PROXY_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float = 5.0) -> bytes:
    with _NO_PROXY_OPENER.open(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body


# --------------------------------------------------------------------------------------
# Process memory from /proc


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def vm_rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_rss_bytes(pid: int) -> int:
    return sum(vm_rss_bytes(p) for p in process_tree(pid))


async def sample_rss_mb(pid: int, samples: int = 5, interval_s: float = 0.2) -> float:
    """Median RSS of the process tree over a few samples, in MiB."""
    readings: list[float] = []
    for i in range(samples):
        if i:
            await asyncio.sleep(interval_s)
        readings.append(tree_rss_bytes(pid) / 2**20)
    return percentile(readings, 50)


# --------------------------------------------------------------------------------------
# The viewer server


@dataclass
class ViewerServer:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextlib.contextmanager
def viewer_server(
    cases_dir: Path, log_dir: Path, name: str, extra_env: dict[str, str] | None = None
) -> Iterator[ViewerServer]:
    """``viewer serve`` on a free loopback port, healthy on entry, stopped on exit.

    ``viewer serve`` execs Streamlit in place, so the child's pid is the server's.
    ``extra_env`` is added to the server's environment (e.g. ``STREAMLIT_*`` options).
    """
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [
        sys.executable, "-m", "viewer.cli", "serve",
        "--cases", str(cases_dir), "--port", str(port), "--host", "127.0.0.1",
    ]
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(extra_env or {}))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = ViewerServer(port, process, log_path)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    raise BenchError(
                        f"viewer serve exited with {process.returncode}:\n{server.log_tail()}"
                    )
                try:
                    if http_get(f"{server.base_url}/_stcore/health", timeout=2).strip() == b"ok":
                        break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"viewer serve not healthy after {SERVER_START_TIMEOUT_S:.0f} s:\n"
                        f"{server.log_tail()}"
                    )
                time.sleep(0.2)
            yield server
        finally:
            _stop_process(process)


# --------------------------------------------------------------------------------------
# Part 1: the browser


# Installed before any page script: capture phase on window runs before every other
# keydown listener, so the timestamp is the event's own, whatever the page does with it.
KEYDOWN_PROBE: Final = """
window.__benchKeydown = null;
window.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
    window.__benchKeydown = { key: event.key, t: event.timeStamp };
  }
}, { capture: true });
"""

# Resolves (truthy) once the paint mark for the panel exists after the recorded key press.
PAINT_PROBE: Final = """
([name, key]) => {
  const down = window.__benchKeydown;
  if (!down || down.key !== key) return null;
  const marks = performance.getEntriesByName(name, 'mark');
  if (!marks.length) return null;
  return { latency: marks[marks.length - 1].startTime - down.t };
}
"""

FLOOR_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stepping floor</title>
<style>
  html, body { margin: 0; background: #0e1117; color: #fafafa; font: 14px sans-serif; }
  .cv { padding: 16px; }
  .cv-figure { margin: 0; width: __FIGURE_WIDTH__px; max-width: 100%; }
  .cv-stage { position: relative; width: 100%; }
  .cv-stage img { display: block; width: 100%; height: 100%; }
  .cv-noimage { min-height: 240px; border: 1px dashed #888; display: flex;
                align-items: center; justify-content: center; }
</style></head>
<body><div class="cv"></div>
<script>
const STEPS = __STEPS__;
const root = document.querySelector('.cv');
const decodes = [];
const views = STEPS.map((step) => {
  const view = document.createElement('article');
  view.hidden = true;
  const figure = document.createElement('figure');
  figure.className = 'cv-figure';
  if (!step.images.length) {
    const empty = document.createElement('div');
    empty.className = 'cv-noimage';
    empty.textContent = `No image for panel ${step.panel} yet`;
    figure.appendChild(empty);
  }
  for (const image of step.images) {
    const stage = document.createElement('div');
    stage.className = 'cv-stage';
    stage.style.aspectRatio = `${image.width} / ${image.height}`;
    stage.style.maxWidth = `min(100%, calc(75vh * ${image.width / image.height}))`;
    const img = document.createElement('img');
    img.width = image.width;
    img.height = image.height;
    img.decoding = 'sync';
    img.src = image.file;
    decodes.push(img.decode());
    stage.appendChild(img);
    figure.appendChild(stage);
  }
  view.appendChild(figure);
  root.appendChild(view);
  return view;
});
let current = 0;
function show(i) {
  views[current].hidden = true;
  current = i;
  views[i].hidden = false;
  const panel = STEPS[i].panel;
  root.dataset.step = panel;
  requestAnimationFrame(() => setTimeout(() => {
    root.dataset.paintedStep = panel;
    performance.mark(`cv-painted-${panel}`);
  }, 0));
}
document.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowRight' && current < views.length - 1) {
    show(current + 1); event.preventDefault();
  } else if (event.key === 'ArrowLeft' && current > 0) {
    show(current - 1); event.preventDefault();
  }
});
Promise.all(decodes).then(() => { show(0); root.dataset.ready = 'true'; },
                          (error) => { root.dataset.error = String(error); });
</script></body></html>
"""


@dataclass
class BrowserResult:
    chromium_version: str
    presses_per_round: int
    app_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    images: dict[str, list[str]] = field(default_factory=dict)

    @property
    def app(self) -> Stats:
        return Stats.of(self.app_ms)

    @property
    def floor(self) -> Stats:
        return Stats.of(self.floor_ms)

    @property
    def ratio_p95(self) -> float:
        return self.app.p95 / self.floor.p95 if self.floor.p95 > 0 else float("inf")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="floor-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _press(page: Page, key: str, panel: str) -> float:
    """Press key, wait for the paint mark of panel, return the latency in ms."""
    name = f"cv-painted-{panel}"
    page.evaluate(
        "(name) => { performance.clearMarks(name); window.__benchKeydown = null; }", name
    )
    page.keyboard.press(key)
    try:
        handle = page.wait_for_function(
            PAINT_PROBE, arg=[name, key], timeout=PAINT_TIMEOUT_MS, polling=10
        )
    except Exception as exc:
        state = page.evaluate("() => window.__benchKeydown")
        raise BenchError(
            f"no performance mark {name!r} within {PAINT_TIMEOUT_MS} ms of pressing {key} "
            f"(keydown seen: {state!r}); the stepper must call performance.mark({name!r}) "
            "after each switch"
        ) from exc
    value = handle.json_value()
    latency = float(value["latency"])
    if not 0 <= latency < PAINT_TIMEOUT_MS:
        raise BenchError(f"implausible latency {latency} ms for {key} to {panel}")
    return latency


def _round(page: Page, panels: Sequence[str], pause_s: float) -> list[float]:
    """From the first panel, Right to the last one (measured), then Left back to the first."""
    latencies: list[float] = []
    for panel in panels[1:]:
        latencies.append(_press(page, "ArrowRight", panel))
        time.sleep(pause_s)
    for panel in reversed(panels[:-1]):
        _press(page, "ArrowLeft", panel)
        time.sleep(pause_s)
    return latencies


def _wait_app_ready(page: Page, first_panel: str) -> None:
    page.locator(".cv[data-ready]").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(
        "(name) => performance.getEntriesByName(name, 'mark').length > 0",
        arg=f"cv-painted-{first_panel}", timeout=PAGE_TIMEOUT_MS,
    )
    # Every preloaded image fetched and decodable (locators pierce the shadow root).
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    images = page.locator("img.cv-img")
    while not images.evaluate_all(
        "imgs => imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)"
    ):
        if time.monotonic() > deadline:
            raise BenchError("the stepper's images did not finish loading")
        time.sleep(0.1)


def _app_steps(page: Page) -> tuple[list[dict[str, Any]], float]:
    """Per step, the images the app shows (src, natural size); and the figure's width."""
    steps: list[dict[str, Any]] = page.locator("article.cv-step").evaluate_all(
        """views => views.map(v => ({
             panel: v.dataset.panel,
             images: Array.from(v.querySelectorAll('img.cv-img')).map(i => ({
               src: i.src, width: i.naturalWidth, height: i.naturalHeight })) }))"""
    )
    width = float(
        page.locator("article.cv-step:not([hidden]) figure.cv-figure").first.evaluate(
            "f => f.getBoundingClientRect().width"
        )
    )
    return steps, width


def run_browser(
    server: ViewerServer, panels: Sequence[str], rounds: int, pause_s: float,
    chromium: str, workdir: Path,
) -> BrowserResult:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            context.add_init_script(KEYDOWN_PROBE)
            app = context.new_page()
            app.goto(f"{server.base_url}/?{case_query(CASE_ID, panels[0])}")
            _wait_app_ready(app, panels[0])
            steps, figure_width = _app_steps(app)
            found = [s["panel"] for s in steps]
            if found != list(panels):
                raise BenchError(f"the stepper shows panels {found}, the manifest {panels}")

            # The floor page: the very PNGs the app served, under their own names.
            floor_dir = workdir / "floor"
            floor_dir.mkdir()
            files: dict[str, str] = {}
            floor_steps: list[dict[str, Any]] = []
            for step in steps:
                images = []
                for image in step["images"]:
                    src = str(image["src"])
                    if src not in files:
                        response = context.request.get(src)
                        if not response.ok:
                            raise BenchError(f"{src}: HTTP {response.status}")
                        files[src] = f"step-{len(files)}.png"
                        (floor_dir / files[src]).write_bytes(response.body())
                    images.append(
                        {"file": files[src], "width": image["width"], "height": image["height"]}
                    )
                floor_steps.append({"panel": step["panel"], "images": images})
            html = FLOOR_PAGE.replace("__STEPS__", json.dumps(floor_steps)).replace(
                "__FIGURE_WIDTH__", f"{figure_width:.0f}"
            )
            (floor_dir / "index.html").write_text(html, encoding="utf-8")

            result = BrowserResult(
                chromium_version=browser.version,
                presses_per_round=len(panels) - 1,
                images={s["panel"]: [files[str(i["src"])] for i in s["images"]] for s in steps},
            )
            with static_server(floor_dir) as floor_url:
                floor = context.new_page()
                floor.goto(f"{floor_url}/index.html")
                floor.locator(".cv[data-ready]").wait_for(timeout=PAGE_TIMEOUT_MS)

                # One unmeasured warm-up round each, then interleaved measured rounds.
                for measured in [False] + [True] * rounds:
                    for page, sink in ((app, result.app_ms), (floor, result.floor_ms)):
                        page.bring_to_front()
                        time.sleep(max(pause_s, 0.3))
                        latencies = _round(page, panels, pause_s)
                        if measured:
                            sink.extend(latencies)
                floor.close()
            return result
        finally:
            browser.close()


# --------------------------------------------------------------------------------------
# Part 2: sessions over Streamlit's websocket protocol


@dataclass
class RunResult:
    seconds: float
    status: int
    query_strings: list[str]
    stepper_id: str | None
    stepper_data: dict[str, Any] | None
    problems: list[str]
    messages: int


class StreamlitSession:
    """One browser-less Streamlit session: connect, rerun with widget states, read replies."""

    def __init__(self, server: ViewerServer, index: int) -> None:
        self.server = server
        self.index = index
        self.page_script_hash = ""
        self.cache: dict[str, ForwardMsg] = {}  # by hash, as the browser caches them
        self.stepper_id: str | None = None
        self.fragment_id = ""  # the stepper's fragment, when the page runs it as one
        self.query_string = ""  # as the browser knows it: the last one the server set
        self._ws: ClientConnection | None = None

    async def connect(self) -> None:
        self._ws = await connect(
            self.server.ws_url,
            subprotocols=[Subprotocol("streamlit")],
            origin=Origin(self.server.base_url),
            max_size=None,
            proxy=None,
            open_timeout=RUN_TIMEOUT_S,
        )

    def resolve(self, raw: bytes) -> ForwardMsg:
        """A ForwardMsg as the browser reads it: a reference to a cached message is replaced by
        that message, and a cacheable message is kept for later references."""
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                raise BenchError(f"session {self.index}: reference to unknown {msg.ref_hash}")
            return cached
        if msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = msg
        return msg

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), timeout=10)
            self._ws = None

    async def run(self, query_string: str, step: str | None = None) -> RunResult:
        """Rerun the script; with ``step``, as the stepper's ``setStateValue('step', step)``."""
        if self._ws is None:
            raise BenchError(f"session {self.index} is not connected")
        back = BackMsg()
        rerun = back.rerun_script
        rerun.query_string = query_string
        rerun.page_script_hash = self.page_script_hash
        rerun.cached_message_hashes.extend(self.cache)
        if step is not None:
            if self.stepper_id is None:
                raise BenchError(f"session {self.index}: no stepper element id yet")
            widget = rerun.widget_states.widgets.add()
            widget.id = self.stepper_id
            widget.json_value = json.dumps({"step": step})
            # A widget inside an st.fragment reruns only that fragment; the browser says
            # which fragment in the rerun request, so do the same.
            rerun.fragment_id = self.fragment_id

        query_strings: list[str] = []
        problems: list[str] = []
        stepper_id: str | None = None
        stepper_data: dict[str, Any] | None = None
        messages = 0
        start = time.perf_counter()
        await self._ws.send(back.SerializeToString())
        deadline = start + RUN_TIMEOUT_S
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise BenchError(f"session {self.index}: no script_finished in {RUN_TIMEOUT_S} s")
            raw = await asyncio.wait_for(self._ws.recv(), timeout=remaining)
            messages += 1
            if not isinstance(raw, bytes):
                raise BenchError(f"session {self.index}: text frame from the server")
            msg = self.resolve(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash
            elif kind == "page_info_changed":
                query_strings.append(msg.page_info_changed.query_string)
                self.query_string = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                element_type = element.WhichOneof("type")
                if element_type == "bidi_component":
                    stepper_id = element.bidi_component.id
                    self.fragment_id = msg.delta.fragment_id
                    try:
                        stepper_data = json.loads(element.bidi_component.json)
                    except json.JSONDecodeError:
                        problems.append("stepper data is not JSON")
                elif element_type == "exception":
                    problems.append(f"exception: {element.exception.message}")
                elif element_type == "alert" and element.alert.format in (
                    Alert.ERROR, Alert.WARNING
                ):
                    problems.append(f"alert: {element.alert.body}")
            elif kind == "script_finished":
                seconds = time.perf_counter() - start
                status = int(msg.script_finished)
                if status not in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    name = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                    problems.append(f"script finished with {name}")
                return RunResult(
                    seconds, status, query_strings, stepper_id, stepper_data, problems, messages
                )

    async def open_case(self, panel: str) -> RunResult:
        self.query_string = case_query(CASE_ID, panel)
        result = await self.run(self.query_string)
        self._check(result, panel)
        self.stepper_id = result.stepper_id
        return result

    async def step(self, panel: str) -> RunResult:
        """One step as the browser sends it: widget state set, last query string, fragment id."""
        result = await self.run(self.query_string, step=panel)
        self._check(result, panel)
        return result

    async def check_widget_state(self, stale: str, panel: str) -> RunResult:
        """Only the widget state says ``panel``: the server must show it and move the query."""
        result = await self.run(case_query(CASE_ID, stale), step=panel)
        self._check(result, panel)
        wanted = case_query(CASE_ID, panel)
        if wanted not in result.query_strings:
            raise BenchError(
                f"session {self.index}: widget state step={panel} with query step={stale} "
                f"gave page_info_changed {result.query_strings}, expected {wanted!r}; the "
                "server did not act on the stepper's state"
            )
        return result

    def _check(self, result: RunResult, panel: str) -> None:
        problems = list(result.problems)
        if result.stepper_id is None or result.stepper_data is None:
            problems.append("no stepper element in the rerun")
        else:
            if self.stepper_id is not None and result.stepper_id != self.stepper_id:
                problems.append(f"stepper id changed to {result.stepper_id}")
            shown = result.stepper_data.get("initialPanel")
            if shown != panel:
                problems.append(f"stepper opened on {shown!r}, expected {panel!r}")
        if problems:
            raise BenchError(f"session {self.index}, step {panel}: " + "; ".join(problems))


@dataclass
class SessionsResult:
    sessions: int
    rounds: int
    think_ms: float
    open_cold_ms: float = float("nan")
    open_ms: list[float] = field(default_factory=list)
    burst_ms: list[float] = field(default_factory=list)
    burst_wall_ms: list[float] = field(default_factory=list)
    paced_ms: list[float] = field(default_factory=list)
    verified_reruns: int = 0
    widget_state_checks: int = 0
    rss_1_mb: float = float("nan")
    rss_n_mb: float = float("nan")
    rss_n_after_mb: float = float("nan")
    client_cpu_share: float = float("nan")

    @property
    def burst(self) -> Stats:
        return Stats.of(self.burst_ms)

    @property
    def paced(self) -> Stats:
        return Stats.of(self.paced_ms)

    @property
    def mb_per_session(self) -> float:
        return (self.rss_n_mb - self.rss_1_mb) / max(self.sessions - 1, 1)

    @property
    def mb_per_session_after(self) -> float:
        return (self.rss_n_after_mb - self.rss_1_mb) / max(self.sessions - 1, 1)


async def _warm_up(session: StreamlitSession, panels: Sequence[str]) -> float:
    """Connect, open the case, check the widget-state path, walk every step and back.

    Returns the time to open the case, in ms; makes ``len(panels) + 2`` verified reruns.
    """
    await session.connect()
    opened = await session.open_case(panels[0])
    await session.check_widget_state(panels[0], panels[1])
    for panel in panels[1:]:
        await session.step(panel)
    await session.step(panels[0])
    return opened.seconds * 1000


async def _paced(
    session: StreamlitSession, panels: Sequence[str], rounds: int, think_s: float,
    rng: random.Random, sink: list[float],
) -> int:
    reruns = 0
    await asyncio.sleep(rng.uniform(0, think_s))
    for _ in range(rounds):
        for panel in panels[1:]:
            await asyncio.sleep(rng.uniform(0.5 * think_s, 1.5 * think_s))
            sink.append((await session.step(panel)).seconds * 1000)
            reruns += 1
        await asyncio.sleep(rng.uniform(0.5 * think_s, 1.5 * think_s))
        await session.step(panels[0])
        reruns += 1
    return reruns


async def run_sessions(
    server: ViewerServer, panels: Sequence[str], count: int, rounds: int, think_ms: float,
    seed: int,
) -> SessionsResult:
    result = SessionsResult(sessions=count, rounds=rounds, think_ms=think_ms)
    sessions = [StreamlitSession(server, i) for i in range(count)]
    pid = server.process.pid
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    try:
        # One session, warmed up (its first run also fills the server's decode caches).
        result.open_cold_ms = await _warm_up(sessions[0], panels)
        await asyncio.sleep(2)
        result.rss_1_mb = await sample_rss_mb(pid)

        # The others, connected and warmed up together.
        result.open_ms = list(await asyncio.gather(*(_warm_up(s, panels) for s in sessions[1:])))
        result.verified_reruns += count * (len(panels) + 2)
        result.widget_state_checks += count
        await asyncio.sleep(2)
        result.rss_n_mb = await sample_rss_mb(pid)

        # Burst: all sessions step at the same moment, one barrier per step.
        for _ in range(rounds):
            for panel in panels[1:]:
                start = time.perf_counter()
                runs = await asyncio.gather(*(s.step(panel) for s in sessions))
                result.burst_wall_ms.append((time.perf_counter() - start) * 1000)
                result.burst_ms.extend(r.seconds * 1000 for r in runs)
                result.verified_reruns += len(runs)
            await asyncio.gather(*(s.step(panels[0]) for s in sessions))
            result.verified_reruns += len(sessions)
            await asyncio.sleep(0.5)

        # Paced: each session on its own clock.
        rng = random.Random(seed)
        paced = await asyncio.gather(
            *(
                _paced(s, panels, rounds, think_ms / 1000, random.Random(rng.random()),
                       result.paced_ms)
                for s in sessions
            )
        )
        result.verified_reruns += sum(paced)
        await asyncio.sleep(2)
        result.rss_n_after_mb = await sample_rss_mb(pid)
    finally:
        result.client_cpu_share = (time.process_time() - cpu_start) / max(
            time.perf_counter() - wall_start, 1e-9
        )
        await asyncio.gather(*(s.close() for s in sessions))
    return result


# --------------------------------------------------------------------------------------
# Report


def goals_of(browser: BrowserResult | None, sessions: SessionsResult | None) -> list[Goal]:
    goals: list[Goal] = []
    if browser is not None:
        ratio = browser.ratio_p95
        goals.append(Goal("browser: p95(app) / p95(floor)", ratio, "x",
                          f"<= {GOAL_BROWSER_RATIO:g}x", ratio <= GOAL_BROWSER_RATIO))
    if sessions is not None:
        n = sessions.sessions
        for label, stats in (("burst", sessions.burst), ("paced", sessions.paced)):
            goals.append(Goal(f"{n} sessions, {label}: step p95", stats.p95, "ms",
                              f"< {GOAL_SESSION_P95_MS:g} ms", stats.p95 < GOAL_SESSION_P95_MS))
        per = max(sessions.mb_per_session, sessions.mb_per_session_after)
        goals.append(Goal("memory per extra session", per, "MB",
                          f"< {GOAL_MB_PER_SESSION:g} MB", per < GOAL_MB_PER_SESSION))
    return goals


def _stats_row(label: str, stats: Stats) -> str:
    return (f"  {label:<28} {stats.n:>5} {stats.p50:>8.1f} {stats.p95:>8.1f} "
            f"{stats.mean:>8.1f} {stats.min:>8.1f} {stats.max:>8.1f}")


def _stats_header() -> str:
    return f"  {'':<28} {'n':>5} {'p50':>8} {'p95':>8} {'mean':>8} {'min':>8} {'max':>8}  (ms)"


def print_report(
    browser: BrowserResult | None, sessions: SessionsResult | None, goals: Sequence[Goal],
    pause_ms: float,
) -> None:
    if browser is not None:
        print()
        print(f"Part 1: one reader, Right key to next step painted "
              f"(Chromium {browser.chromium_version}, headless, pause {pause_ms:g} ms)")
        print(_stats_header())
        print(_stats_row("app (Streamlit stepper)", browser.app))
        print(_stats_row("floor (static page)", browser.floor))
        print(f"  p95 ratio app/floor: {browser.ratio_p95:.2f}x   "
              f"p50 ratio: {browser.app.p50 / browser.floor.p50:.2f}x")
    if sessions is not None:
        s = sessions
        print()
        print(f"Part 2: {s.sessions} concurrent sessions over the websocket protocol, "
              f"{s.rounds} rounds of {len(s.burst_wall_ms) // max(s.rounds, 1)} steps")
        print(_stats_header())
        print(_stats_row("open case, first (cold)", Stats.of([s.open_cold_ms])))
        print(_stats_row(f"open case, {s.sessions - 1} at once (warm)", Stats.of(s.open_ms)))
        print(_stats_row("burst: all step at once", s.burst))
        print(_stats_row("  burst wall per step (all)", Stats.of(s.burst_wall_ms)))
        print(_stats_row(f"paced: think ~{s.think_ms:g} ms", s.paced))
        print(f"  verified reruns: {s.verified_reruns} (status, stepper id and initialPanel); "
              f"widget-state checks: {s.widget_state_checks}")
        print(f"  load generator CPU: {s.client_cpu_share * 100:.0f}% of one core "
              f"(shares the machine's {os.cpu_count()} cores with the server)")
        print(f"  server RSS: 1 session {s.rss_1_mb:.1f} MB, {s.sessions} sessions "
              f"{s.rss_n_mb:.1f} MB (after timed rounds {s.rss_n_after_mb:.1f} MB)")
        print(f"  per extra session: {s.mb_per_session:.2f} MB "
              f"(after timed rounds {s.mb_per_session_after:.2f} MB)")
    print()
    print("Summary")
    print(f"  {'goal':<36} {'value':>10}  {'target':<10} result")
    for goal in goals:
        value = f"{goal.value:.2f} {goal.unit}" if goal.unit != "x" else f"{goal.value:.2f}x"
        print(f"  {goal.name:<36} {value:>10}  {goal.target:<10} "
              f"{'PASS' if goal.passed else 'MISS'}")


def to_json(
    args: argparse.Namespace, browser: BrowserResult | None, sessions: SessionsResult | None,
    goals: Sequence[Goal], error: str | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "environment": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "error": error,
        "goals": [asdict(g) for g in goals],
    }
    if browser is not None:
        out["browser"] = {
            **asdict(browser),
            "app": asdict(browser.app),
            "floor": asdict(browser.floor),
            "ratio_p95": browser.ratio_p95,
        }
    if sessions is not None:
        out["sessions"] = {
            **asdict(sessions),
            "burst": asdict(sessions.burst),
            "paced": asdict(sessions.paced),
            "mb_per_session": sessions.mb_per_session,
            "mb_per_session_after": sessions.mb_per_session_after,
        }
    return out


# --------------------------------------------------------------------------------------
# Main


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_stepping",
        description="Measure stepping latency in Chromium (against a static floor) and "
        "under concurrent Streamlit sessions, plus memory per session.",
    )
    parser.add_argument("--rounds", type=int, default=5, metavar="N",
                        help="measured rounds A..H, in each part (default 5)")
    parser.add_argument("--sessions", type=int, default=30, metavar="N",
                        help="concurrent sessions in part 2 (default 30)")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT",
                        help="also write all figures and raw samples as JSON")
    parser.add_argument("--only", choices=("browser", "sessions"), default=None,
                        help="run one part only")
    parser.add_argument("--pause-ms", type=float, default=150.0, metavar="MS",
                        help="pause after each paint in part 1 (default 150)")
    parser.add_argument("--think-ms", type=float, default=1000.0, metavar="MS",
                        help="mean think time per step, paced scenario (default 1000)")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, metavar="DIR",
                        help=f"cases folder holding {CASE_ID} (default: the bundled one)")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", CHROMIUM),
                        metavar="PATH", help=f"Chromium executable (default {CHROMIUM})")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the servers, repeatable; e.g. "
                        "STREAMLIT_RUNNER_POST_SCRIPT_GC=false to try a setting")
    parser.add_argument("--seed", type=int, default=1, help="seed of the paced scenario")
    parser.add_argument("--fail-on-miss", action="store_true",
                        help="exit 1 when a goal is missed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.rounds < 1 or args.sessions < 2:
        print("--rounds must be >= 1 and --sessions >= 2", file=sys.stderr)
        return 2
    cases_dir = args.cases.resolve()
    extra_env: dict[str, str] = {}
    for item in args.server_env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            print(f"--server-env {item!r}: expected NAME=VALUE", file=sys.stderr)
            return 2
        extra_env[name] = value
    if extra_env:
        print(f"server environment: {extra_env}", flush=True)
    browser: BrowserResult | None = None
    sessions: SessionsResult | None = None
    error: str | None = None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-stepping-") as tmp:
        workdir = Path(tmp)
        try:
            panels = case_panels(cases_dir, CASE_ID)
            if args.only in (None, "browser"):
                print(f"part 1: browser, {args.rounds} rounds ...", flush=True)
                with viewer_server(cases_dir, workdir, "browser", extra_env) as server:
                    browser = run_browser(server, panels, args.rounds, args.pause_ms / 1000,
                                          args.chromium, workdir)
            if args.only in (None, "sessions"):
                print(f"part 2: {args.sessions} sessions, {args.rounds} rounds ...", flush=True)
                with viewer_server(cases_dir, workdir, "sessions", extra_env) as server:
                    sessions = asyncio.run(run_sessions(
                        server, panels, args.sessions, args.rounds, args.think_ms, args.seed
                    ))
        except BenchError as exc:
            error = str(exc)
        except Exception as exc:  # report any failure as a failed measurement
            error = f"{type(exc).__name__}: {exc}"
    goals = goals_of(browser, sessions) if error is None else []
    if error is None:
        print_report(browser, sessions, goals, args.pause_ms)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(to_json(args, browser, sessions, goals, error), indent=2),
            encoding="utf-8",
        )
        print(f"wrote {args.json}")
    if error is not None:
        print(f"MEASUREMENT FAILED: {error}", file=sys.stderr)
        return 2
    if args.fail_on_miss and not all(g.passed for g in goals):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
