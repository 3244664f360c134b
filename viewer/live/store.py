"""The state of live lectures: the interface every backend implements, its records, its rules.

A lecturer starts a session for a case and gets a short join code; trainees join with it and
their screens follow the lecturer's step and reveal layer; the lecturer opens a poll, trainees
answer once each, the lecturer closes it (the results and the key are revealed) and finally ends
the session and downloads the answers as CSV. All of it lives in a store shared by every server
process, never in one Streamlit session's memory:

- :class:`viewer.live.sqlite_store.SqliteStore`: one SQLite file in a data folder (the default;
  no setup; WAL mode and short transactions, so several processes share it; survives restarts).
- :class:`viewer.live.redis_store.RedisStore`: a Redis server, for several app servers behind a
  load balancer (durability is Redis's own: run it with AOF or RDB).

:func:`open_store` picks one from a setting. Both pass the same test suite (``tests/live``).

Rules both backends keep (the checks live here, so their messages are the same):

- Only the lecturer secret (returned once by :meth:`LiveStore.create_session`) can change the
  step, open or close a poll, end the session or download the results; a trainee's secret
  (returned once by :meth:`LiveStore.join`) is needed to answer or to read their own answers.
  Secrets are stored as SHA-256 digests and compared with :func:`hmac.compare_digest`.
- Reading the state and a poll's counts needs only the session id, which every trainee of the
  session has (whether trainees see the counts of an open poll is the UI's choice).
- A join code works while its session is live: not ended and younger than
  :attr:`Limits.max_age`. Codes are unique among live sessions and may be reused afterwards.
- At most one poll is open at a time; a trainee answers a poll once, while it is open, with one
  of its options; answer attempts are rate limited per trainee (:attr:`Limits.answers_per_window`
  in :attr:`Limits.window`). A session holds at most :attr:`Limits.max_trainees` trainees.
- :attr:`SessionState.version` increases with every change of the state (step, layer, a poll
  opened or closed, the end); followers poll :meth:`LiveStore.state` and re-render when it moves.
  Answers do not change it (the lecturer's screen polls :meth:`LiveStore.results`).
- Everything a person types (display names, questions, options) is stored and returned as
  plain text, exactly as typed (names stripped): escaping it for HTML is the UI's job. The CSV
  export is the one output made here, so it neutralises spreadsheet formulas itself.

Errors are :class:`LiveError` (a :class:`~viewer.errors.ViewerError`), one subclass per kind::

    LiveError              base class; ``str(err)`` is a complete, one-line message
    +-- NotFound           no such session, poll or live join code
    +-- Forbidden          the lecturer's or the trainee's secret does not match
    +-- Closed             the session has ended, or the poll is closed
    +-- AlreadyAnswered    this trainee has answered this poll already
    +-- Invalid            a bad value: step, layer, poll text, option, display name, join code
    +-- TooMany            the session is full, or a trainee answers too fast
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from viewer.errors import ViewerError

# --- errors -------------------------------------------------------------------------------------


class LiveError(ViewerError):
    """Base class of the live-lecture errors; see the module docstring for the kinds."""


class NotFound(LiveError):
    """No such session, poll or live join code."""


class Forbidden(LiveError):
    """The lecturer's or the trainee's secret does not match."""


class Closed(LiveError):
    """The session has ended, or the poll is closed."""


class AlreadyAnswered(LiveError):
    """This trainee has answered this poll already."""


class Invalid(LiveError):
    """A value is out of bounds or malformed."""


class TooMany(LiveError):
    """The session is full, or a trainee answers too fast."""


NO_SESSION = "no such session"
SESSION_ENDED = "this session has ended"
NOT_A_TRAINEE = "not a trainee of this session"


def only_lecturer(action: str) -> Forbidden:
    return Forbidden(f"only the lecturer can {action}")


def no_poll(poll_id: int) -> NotFound:
    return NotFound(f"poll {poll_id} does not exist in this session")


def poll_closed(poll_id: int) -> Closed:
    return Closed(f"poll {poll_id} is closed")


def already_answered(poll_id: int) -> AlreadyAnswered:
    return AlreadyAnswered(f"this trainee has already answered poll {poll_id}")


def not_live(join_code: str) -> NotFound:
    return NotFound(f"join code {join_code!r} is not a live session")


# --- limits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Bounds a store enforces (the defaults suit a lecture hall)."""

    max_trainees: int = 500
    """Trainees per session."""
    max_age: float = 12 * 3600
    """Seconds after its creation that a session's join code stops working."""
    answers_per_window: int = 5
    """Answer attempts (accepted or refused) one trainee may make per :attr:`window`."""
    window: float = 10.0
    """Seconds of the rate-limit window (fixed windows of the ``now`` the caller passes)."""


DEFAULT_LIMITS = Limits()

MAX_NAME = 40
MAX_QUESTION = 500
MAX_OPTION = 100
MAX_OPTIONS = 20
LAYERS = range(1, 5)

JOIN_CODE_LENGTH = 6
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Capital letters and digits without the look-alikes 0/O, 1/I/L."""

_PANEL = re.compile(r"[A-Z]")
_CASE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LecturerSession:
    """What the lecturer gets once, on creating a session: keep the secret, share the code."""

    session_id: str
    join_code: str
    lecturer_secret: str


@dataclass(frozen=True)
class Trainee:
    """What a trainee gets once, on joining: keep the secret (answers need it)."""

    session_id: str
    trainee_id: str
    trainee_secret: str
    display_name: str | None


@dataclass(frozen=True)
class Poll:
    """One question put to the room. ``key`` is the correct option, if the lecturer gave one."""

    poll_id: int
    panel: str
    question: str
    options: tuple[str, ...]
    key: str | None
    opened_at: float
    closed_at: float | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def hiding_key(self) -> Poll:
        """The poll as followers may see it: no key while it is open."""
        if self.is_open and self.key is not None:
            return Poll(self.poll_id, self.panel, self.question, self.options, None,
                        self.opened_at, None)
        return self


@dataclass(frozen=True)
class SessionState:
    """What every screen of the session shows.

    ``poll`` is the session's latest poll, open or closed (``None`` before the first), so
    followers can show the question while it is open and the results once it is closed; its key
    is hidden while it is open.
    """

    session_id: str
    case_id: str
    step: str
    layer: int
    poll: Poll | None
    ended: bool
    version: int
    join_code: str
    """Not a secret: every trainee typed it (the lecturer's screens show it to the room)."""
    started_at: float
    """When the session was created (seconds since the epoch)."""
    step_at: float
    """When the lecturer last changed the step or layer."""
    trainees: int
    """How many trainees have joined."""


@dataclass(frozen=True)
class TraineeAnswer:
    """One of a trainee's own answers; ``key`` shows only once the poll is closed."""

    poll_id: int
    panel: str
    question: str
    option: str
    answered_at: float
    key: str | None

    @property
    def correct(self) -> bool | None:
        return None if self.key is None else self.option == self.key


@dataclass(frozen=True)
class AnswerRow:
    """One answer as the results CSV lists it."""

    poll: Poll
    trainee_id: str
    display_name: str | None
    option: str
    answered_at: float


# --- the interface ------------------------------------------------------------------------------


class LiveStore(Protocol):
    """The state of live sessions, shared by every server process.

    ``now`` is seconds since the epoch (``time.time()``), passed in so tests control time.
    """

    limits: Limits

    def create_session(self, case_id: str, step: str, now: float) -> LecturerSession:
        """Start a session for ``case_id`` at ``step`` (layer 1)."""
        ...

    def join(self, join_code: str, display_name: str | None, now: float) -> Trainee:
        """Join a live session; the name is optional (anonymous when empty)."""
        ...

    def state(self, session_id: str) -> SessionState: ...

    def set_step(
        self, session_id: str, lecturer_secret: str, step: str, layer: int, now: float
    ) -> SessionState: ...

    def open_poll(
        self,
        session_id: str,
        lecturer_secret: str,
        panel: str,
        question: str,
        options: Sequence[str],
        now: float,
        key: str | None = None,
    ) -> Poll:
        """Open a poll (numbered 1, 2, ... within the session); none may be open already."""
        ...

    def close_poll(self, session_id: str, lecturer_secret: str, poll_id: int, now: float) -> Poll:
        """Close a poll (closing a closed poll changes nothing)."""
        ...

    def answer(
        self,
        session_id: str,
        trainee_id: str,
        trainee_secret: str,
        poll_id: int,
        option: str,
        now: float,
    ) -> None: ...

    def results(self, session_id: str, poll_id: int) -> dict[str, int]:
        """Answers per option, every option present, in the poll's order."""
        ...

    def end_session(self, session_id: str, lecturer_secret: str, now: float) -> None:
        """End the session: the join code stops working, an open poll closes (idempotent)."""
        ...

    def results_csv(self, session_id: str, lecturer_secret: str) -> str: ...

    def all_results(
        self, session_id: str, lecturer_secret: str
    ) -> list[tuple[Poll, dict[str, int]]]:
        """Every poll of the session (keys shown) with its answers per option, in poll order:
        the lecturer's review after (or during) the session."""
        ...

    def trainee_answers(
        self, session_id: str, trainee_id: str, trainee_secret: str
    ) -> list[TraineeAnswer]:
        """A trainee's own answers, in poll order; they stay readable after the session."""
        ...

    def display_name(self, session_id: str, trainee_id: str, trainee_secret: str) -> str | None:
        """The name a trainee joined with (``None`` if anonymous), after checking the secret."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def open_store(setting: str | None, data_dir: Path, limits: Limits = DEFAULT_LIMITS) -> LiveStore:
    """The store a setting names: a ``redis://``, ``rediss://`` or ``unix://`` URL selects
    Redis; a file path selects SQLite there; empty or ``None`` means ``data_dir/live.sqlite3``."""
    if setting and setting.startswith(("redis://", "rediss://", "unix://")):
        from viewer.live.redis_store import RedisStore

        return RedisStore(setting, limits=limits)
    from viewer.live.sqlite_store import SqliteStore

    return SqliteStore(Path(setting) if setting else data_dir / "live.sqlite3", limits=limits)


# --- rules shared by the backends ---------------------------------------------------------------


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_trainee_id() -> str:
    return secrets.token_hex(8)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def digest(secret: str) -> str:
    """What is stored of a secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def matches(stored_digest: str | None, secret: str) -> bool:
    """Whether ``secret`` is the one whose digest was stored (constant time)."""
    if stored_digest is None:
        # Still compare, so an unknown id costs the same as a wrong secret.
        hmac.compare_digest(digest(secret), "0" * 64)
        return False
    return hmac.compare_digest(stored_digest, digest(secret))


def shown(text: str) -> str:
    """A value quoted for a message, cut to a readable length."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def check_case_id(case_id: str) -> None:
    if not _CASE_ID.fullmatch(case_id):
        raise Invalid(
            f"a case id is lowercase letters, digits and hyphens, not {shown(case_id)}"
        )


def check_step(step: str, layer: int) -> None:
    check_panel(step, "step")
    if isinstance(layer, bool) or not isinstance(layer, int) or layer not in LAYERS:
        raise Invalid(f"layer must be 1 to 4, not {layer!r}")


def check_panel(panel: str, what: str = "panel") -> None:
    if not _PANEL.fullmatch(panel):
        raise Invalid(f"{what} must be a panel letter A-Z, not {shown(panel)}")


def normal_join_code(join_code: str) -> str:
    """The code as stored: capitals, spaces and hyphens dropped (``k7m-2qx`` -> ``K7M2QX``)."""
    code = re.sub(r"[\s-]", "", join_code).upper()
    if len(code) != JOIN_CODE_LENGTH or not (code.isascii() and code.isalnum()):
        raise Invalid(f"a join code is {JOIN_CODE_LENGTH} letters and digits")
    return code


def clean_name(display_name: str | None) -> str | None:
    """The display name stripped; ``None`` (anonymous) when empty."""
    if display_name is None:
        return None
    name = display_name.strip()
    if len(name) > MAX_NAME:
        raise Invalid(f"a display name has at most {MAX_NAME} characters, not {len(name)}")
    if _CONTROL.search(name):
        raise Invalid("a display name must not contain control characters")
    return name or None


def check_poll(
    panel: str, question: str, options: Sequence[str], key: str | None
) -> tuple[str, ...]:
    """The poll's options as a tuple, after checking the poll is well formed."""
    check_panel(panel)
    if not question.strip():
        raise Invalid("a poll needs a question")
    if len(question) > MAX_QUESTION:
        raise Invalid(f"a question has at most {MAX_QUESTION} characters, not {len(question)}")
    if isinstance(options, str) or not 2 <= len(options) <= MAX_OPTIONS:
        count = "a string" if isinstance(options, str) else str(len(options))
        raise Invalid(f"a poll needs 2 to {MAX_OPTIONS} options, not {count}")
    seen: set[str] = set()
    for option in options:
        if not option.strip() or len(option) > MAX_OPTION:
            raise Invalid(f"an option is 1 to {MAX_OPTION} characters, not {shown(option)}")
        if option in seen:
            raise Invalid(f"option {shown(option)} appears twice")
        seen.add(option)
    if key is not None and key not in seen:
        raise Invalid(f"the key {shown(key)} is not one of: {', '.join(options)}")
    return tuple(options)


def check_option(poll: Poll, option: str) -> None:
    if option not in poll.options:
        raise Invalid(f"option {shown(option)} is not one of: {', '.join(poll.options)}")


def rate_window(now: float, limits: Limits) -> int:
    """The number of the rate-limit window ``now`` falls in."""
    return int(now // limits.window)


def too_fast() -> TooMany:
    return TooMany("too many answers from this trainee: wait a few seconds")


def session_full(limits: Limits) -> TooMany:
    return TooMany(f"this session is full ({limits.max_trainees} trainees)")


def counts(poll: Poll, options: Iterable[str]) -> dict[str, int]:
    """Answers per option of ``poll``, zeros included, in the poll's order."""
    tally = dict.fromkeys(poll.options, 0)
    for option in options:
        tally[option] += 1
    return tally


CSV_HEADER = ("poll", "panel", "question", "trainee", "option", "correct", "answered_at")


def trainee_label(trainee_id: str, display_name: str | None) -> str:
    return display_name if display_name is not None else f"anonymous-{trainee_id[:8]}"


def timestamp(seconds: float) -> str:
    """ISO 8601 in UTC, to the second."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: a leading ``= + - @`` or tab would start a
    formula, so it gets a ``'`` in front (OWASP's advice on CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: Iterable[AnswerRow]) -> str:
    """The results CSV: one row per answer, by poll then time of answer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    ordered = sorted(rows, key=lambda r: (r.poll.poll_id, r.answered_at, r.trainee_id))
    for row in ordered:
        poll = row.poll
        correct = "" if poll.key is None else ("yes" if row.option == poll.key else "no")
        writer.writerow((
            poll.poll_id,
            poll.panel,
            _cell(poll.question),
            _cell(trainee_label(row.trainee_id, row.display_name)),
            _cell(row.option),
            correct,
            timestamp(row.answered_at),
        ))
    return out.getvalue()
