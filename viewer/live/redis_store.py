"""Live sessions in Redis: for several app servers behind a load balancer.

Every change that must see a consistent session runs as an optimistic transaction: ``WATCH``
the session's hash, read, check, then ``MULTI``/``EXEC`` (retried if the lecturer changed the
session meanwhile). Answers go into a per-poll hash with ``HSETNX``, so a trainee's second
answer loses however close together the two arrive; joins count trainees with ``INCR``, so the
cap holds under a rush. Answers do not touch the session's hash, so a room answering at once
never makes the others retry.

Keys, under a prefix (``live`` by default)::

    live:code:<CODE>                 the session a join code opens (expires after max_age)
    live:s:<id>                      hash: case_id, join_code, lecturer (digest), created_at,
                                     ended_at ('' while live), step, layer, step_at,
                                     version,
                                     polls (the latest poll's id), poll (it, as JSON)
    live:s:<id>:polls                hash: poll id -> poll as JSON
    live:s:<id>:trainees             hash: trainee id -> {digest, name, joined_at} as JSON
    live:s:<id>:joined               trainees counted against the cap
    live:s:<id>:answers:<poll>       hash: trainee id -> {option, at} as JSON
    live:s:<id>:rate:<trainee>:<n>   answer attempts in rate window n (expires)

Durability is Redis's own: run it with ``appendonly yes`` (or RDB snapshots) so sessions
survive a Redis restart. One Redis server (or a replicated primary), not Redis Cluster.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, cast

import redis
from redis.client import Pipeline

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

Hash = dict[str, str]


class RedisStore:
    """:class:`~viewer.live.store.LiveStore` in the Redis server at ``url``."""

    def __init__(self, url: str, limits: Limits = DEFAULT_LIMITS, prefix: str = "live") -> None:
        self.limits = limits
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, decode_responses=True)

    def close(self) -> None:
        self._redis.close()

    # --- keys ---

    def _code_key(self, code: str) -> str:
        return f"{self.prefix}:code:{code}"

    def _key(self, session_id: str, *parts: str | int) -> str:
        return ":".join((self.prefix, "s", session_id, *map(str, parts)))

    # --- lecturer ---

    def create_session(self, case_id: str, step: str, now: float) -> LecturerSession:
        check_case_id(case_id)
        check_step(step, 1)
        session_id, secret = new_session_id(), new_secret()
        while True:  # until a code no live session holds is ours, with the session, atomically
            code = new_join_code()
            code_key = self._code_key(code)
            with self._redis.pipeline() as pipe:
                try:
                    _watch(pipe, code_key)
                    holder = cast(str | None, pipe.get(code_key))
                    if holder is not None and self._live(
                        _hash(pipe.hgetall(self._key(holder))), now
                    ):
                        continue
                    pipe.multi()
                    pipe.set(code_key, session_id, ex=math.ceil(self.limits.max_age))
                    pipe.hset(self._key(session_id), mapping={
                        "case_id": case_id,
                        "join_code": code,
                        "lecturer": digest(secret),
                        "created_at": repr(now),
                        "ended_at": "",
                        "step": step,
                        "layer": "1",
                        "step_at": repr(now),
                        "version": "1",
                        "polls": "0",
                        "poll": "",
                    })
                    pipe.execute()
                    return LecturerSession(session_id, code, secret)
                except redis.WatchError:
                    continue

    def set_step(
        self, session_id: str, lecturer_secret: str, step: str, layer: int, now: float
    ) -> SessionState:
        key = self._key(session_id)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    _watch(pipe, key)
                    session = self._lecturer(pipe, session_id, lecturer_secret, "change the step")
                    check_step(step, layer)
                    pipe.multi()
                    pipe.hset(key, mapping={"step": step, "layer": str(layer),
                                            "step_at": repr(now)})
                    pipe.hincrby(key, "version", 1)
                    pipe.execute()
                    session.update(step=step, layer=str(layer), step_at=repr(now),
                                   version=str(int(session["version"]) + 1))
                    return _state(session_id, session, self._joined(session_id))
                except redis.WatchError:
                    continue

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
        session_key = self._key(session_id)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    _watch(pipe, session_key)
                    session = self._lecturer(pipe, session_id, lecturer_secret, "open a poll")
                    kept = check_poll(panel, question, options, key)
                    latest = _latest(session)
                    if latest is not None and latest.is_open:
                        raise Invalid(f"poll {latest.poll_id} is still open: close it first")
                    poll = Poll(int(session["polls"]) + 1, panel, question, kept, key, now, None)
                    encoded = _poll_json(poll)
                    pipe.multi()
                    pipe.hset(session_key, mapping={"polls": str(poll.poll_id), "poll": encoded})
                    pipe.hincrby(session_key, "version", 1)
                    pipe.hset(self._key(session_id, "polls"), str(poll.poll_id), encoded)
                    pipe.execute()
                    return poll
                except redis.WatchError:
                    continue

    def close_poll(self, session_id: str, lecturer_secret: str, poll_id: int, now: float) -> Poll:
        session_key = self._key(session_id)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    _watch(pipe, session_key)
                    session = self._lecturer(
                        pipe, session_id, lecturer_secret, "close a poll", may_have_ended=True
                    )
                    poll = self._poll(pipe, session_id, session, poll_id)
                    if not poll.is_open:
                        return poll
                    closed = _closed(poll, now)
                    pipe.multi()
                    self._store_closed(pipe, session_id, closed)
                    pipe.execute()
                    return closed
                except redis.WatchError:
                    continue

    def end_session(self, session_id: str, lecturer_secret: str, now: float) -> None:
        session_key = self._key(session_id)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    _watch(pipe, session_key)
                    session = self._lecturer(
                        pipe, session_id, lecturer_secret, "end the session", may_have_ended=True
                    )
                    if session["ended_at"]:
                        return
                    code_key = self._code_key(session["join_code"])
                    _watch(pipe, code_key)
                    holder = cast(str | None, pipe.get(code_key))
                    latest = _latest(session)
                    pipe.multi()
                    if latest is not None and latest.is_open:
                        self._store_closed(pipe, session_id, _closed(latest, now))
                    pipe.hset(session_key, "ended_at", repr(now))
                    pipe.hincrby(session_key, "version", 1)
                    if holder == session_id:
                        pipe.delete(code_key)
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue

    def results_csv(self, session_id: str, lecturer_secret: str) -> str:
        self._lecturer(
            self._redis, session_id, lecturer_secret, "download the results", may_have_ended=True
        )
        # Polls, then answers, then trainees: whoever answered is among the trainees read last.
        answered = self._answers_by_poll(session_id)
        trainees = {tid: json.loads(raw) for tid, raw in
                    _hash(self._redis.hgetall(self._key(session_id, "trainees"))).items()}
        rows: list[AnswerRow] = []
        for poll, answers in answered:
            for trainee_id, raw in answers.items():
                given = json.loads(raw)
                rows.append(AnswerRow(poll, trainee_id, trainees[trainee_id]["name"],
                                      given["option"], given["at"]))
        return to_csv(rows)

    def all_results(
        self, session_id: str, lecturer_secret: str
    ) -> list[tuple[Poll, dict[str, int]]]:
        self._lecturer(
            self._redis, session_id, lecturer_secret, "see the results", may_have_ended=True
        )
        return [
            (poll, counts(poll, (json.loads(raw)["option"] for raw in answers.values())))
            for poll, answers in self._answers_by_poll(session_id)
        ]

    def _answers_by_poll(self, session_id: str) -> list[tuple[Poll, Hash]]:
        """Every poll, in order, with its answers (trainee id -> {option, at} as JSON)."""
        polls = self._polls(session_id)
        fetch = self._redis.pipeline(transaction=False)
        for poll in polls:
            fetch.hgetall(self._key(session_id, "answers", poll.poll_id))
        answered = fetch.execute()
        return [(poll, _hash(answers)) for poll, answers in zip(polls, answered, strict=True)]

    # --- trainees ---

    def join(self, join_code: str, display_name: str | None, now: float) -> Trainee:
        code = normal_join_code(join_code)
        name = clean_name(display_name)
        trainee_id, secret = new_trainee_id(), new_secret()
        session_id = cast(str | None, self._redis.get(self._code_key(code)))
        if session_id is None:
            raise not_live(code)
        session_key = self._key(session_id)
        joined_key = self._key(session_id, "joined")
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    _watch(pipe, session_key)
                    session = _hash(pipe.hgetall(session_key))
                    if session.get("join_code") != code or not self._live(session, now):
                        raise not_live(code)
                    if int(self._redis.incr(joined_key)) > self.limits.max_trainees:
                        self._redis.decr(joined_key)
                        raise session_full(self.limits)
                    pipe.multi()
                    pipe.hset(self._key(session_id, "trainees"), trainee_id, json.dumps(
                        {"digest": digest(secret), "name": name, "joined_at": now}))
                    try:
                        pipe.execute()
                    except redis.WatchError:
                        self._redis.decr(joined_key)
                        raise
                    return Trainee(session_id, trainee_id, secret, name)
                except redis.WatchError:
                    continue

    def answer(
        self,
        session_id: str,
        trainee_id: str,
        trainee_secret: str,
        poll_id: int,
        option: str,
        now: float,
    ) -> None:
        self._trainee(session_id, trainee_id, trainee_secret)
        rate_key = self._key(session_id, "rate", trainee_id, rate_window(now, self.limits))
        with self._redis.pipeline() as count:
            count.incr(rate_key)
            count.expire(rate_key, math.ceil(self.limits.window) + 1)
            attempts = int(count.execute()[0])
        if attempts > self.limits.answers_per_window:
            raise too_fast()
        session_key = self._key(session_id)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    _watch(pipe, session_key)
                    session = _hash(pipe.hgetall(session_key))
                    poll = self._poll(pipe, session_id, session, poll_id)
                    if not poll.is_open:
                        raise poll_closed(poll_id)
                    check_option(poll, option)
                    pipe.multi()
                    pipe.hsetnx(self._key(session_id, "answers", poll_id), trainee_id,
                                json.dumps({"option": option, "at": now}))
                    if not pipe.execute()[0]:
                        raise already_answered(poll_id)
                    return
                except redis.WatchError:
                    continue

    def trainee_answers(
        self, session_id: str, trainee_id: str, trainee_secret: str
    ) -> list[TraineeAnswer]:
        self._trainee(session_id, trainee_id, trainee_secret)
        polls = self._polls(session_id)
        fetch = self._redis.pipeline(transaction=False)
        for poll in polls:
            fetch.hget(self._key(session_id, "answers", poll.poll_id), trainee_id)
        answers: list[TraineeAnswer] = []
        for poll, raw in zip(polls, fetch.execute(), strict=True):
            if raw is not None:
                given = json.loads(raw)
                shown = poll.hiding_key()
                answers.append(TraineeAnswer(poll.poll_id, poll.panel, poll.question,
                                             given["option"], given["at"], shown.key))
        return answers

    def display_name(self, session_id: str, trainee_id: str, trainee_secret: str) -> str | None:
        raw = self._trainee(session_id, trainee_id, trainee_secret)
        name: str | None = json.loads(raw)["name"]
        return name

    # --- everyone ---

    def state(self, session_id: str) -> SessionState:
        with self._redis.pipeline(transaction=False) as read:
            read.hgetall(self._key(session_id))
            read.get(self._key(session_id, "joined"))
            session, joined = read.execute()
        if not session:
            raise NotFound(NO_SESSION)
        return _state(session_id, _hash(session), min(int(joined or 0), self.limits.max_trainees))

    def results(self, session_id: str, poll_id: int) -> dict[str, int]:
        session = _hash(self._redis.hgetall(self._key(session_id)))
        if not session:
            raise NotFound(NO_SESSION)
        poll = self._poll(self._redis, session_id, session, poll_id)
        given = cast(list[str], self._redis.hvals(self._key(session_id, "answers", poll_id)))
        return counts(poll, (json.loads(raw)["option"] for raw in given))

    # --- helpers ---

    def _live(self, session: Hash, now: float) -> bool:
        return bool(session) and not session["ended_at"] and (
            float(session["created_at"]) > now - self.limits.max_age
        )

    def _lecturer(
        self,
        client: redis.Redis | Pipeline,
        session_id: str,
        secret: str,
        action: str,
        may_have_ended: bool = False,
    ) -> Hash:
        """The session, after checking the lecturer's secret (and that it is on)."""
        session = _hash(client.hgetall(self._key(session_id)))
        if not session:
            raise NotFound(NO_SESSION)
        if not matches(session["lecturer"], secret):
            raise only_lecturer(action)
        if session["ended_at"] and not may_have_ended:
            raise Closed(SESSION_ENDED)
        return session

    def _joined(self, session_id: str) -> int:
        joined = int(cast(str | None, self._redis.get(self._key(session_id, "joined"))) or 0)
        return min(joined, self.limits.max_trainees)  # a refused join counts for a moment

    def _trainee(self, session_id: str, trainee_id: str, secret: str) -> str:
        """The trainee's record (JSON), after checking their secret."""
        with self._redis.pipeline() as read:
            read.exists(self._key(session_id))
            read.hget(self._key(session_id, "trainees"), trainee_id)
            exists, raw = read.execute()
        if not exists:
            raise NotFound(NO_SESSION)
        if not matches(None if raw is None else json.loads(raw)["digest"], secret):
            raise Forbidden(NOT_A_TRAINEE)
        return cast(str, raw)

    def _poll(
        self, client: redis.Redis | Pipeline, session_id: str, session: Hash, poll_id: int
    ) -> Poll:
        """Poll ``poll_id``; the latest comes from the session's hash (read under WATCH)."""
        latest = _latest(session)
        if latest is not None and latest.poll_id == poll_id:
            return latest
        raw = cast(str | None, client.hget(self._key(session_id, "polls"), str(poll_id)))
        if raw is None:
            raise no_poll(poll_id)
        return _poll_of(raw)

    def _polls(self, session_id: str) -> list[Poll]:
        raw = _hash(self._redis.hgetall(self._key(session_id, "polls")))
        return sorted((_poll_of(v) for v in raw.values()), key=lambda p: p.poll_id)

    def _store_closed(self, pipe: Pipeline, session_id: str, closed: Poll) -> None:
        """Queue the writes that close a poll (inside MULTI; it is the session's latest)."""
        encoded = _poll_json(closed)
        session_key = self._key(session_id)
        pipe.hset(session_key, "poll", encoded)
        pipe.hincrby(session_key, "version", 1)
        pipe.hset(self._key(session_id, "polls"), str(closed.poll_id), encoded)


def _watch(pipe: Pipeline, *keys: str) -> None:
    """WATCH ``keys``: the pipeline's reads run at once until ``multi()``."""
    pipe.watch(*keys)  # type: ignore[no-untyped-call]


def _hash(value: Any) -> Hash:
    return cast(Hash, value)


def _state(session_id: str, session: Hash, joined: int) -> SessionState:
    latest = _latest(session)
    return SessionState(
        session_id,
        session["case_id"],
        session["step"],
        int(session["layer"]),
        None if latest is None else latest.hiding_key(),
        bool(session["ended_at"]),
        int(session["version"]),
        session["join_code"],
        float(session["created_at"]),
        float(session.get("step_at") or session["created_at"]),
        joined,
    )


def _latest(session: Hash) -> Poll | None:
    return _poll_of(session["poll"]) if session.get("poll") else None


def _closed(poll: Poll, now: float) -> Poll:
    return Poll(poll.poll_id, poll.panel, poll.question, poll.options, poll.key,
                poll.opened_at, now)


def _poll_json(poll: Poll) -> str:
    return json.dumps({
        "poll_id": poll.poll_id,
        "panel": poll.panel,
        "question": poll.question,
        "options": list(poll.options),
        "key": poll.key,
        "opened_at": poll.opened_at,
        "closed_at": poll.closed_at,
    })


def _poll_of(raw: str) -> Poll:
    data = json.loads(raw)
    return Poll(data["poll_id"], data["panel"], data["question"], tuple(data["options"]),
                data["key"], data["opened_at"], data["closed_at"])
