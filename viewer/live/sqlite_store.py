"""Live sessions in one SQLite file: the default store, no setup, shared by the processes of
one machine, kept across restarts.

The file is in WAL mode (readers never wait for the writer). Every call opens its own
connection and runs one short transaction; writes take the write lock up front
(``BEGIN IMMEDIATE``) and wait up to :data:`BUSY_TIMEOUT` seconds for it, so concurrent answers
queue instead of failing. ``synchronous=NORMAL``: a committed transaction survives the process
being killed; a power cut may lose the last moments.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from viewer.live.store import (
    DEFAULT_LIMITS,
    NO_SESSION,
    NOT_A_TRAINEE,
    SESSION_ENDED,
    AnswerRow,
    Closed,
    Forbidden,
    Invalid,
    LecturerSession,
    Limits,
    LiveError,
    NotFound,
    Poll,
    SessionState,
    Trainee,
    TraineeAnswer,
    already_answered,
    check_case_id,
    check_option,
    check_poll,
    check_step,
    clean_name,
    counts,
    digest,
    matches,
    new_join_code,
    new_secret,
    new_session_id,
    new_trainee_id,
    no_poll,
    normal_join_code,
    not_live,
    only_lecturer,
    poll_closed,
    rate_window,
    session_full,
    to_csv,
    too_fast,
)

BUSY_TIMEOUT = 30.0
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    join_code TEXT NOT NULL,
    lecturer_digest TEXT NOT NULL,
    created_at REAL NOT NULL,
    ended_at REAL,
    step TEXT NOT NULL,
    layer INTEGER NOT NULL,
    version INTEGER NOT NULL,
    polls INTEGER NOT NULL DEFAULT 0,
    trainees INTEGER NOT NULL DEFAULT 0,
    step_at REAL
);
CREATE INDEX IF NOT EXISTS live_sessions_by_code ON sessions (join_code) WHERE ended_at IS NULL;
CREATE TABLE IF NOT EXISTS polls (
    session_id TEXT NOT NULL REFERENCES sessions (session_id),
    poll_id INTEGER NOT NULL,
    panel TEXT NOT NULL,
    question TEXT NOT NULL,
    options TEXT NOT NULL,
    key TEXT,
    opened_at REAL NOT NULL,
    closed_at REAL,
    PRIMARY KEY (session_id, poll_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trainees (
    session_id TEXT NOT NULL REFERENCES sessions (session_id),
    trainee_id TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    display_name TEXT,
    joined_at REAL NOT NULL,
    rate_window INTEGER NOT NULL DEFAULT -1,
    rate_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, trainee_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS answers (
    session_id TEXT NOT NULL,
    poll_id INTEGER NOT NULL,
    trainee_id TEXT NOT NULL,
    option TEXT NOT NULL,
    answered_at REAL NOT NULL,
    PRIMARY KEY (session_id, poll_id, trainee_id)
) WITHOUT ROWID;
"""

_MIGRATIONS = {
    # version 1 -> 2: when the step last changed (the lecturer's timer)
    1: ("ALTER TABLE sessions ADD COLUMN step_at REAL",),
}
"""Statements that bring a file of version ``n`` to ``n + 1``."""

_POLL_COLUMNS = "poll_id, panel, question, options, key, opened_at, closed_at"


class SqliteStore:
    """:class:`~viewer.live.store.LiveStore` in the SQLite file at ``path`` (created if needed)."""

    def __init__(self, path: Path | str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                else:
                    for older in range(version, SCHEMA_VERSION):
                        for statement in _MIGRATIONS[older]:
                            db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own connection."""

    # --- connections ---

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(
            sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        ) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA synchronous=NORMAL")
            yield db

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- lecturer ---

    def create_session(self, case_id: str, step: str, now: float) -> LecturerSession:
        check_case_id(case_id)
        check_step(step, 1)
        session_id, secret = new_session_id(), new_secret()
        with self._transaction(write=True) as db:
            while True:
                code = new_join_code()
                if self._live_session(db, code, now) is None:
                    break
            db.execute(
                "INSERT INTO sessions (session_id, case_id, join_code, lecturer_digest,"
                " created_at, step, layer, version, step_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?)",
                (session_id, case_id, code, digest(secret), now, step, now),
            )
        return LecturerSession(session_id, code, secret)

    def set_step(
        self, session_id: str, lecturer_secret: str, step: str, layer: int, now: float
    ) -> SessionState:
        with self._transaction(write=True) as db:
            self._lecturer(db, session_id, lecturer_secret, "change the step")
            check_step(step, layer)
            db.execute(
                "UPDATE sessions SET step = ?, layer = ?, step_at = ?, version = version + 1"
                " WHERE session_id = ?",
                (step, layer, now, session_id),
            )
            return self._state(db, session_id)

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
        with self._transaction(write=True) as db:
            latest = self._lecturer(db, session_id, lecturer_secret, "open a poll")
            kept = check_poll(panel, question, options, key)
            if latest is not None and latest.is_open:
                raise Invalid(f"poll {latest.poll_id} is still open: close it first")
            poll = Poll(1 if latest is None else latest.poll_id + 1, panel, question, kept, key,
                        now, None)
            db.execute(
                f"INSERT INTO polls (session_id, {_POLL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, poll.poll_id, panel, question, json.dumps(kept), key, now, None),
            )
            db.execute(
                "UPDATE sessions SET polls = ?, version = version + 1 WHERE session_id = ?",
                (poll.poll_id, session_id),
            )
            return poll

    def close_poll(self, session_id: str, lecturer_secret: str, poll_id: int, now: float) -> Poll:
        with self._transaction(write=True) as db:
            self._lecturer(db, session_id, lecturer_secret, "close a poll", may_have_ended=True)
            poll = self._poll(db, session_id, poll_id)
            if not poll.is_open:
                return poll
            self._close(db, session_id, poll_id, now)
            return self._poll(db, session_id, poll_id)

    def end_session(self, session_id: str, lecturer_secret: str, now: float) -> None:
        with self._transaction(write=True) as db:
            latest = self._lecturer(
                db, session_id, lecturer_secret, "end the session", may_have_ended=True
            )
            if self._session(db, session_id)["ended_at"] is not None:
                return
            if latest is not None and latest.is_open:
                self._close(db, session_id, latest.poll_id, now)
            db.execute(
                "UPDATE sessions SET ended_at = ?, version = version + 1 WHERE session_id = ?",
                (now, session_id),
            )

    def results_csv(self, session_id: str, lecturer_secret: str) -> str:
        with self._transaction(write=False) as db:
            self._lecturer(
                db, session_id, lecturer_secret, "download the results", may_have_ended=True
            )
            polls = {p.poll_id: p for p in self._polls(db, session_id)}
            rows = db.execute(
                "SELECT a.poll_id, a.trainee_id, t.display_name, a.option, a.answered_at"
                " FROM answers a JOIN trainees t USING (session_id, trainee_id)"
                " WHERE a.session_id = ?",
                (session_id,),
            ).fetchall()
        return to_csv(AnswerRow(polls[r[0]], r[1], r[2], r[3], r[4]) for r in rows)

    def all_results(
        self, session_id: str, lecturer_secret: str
    ) -> list[tuple[Poll, dict[str, int]]]:
        with self._transaction(write=False) as db:
            self._lecturer(
                db, session_id, lecturer_secret, "see the results", may_have_ended=True
            )
            polls = self._polls(db, session_id)
            rows = db.execute(
                "SELECT poll_id, option FROM answers WHERE session_id = ?", (session_id,)
            ).fetchall()
        given: dict[int, list[str]] = {}
        for poll_id, option in rows:
            given.setdefault(poll_id, []).append(option)
        return [(poll, counts(poll, given.get(poll.poll_id, []))) for poll in polls]

    # --- trainees ---

    def join(self, join_code: str, display_name: str | None, now: float) -> Trainee:
        code = normal_join_code(join_code)
        name = clean_name(display_name)
        trainee_id, secret = new_trainee_id(), new_secret()
        with self._transaction(write=True) as db:
            found = self._live_session(db, code, now)
            if found is None:
                raise not_live(code)
            session_id, joined = found
            if joined >= self.limits.max_trainees:
                raise session_full(self.limits)
            db.execute(
                "INSERT INTO trainees (session_id, trainee_id, secret_digest, display_name,"
                " joined_at) VALUES (?, ?, ?, ?, ?)",
                (session_id, trainee_id, digest(secret), name, now),
            )
            db.execute(
                "UPDATE sessions SET trainees = trainees + 1 WHERE session_id = ?", (session_id,)
            )
        return Trainee(session_id, trainee_id, secret, name)

    def answer(
        self,
        session_id: str,
        trainee_id: str,
        trainee_secret: str,
        poll_id: int,
        option: str,
        now: float,
    ) -> None:
        refused: LiveError | None = None
        with self._transaction(write=True) as db:
            rate_row = self._trainee(db, session_id, trainee_id, trainee_secret)
            window = rate_window(now, self.limits)
            attempts = rate_row[1] + 1 if rate_row[0] == window else 1
            if attempts > self.limits.answers_per_window:
                raise too_fast()
            db.execute(
                "UPDATE trainees SET rate_window = ?, rate_count = ?"
                " WHERE session_id = ? AND trainee_id = ?",
                (window, attempts, session_id, trainee_id),
            )
            try:
                self._record(db, session_id, trainee_id, poll_id, option, now)
            except LiveError as error:
                refused = error  # the attempt still counts: commit it, then refuse
        if refused is not None:
            raise refused

    def trainee_answers(
        self, session_id: str, trainee_id: str, trainee_secret: str
    ) -> list[TraineeAnswer]:
        with self._transaction(write=False) as db:
            self._trainee(db, session_id, trainee_id, trainee_secret)
            polls = {p.poll_id: p for p in self._polls(db, session_id)}
            rows = db.execute(
                "SELECT poll_id, option, answered_at FROM answers"
                " WHERE session_id = ? AND trainee_id = ? ORDER BY poll_id",
                (session_id, trainee_id),
            ).fetchall()
        answers: list[TraineeAnswer] = []
        for poll_id, option, answered_at in rows:
            poll = polls[poll_id].hiding_key()
            answers.append(
                TraineeAnswer(poll_id, poll.panel, poll.question, option, answered_at, poll.key)
            )
        return answers

    def display_name(self, session_id: str, trainee_id: str, trainee_secret: str) -> str | None:
        with self._transaction(write=False) as db:
            self._trainee(db, session_id, trainee_id, trainee_secret)
            row = db.execute(
                "SELECT display_name FROM trainees WHERE session_id = ? AND trainee_id = ?",
                (session_id, trainee_id),
            ).fetchone()
        name: str | None = row[0]
        return name

    # --- everyone ---

    def state(self, session_id: str) -> SessionState:
        with self._transaction(write=False) as db:
            return self._state(db, session_id)

    def results(self, session_id: str, poll_id: int) -> dict[str, int]:
        with self._transaction(write=False) as db:
            self._session(db, session_id)
            poll = self._poll(db, session_id, poll_id)
            rows = db.execute(
                "SELECT option FROM answers WHERE session_id = ? AND poll_id = ?",
                (session_id, poll_id),
            ).fetchall()
        return counts(poll, (r[0] for r in rows))

    # --- inside a transaction ---

    def _session(self, db: sqlite3.Connection, session_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM sessions WHERE session_id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise NotFound(NO_SESSION)
        return row

    def _state(self, db: sqlite3.Connection, session_id: str) -> SessionState:
        row = self._session(db, session_id)
        latest = self._poll(db, session_id, row["polls"]) if row["polls"] else None
        return SessionState(
            session_id,
            row["case_id"],
            row["step"],
            row["layer"],
            None if latest is None else latest.hiding_key(),
            row["ended_at"] is not None,
            row["version"],
            row["join_code"],
            row["created_at"],
            row["created_at"] if row["step_at"] is None else row["step_at"],
            row["trainees"],
        )

    def _lecturer(
        self,
        db: sqlite3.Connection,
        session_id: str,
        secret: str,
        action: str,
        may_have_ended: bool = False,
    ) -> Poll | None:
        """Check the lecturer's secret (and that the session is on); return the latest poll."""
        row = self._session(db, session_id)
        if not matches(row["lecturer_digest"], secret):
            raise only_lecturer(action)
        if row["ended_at"] is not None and not may_have_ended:
            raise Closed(SESSION_ENDED)
        return self._poll(db, session_id, row["polls"]) if row["polls"] else None

    def _trainee(
        self, db: sqlite3.Connection, session_id: str, trainee_id: str, secret: str
    ) -> tuple[int, int]:
        """Check the trainee's secret; return their rate window and attempts in it."""
        self._session(db, session_id)
        row = db.execute(
            "SELECT secret_digest, rate_window, rate_count FROM trainees"
            " WHERE session_id = ? AND trainee_id = ?",
            (session_id, trainee_id),
        ).fetchone()
        if not matches(None if row is None else row[0], secret):
            raise Forbidden(NOT_A_TRAINEE)
        return row[1], row[2]

    def _live_session(
        self, db: sqlite3.Connection, code: str, now: float
    ) -> tuple[str, int] | None:
        """The session (id, trainees) a join code opens now, if any."""
        row = db.execute(
            "SELECT session_id, trainees FROM sessions WHERE join_code = ?"
            " AND ended_at IS NULL AND created_at > ? ORDER BY created_at DESC LIMIT 1",
            (code, now - self.limits.max_age),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def _poll(self, db: sqlite3.Connection, session_id: str, poll_id: int) -> Poll:
        row = db.execute(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE session_id = ? AND poll_id = ?",
            (session_id, poll_id),
        ).fetchone()
        if row is None:
            raise no_poll(poll_id)
        return _poll_of(row)

    def _polls(self, db: sqlite3.Connection, session_id: str) -> list[Poll]:
        rows = db.execute(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE session_id = ? ORDER BY poll_id",
            (session_id,),
        ).fetchall()
        return [_poll_of(r) for r in rows]

    def _close(self, db: sqlite3.Connection, session_id: str, poll_id: int, now: float) -> None:
        db.execute(
            "UPDATE polls SET closed_at = ? WHERE session_id = ? AND poll_id = ?",
            (now, session_id, poll_id),
        )
        db.execute(
            "UPDATE sessions SET version = version + 1 WHERE session_id = ?", (session_id,)
        )

    def _record(
        self,
        db: sqlite3.Connection,
        session_id: str,
        trainee_id: str,
        poll_id: int,
        option: str,
        now: float,
    ) -> None:
        poll = self._poll(db, session_id, poll_id)
        if not poll.is_open:
            raise poll_closed(poll_id)
        check_option(poll, option)
        try:
            db.execute(
                "INSERT INTO answers (session_id, poll_id, trainee_id, option, answered_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, poll_id, trainee_id, option, now),
            )
        except sqlite3.IntegrityError:
            raise already_answered(poll_id) from None


def _poll_of(row: sqlite3.Row) -> Poll:
    poll_id, panel, question, options, key, opened_at, closed_at = row
    return Poll(poll_id, panel, question, tuple(json.loads(options)), key, opened_at, closed_at)
