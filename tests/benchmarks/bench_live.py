"""Live-lecture benchmark: a lecturer leads, N trainee devices follow and answer a poll.

Run from the repository root (the one holding ``pyproject.toml``)::

    python -m tests.benchmarks.bench_live [--trainees 60] [--steps 5] [--refresh 1.0 0.5]
                                          [--store sqlite|redis] [--servers N] [--json OUT]

What it does (nothing leaves 127.0.0.1; the file is not named ``test_*.py``, so pytest does
not collect it):

1. starts ``viewer serve`` on the bundled cases with ``VIEWER_LIVE_STORE`` pointing at a fresh
   SQLite file in a temporary folder (``viewer_server`` of ``bench_stepping``);
2. creates a live session directly through the store (the same SQLite file), joins N trainees
   through the store, and opens one browser-less Streamlit session per trainee on the trainee
   address ``?live=<sid>&trainee=<id>&key=<secret>`` (``StreamlitSession`` of
   ``bench_stepping``, speaking Streamlit's websocket protocol). Each simulated device does what
   the browser does for ``st.fragment(run_every=...)``: on the server's ``auto_rerun`` message
   it sends a ``rerun_script`` BackMsg with that ``fragment_id`` (``is_auto_rerun``) every
   ``interval`` seconds, and reads every ForwardMsg;
3. the lecturer advances the step ``--steps`` times through the store (``set_step``), at a
   random moment (2 to 3 s apart, so the devices' timers are at random phases). A trainee has
   followed when a ForwardMsg arrives whose content shows the new step: the status markdown
   ``Panel X · step ...`` or the stepper data whose ``version`` is ``X<layer>``. The follow
   latency is from just before ``set_step`` to that message;
4. opens a poll and has every trainee answer through the store at once (one thread each, a
   barrier to start together); checks every answer is counted (``results`` sums to N) and
   measures, per answer, from the ``answer`` call to a ``results`` call that includes it (each
   thread calls ``results`` right after its ``answer`` returned; an observer thread also
   records when the total first reached N). Then it closes the poll and measures how long the
   trainee pages take to show ``Results (N answers)``;
5. reports the server's RSS (process tree, ``/proc``) before any session, with one trainee,
   with all N, per extra trainee ``(RSS_N - RSS_1) / (N - 1)`` (with S servers: RSS after one
   trainee per server, and ``N - S``), and the server's CPU seconds
   (``utime + stime`` of its process tree, ``/proc/<pid>/stat``) during the run.

``--store redis --servers 2`` runs the same lecture on Redis (a ``redis-server`` of its own)
with two app servers, trainees spread over them as a load balancer would; memory and CPU are
summed over the servers.

``--refresh`` runs the whole lecture once per follow interval (``VIEWER_LIVE_REFRESH_S``, a
fresh server each), in the same run, the first being the baseline the others are compared to
(the default compares 1.0 s, the first release's interval, with 0.5 s, the current default).

Goals (issue 8): follow latency p95 < 1 s, every answer counted, < 5 MB per extra trainee.

Exit status: 0 when it measured (whatever the goals say), 2 when it could not measure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import redis
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.benchmarks.bench_stepping import (
    CASE_ID,
    DEFAULT_CASES,
    BenchError,
    StreamlitSession,
    ViewerServer,
    case_panels,
    process_tree,
    sample_rss_mb,
    viewer_server,
)
from tests.benchmarks.measures import Goal, percentile
from viewer.live.store import LiveStore, open_store

GOAL_FOLLOW_P95_S: Final = 1.0
GOAL_MB_PER_TRAINEE: Final = 5.0
FOLLOW_TIMEOUT_S: Final = 20.0
OPEN_TIMEOUT_S: Final = 120.0
CLK_TCK: Final = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (live ones), from /proc."""
    total = 0
    for p in process_tree(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / CLK_TCK


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A ``redis-server`` of our own on a free loopback port (append-only file on, as in
    production), stopped on exit; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchError("--store redis needs redis-server (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--appendonly", "yes", "--save", "", "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def log(message: str) -> None:
    print(f"[bench_live] {message}", file=sys.stderr, flush=True)


def stats(values: Sequence[float]) -> dict[str, float]:
    if not values:
        nan = float("nan")
        return {"n": 0, "p50": nan, "p95": nan, "max": nan}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values),
    }


# --------------------------------------------------------------------------------------
# A trainee device


class TraineeDevice(StreamlitSession):
    """One trainee's page, kept open: reads every message, reruns the fragment on its timer."""

    def __init__(self, server: ViewerServer, index: int, query_string: str) -> None:
        super().__init__(server, index)
        self.query_string = query_string
        self.timers: dict[str, asyncio.Task[None]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.seen: dict[str, float] = {}  # panel -> first time a message showed it
        self.results_seen: dict[int, float] = {}  # answer total shown -> first time
        self.problems: list[str] = []
        self.loaded = asyncio.Event()
        self.fragment_reruns = 0
        self.messages = 0

    async def open(self) -> None:
        await self.connect()
        self.reader = asyncio.create_task(self._read())
        await self._send(fragment_id="")
        await asyncio.wait_for(self.loaded.wait(), timeout=OPEN_TIMEOUT_S)

    async def _send(self, fragment_id: str, auto: bool = False) -> None:
        if self._ws is None:
            return
        back = BackMsg()
        rerun = back.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = self.page_script_hash
        rerun.cached_message_hashes.extend(self.cache)
        rerun.fragment_id = fragment_id
        rerun.is_auto_rerun = auto
        await self._ws.send(back.SerializeToString())

    async def _timer(self, fragment_id: str, interval: float) -> None:
        # The browser's setInterval: first tick one interval after the message.
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await self._send(fragment_id, auto=True)
                self.fragment_reruns += 1

    def _mark(self, panel: str) -> None:
        self.seen.setdefault(panel, time.perf_counter())

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                if not isinstance(raw, bytes):
                    continue
                self.messages += 1
                try:
                    msg = self.resolve(raw)
                except BenchError as exc:
                    self.problems.append(str(exc))
                    continue
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    self.page_script_hash = msg.new_session.page_script_hash
                elif kind == "auto_rerun":
                    fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
                    old = self.timers.pop(fid, None)
                    if old is not None:
                        old.cancel()
                    self.timers[fid] = asyncio.create_task(self._timer(fid, interval))
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    self._element(msg.delta.new_element)
                elif kind == "script_finished":
                    status = msg.script_finished
                    if status not in (
                        ForwardMsg.FINISHED_SUCCESSFULLY,
                        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                        ForwardMsg.FINISHED_EARLY_FOR_RERUN,
                    ):
                        name = ForwardMsg.ScriptFinishedStatus.Name(status)
                        self.problems.append(f"script finished with {name}")
                    self.loaded.set()
        except Exception as exc:  # the connection closing at the end
            if self._ws is not None:
                self.problems.append(f"reader stopped: {exc!r}")

    def _element(self, element: Any) -> None:
        kind = element.WhichOneof("type")
        if kind == "markdown":
            body = element.markdown.body
            if body.startswith("**Panel ") and len(body) > 8:
                self._mark(body[8])
            elif body.startswith("**Results** ("):
                with contextlib.suppress(ValueError):
                    total = int(body[len("**Results** (") :].split()[0])
                    self.results_seen.setdefault(total, time.perf_counter())
        elif kind == "bidi_component":
            with contextlib.suppress(json.JSONDecodeError, AttributeError, TypeError):
                version = json.loads(element.bidi_component.json).get("version")
                if isinstance(version, str) and version:
                    self._mark(version[0])
        elif kind == "exception":
            self.problems.append(f"exception: {element.exception.message}")
        elif kind == "alert" and element.alert.format == 1:  # ERROR
            self.problems.append(f"alert: {element.alert.body}")

    async def shutdown(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), timeout=10)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader


# --------------------------------------------------------------------------------------
# The run


@dataclass
class LiveResult:
    trainees: int
    steps: int
    follow_s: list[float] = field(default_factory=list)
    missed_follows: int = 0
    open_s: list[float] = field(default_factory=list)
    answer_to_results_s: list[float] = field(default_factory=list)
    answers_wall_s: float = float("nan")
    all_counted_s: float = float("nan")
    results_total: int = 0
    answer_errors: list[str] = field(default_factory=list)
    results_shown_s: list[float] = field(default_factory=list)
    rss_0_mb: float = float("nan")
    rss_1_mb: float = float("nan")
    rss_n_mb: float = float("nan")
    server_cpu_s: float = float("nan")
    wall_s: float = float("nan")
    fragment_reruns: int = 0
    problems: list[str] = field(default_factory=list)
    setup: str = "SQLite store, 1 app server"
    servers: int = 1

    @property
    def mb_per_trainee(self) -> float:
        """Memory per trainee beyond the first on each server (whose page also loads the
        server's case and image caches)."""
        return (self.rss_n_mb - self.rss_1_mb) / max(self.trainees - self.servers, 1)


def _answers(
    store: LiveStore, session_id: str, trainees: list[Any], poll_id: int, options: Sequence[str],
    result: LiveResult,
) -> None:
    """Every trainee answers at once (a thread each); per answer, answer -> results showing it."""
    barrier = threading.Barrier(len(trainees) + 2)  # the answerers, the observer, this
    latencies: list[float] = []
    lock = threading.Lock()
    done = threading.Event()
    n = len(trainees)
    start_holder: list[float] = []

    def observer() -> None:
        barrier.wait()
        while not done.is_set():
            if sum(store.results(session_id, poll_id).values()) >= n:
                result.all_counted_s = time.perf_counter() - start_holder[0]
                return
            time.sleep(0.002)

    def one(i: int, trainee: Any) -> None:
        barrier.wait()
        t0 = time.perf_counter()
        try:
            store.answer(session_id, trainee.trainee_id, trainee.trainee_secret, poll_id,
                         options[i % len(options)], time.time())
            counts = store.results(session_id, poll_id)
            t1 = time.perf_counter()
        except Exception as exc:
            with lock:
                result.answer_errors.append(f"trainee {i}: {exc}")
            return
        if counts.get(options[i % len(options)], 0) < 1:
            with lock:
                result.answer_errors.append(f"trainee {i}: results do not show the answer")
            return
        with lock:
            latencies.append(t1 - t0)

    threads = [threading.Thread(target=one, args=(i, t)) for i, t in enumerate(trainees)]
    watcher = threading.Thread(target=observer)
    for thread in [*threads, watcher]:
        thread.start()
    start_holder.append(time.perf_counter())
    barrier.wait()
    for thread in threads:
        thread.join()
    result.answers_wall_s = time.perf_counter() - start_holder[0]
    watcher.join(timeout=10)
    done.set()
    result.answer_to_results_s = latencies
    result.results_total = sum(store.results(session_id, poll_id).values())


async def servers_rss_mb(servers: Sequence[ViewerServer]) -> float:
    return sum([await sample_rss_mb(s.process.pid) for s in servers])


def servers_cpu_s(servers: Sequence[ViewerServer]) -> float:
    return sum(tree_cpu_seconds(s.process.pid) for s in servers)


async def run_live(
    servers: Sequence[ViewerServer], store: LiveStore, panels: Sequence[str], trainees_n: int,
    steps: int, seed: int,
) -> LiveResult:
    """One lecture; trainee ``i`` is served by ``servers[i % len(servers)]`` (a load balancer's
    round robin); the lecturer acts through the store."""
    result = LiveResult(trainees=trainees_n, steps=steps, servers=len(servers))
    rng = random.Random(seed)
    cpu_start, wall_start = servers_cpu_s(servers), time.perf_counter()
    result.rss_0_mb = await servers_rss_mb(servers)

    lecturer = store.create_session(CASE_ID, panels[0], time.time())
    trainees = [
        store.join(lecturer.join_code, f"Trainee {i + 1}", time.time()) for i in range(trainees_n)
    ]
    devices = [
        TraineeDevice(servers[i % len(servers)], i, urlencode(
            {"live": t.session_id, "trainee": t.trainee_id, "key": t.trainee_secret}
        ))
        for i, t in enumerate(trainees)
    ]
    try:
        log("opening trainee pages")

        async def timed_open(device: TraineeDevice) -> None:
            start = time.perf_counter()
            await device.open()
            result.open_s.append(time.perf_counter() - start)

        first = len(servers)  # one trainee per server first: each loads its server's caches
        for device in devices[:first]:
            await timed_open(device)
        await asyncio.sleep(2)
        result.rss_1_mb = await servers_rss_mb(servers)

        # Open the others a few at a time, as a room does over some seconds.
        batch = 10
        for i in range(first, trainees_n, batch):
            await asyncio.gather(*(timed_open(d) for d in devices[i : i + batch]))
        await asyncio.sleep(3)
        result.rss_n_mb = await servers_rss_mb(servers)
        not_on_first = [d.index for d in devices if panels[0] not in d.seen]
        if not_on_first:
            raise BenchError(f"trainees {not_on_first[:10]} never showed panel {panels[0]}")

        log(f"{trainees_n} trainee pages open; the lecturer steps")
        # The lecturer steps forward.
        order = list(panels[1:]) + list(reversed(panels[:-1]))
        for k in range(steps):
            panel = order[k % len(order)]
            await asyncio.sleep(rng.uniform(2.0, 3.0))
            for d in devices:
                d.seen.pop(panel, None)
            sent = time.perf_counter()
            store.set_step(lecturer.session_id, lecturer.lecturer_secret, panel, 1, time.time())
            deadline = sent + FOLLOW_TIMEOUT_S
            while time.perf_counter() < deadline and not all(panel in d.seen for d in devices):
                await asyncio.sleep(0.01)
            for d in devices:
                if panel in d.seen:
                    result.follow_s.append(d.seen[panel] - sent)
                else:
                    result.missed_follows += 1
        current = order[(steps - 1) % len(order)] if steps else panels[0]

        log("poll")
        # A poll: everyone answers at once, through the store.
        options = ("Yes", "No", "Not sure")
        poll = store.open_poll(lecturer.session_id, lecturer.lecturer_secret, current,
                               "Benchmark poll: is the lesion suspicious?", options, time.time())
        await asyncio.sleep(1.5)
        await asyncio.to_thread(
            _answers, store, lecturer.session_id, trainees, poll.poll_id, options, result
        )
        closed = time.perf_counter()
        store.close_poll(lecturer.session_id, lecturer.lecturer_secret, poll.poll_id, time.time())
        deadline = closed + FOLLOW_TIMEOUT_S
        while time.perf_counter() < deadline and not all(
            trainees_n in d.results_seen for d in devices
        ):
            await asyncio.sleep(0.01)
        result.results_shown_s = [
            d.results_seen[trainees_n] - closed for d in devices if trainees_n in d.results_seen
        ]
        store.end_session(lecturer.session_id, lecturer.lecturer_secret, time.time())
        await asyncio.sleep(1.5)
    finally:
        result.server_cpu_s = servers_cpu_s(servers) - cpu_start
        result.wall_s = time.perf_counter() - wall_start
        result.fragment_reruns = sum(d.fragment_reruns for d in devices)
        for d in devices:
            result.problems.extend(f"trainee {d.index}: {p}" for p in d.problems[:3])
        await asyncio.gather(*(d.shutdown() for d in devices))
    return result


# --------------------------------------------------------------------------------------
# Report


def goals_of(r: LiveResult) -> list[Goal]:
    follow = stats(r.follow_s)
    counted = r.results_total == r.trainees and not r.answer_errors
    return [
        Goal("follow latency p95", follow["p95"], "s", f"< {GOAL_FOLLOW_P95_S:.0f} s",
             follow["p95"] < GOAL_FOLLOW_P95_S and r.missed_follows == 0,
             f"{r.missed_follows} missed" if r.missed_follows else ""),
        Goal("every answer counted", float(r.results_total), "answers", f"= {r.trainees}",
             counted, "; ".join(r.answer_errors[:3])),
        Goal("memory per extra trainee", r.mb_per_trainee, "MB",
             f"< {GOAL_MB_PER_TRAINEE:.0f} MB", r.mb_per_trainee < GOAL_MB_PER_TRAINEE),
    ]


def print_report(r: LiveResult) -> list[Goal]:
    print(f"\nLive benchmark: {r.trainees} trainees, {r.steps} steps ({r.setup})")
    print(f"{'measure':<40}{'n':>6}{'p50':>10}{'p95':>10}{'max':>10}")

    def row(label: str, values: Sequence[float], scale: float = 1000.0) -> None:
        s = stats(values)
        print(f"{label:<40}{s['n']:>6}{s['p50'] * scale:>10.1f}{s['p95'] * scale:>10.1f}"
              f"{s['max'] * scale:>10.1f}")

    row("follow latency (ms)", r.follow_s)
    row("trainee page open (ms)", r.open_s)
    row("answer -> results (ms)", r.answer_to_results_s)
    row("poll closed -> page shows results (ms)", r.results_shown_s)
    print(f"missed follows: {r.missed_follows}; fragment reruns sent: {r.fragment_reruns}")
    print(f"answers: {r.results_total} counted of {r.trainees}; all {r.trainees} answered in "
          f"{r.answers_wall_s * 1000:.1f} ms; observer saw the total reach {r.trainees} after "
          f"{r.all_counted_s * 1000:.1f} ms")
    print(f"server RSS: before sessions {r.rss_0_mb:.1f} MB, {r.servers} trainee(s) (one per "
          f"server) {r.rss_1_mb:.1f} MB, "
          f"{r.trainees} trainees {r.rss_n_mb:.1f} MB; per extra trainee "
          f"{r.mb_per_trainee:.2f} MB")
    print(f"server CPU: {r.server_cpu_s:.1f} s over {r.wall_s:.1f} s wall "
          f"({r.server_cpu_s / max(r.wall_s, 1e-9):.0%} of one core)")
    if r.problems:
        print(f"problems ({len(r.problems)}): " + "; ".join(r.problems[:5]))
    goals = goals_of(r)
    print("\nGoals")
    for g in goals:
        detail = f"  ({g.detail})" if g.detail else ""
        print(f"  {'PASS' if g.passed else 'MISS'}  {g.name:<28} {g.value:10.3f} {g.unit:<8}"
              f" target {g.target}{detail}")
    return goals


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=60)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--refresh", type=float, nargs="+", default=[1.0, 0.5],
                        help="follow intervals in seconds, the first the baseline")
    parser.add_argument("--store", choices=("sqlite", "redis"), default="sqlite",
                        help="redis starts a redis-server of its own (Debian's redis-server)")
    parser.add_argument("--servers", type=int, default=1,
                        help="app servers sharing the store, trainees spread round robin")
    parser.add_argument("--json", type=Path, help="write every figure and sample here")
    return parser


def print_comparison(runs: Sequence[tuple[float, LiveResult]]) -> None:
    """Each interval's medians and p95s beside the baseline's (the first), as ratios."""
    base_refresh, base = runs[0]
    print(f"\nComparison with the baseline ({base_refresh:g} s follow interval, same run)")
    print(f"{'interval':>9}{'follow p50':>12}{'follow p95':>12}{'ratio p95':>11}"
          f"{'CPU s':>8}{'ratio CPU':>11}{'MB/trainee':>12}")
    base_p95 = stats(base.follow_s)["p95"]
    for refresh, r in runs:
        follow = stats(r.follow_s)
        print(f"{refresh:>8g}s{follow['p50'] * 1000:>10.0f}ms{follow['p95'] * 1000:>10.0f}ms"
              f"{follow['p95'] / max(base_p95, 1e-9):>11.2f}{r.server_cpu_s:>8.1f}"
              f"{r.server_cpu_s / max(base.server_cpu_s, 1e-9):>11.2f}"
              f"{r.mb_per_trainee:>12.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.servers < 1 or args.trainees < args.servers + 1 or args.steps < 1:
        print("need --servers >= 1, --trainees > --servers and --steps >= 1", file=sys.stderr)
        return 2
    runs: list[tuple[float, LiveResult]] = []
    try:
        panels = case_panels(args.cases, CASE_ID)
        for refresh in args.refresh:
            log(f"follow interval {refresh:g} s")
            with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp, \
                    contextlib.ExitStack() as stack:
                folder = Path(tmp)
                if args.store == "redis":
                    setting = stack.enter_context(redis_server(folder))
                else:
                    setting = str(folder / "live.sqlite3")
                store = open_store(setting, folder)
                stack.callback(store.close)
                env = {"VIEWER_LIVE_STORE": setting, "VIEWER_DATA_DIR": str(folder),
                       "VIEWER_LIVE_REFRESH_S": f"{refresh:g}"}
                servers = [
                    stack.enter_context(viewer_server(args.cases, folder, f"live{n}", env))
                    for n in range(args.servers)
                ]
                result = asyncio.run(
                    run_live(servers, store, panels, args.trainees, args.steps, args.seed)
                )
                result.setup = (f"{'Redis' if args.store == 'redis' else 'SQLite'} store, "
                                f"{args.servers} app server{'s' if args.servers > 1 else ''}")
            runs.append((refresh, result))
    except (BenchError, OSError, TimeoutError) as exc:
        print(f"could not measure: {exc}", file=sys.stderr)
        return 2
    reports = []
    for refresh, result in runs:
        print(f"\n=== follow interval {refresh:g} s ===")
        goals = print_report(result)
        data = asdict(result)
        data["refresh_s"] = refresh
        data["mb_per_trainee"] = result.mb_per_trainee
        data["goals"] = [asdict(g) for g in goals]
        reports.append(data)
    if len(runs) > 1:
        print_comparison(runs)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
