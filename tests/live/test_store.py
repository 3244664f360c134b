"""The live-lecture store: one suite, run on SQLite and on Redis (see conftest.py).

Every refusal is checked for its kind and its exact message.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import redis

from tests.live.conftest import RedisServer, StoreFactory
from viewer.errors import ViewerError
from viewer.live import redis_store, sqlite_store
from viewer.live.redis_store import RedisStore
from viewer.live.sqlite_store import SqliteStore
from viewer.live.store import (
    JOIN_CODE_ALPHABET,
    AlreadyAnswered,
    Closed,
    Forbidden,
    Invalid,
    LecturerSession,
    LiveError,
    LiveStore,
    NotFound,
    TooMany,
    Trainee,
    open_store,
)

REPO = Path(__file__).resolve().parents[2]
NOW = 1_760_000_000.0  # 2025-10-09T08:53:20Z
BIRADS = ["2", "3", "4A"]


@contextmanager
def refused(kind: type[LiveError], message: str) -> Iterator[None]:
    """The block raises exactly ``kind`` with exactly ``message``."""
    with pytest.raises(kind) as caught:
        yield
    assert type(caught.value) is kind
    assert str(caught.value) == message


def lecture(store: LiveStore, case_id: str = "scar-carcinoma") -> LecturerSession:
    return store.create_session(case_id, "A", NOW)


def with_poll(store: LiveStore, key: str | None = "4A") -> tuple[LecturerSession, int]:
    lecturer = lecture(store)
    poll = store.open_poll(lecturer.session_id, lecturer.lecturer_secret, "A",
                           "BI-RADS category?", BIRADS, NOW, key=key)
    return lecturer, poll.poll_id


def answer(store: LiveStore, trainee: Trainee, poll_id: int, option: str, now: float = NOW) -> None:
    store.answer(trainee.session_id, trainee.trainee_id, trainee.trainee_secret, poll_id, option,
                 now)


# --- errors ---------------------------------------------------------------------------------------


def test_every_kind_is_a_viewer_error() -> None:
    for kind in (NotFound, Forbidden, Closed, AlreadyAnswered, Invalid, TooMany):
        assert issubclass(kind, LiveError)
    assert issubclass(LiveError, ViewerError)


# --- sessions and join codes ----------------------------------------------------------------------


def test_a_new_session_starts_at_its_step_with_layer_1(store: LiveStore) -> None:
    lecturer = lecture(store)
    assert len(lecturer.join_code) == 6
    assert set(lecturer.join_code) <= set(JOIN_CODE_ALPHABET)
    assert len(lecturer.lecturer_secret) >= 43  # token_urlsafe(32)
    state = store.state(lecturer.session_id)
    assert (state.session_id, state.case_id, state.step, state.layer) == (
        lecturer.session_id, "scar-carcinoma", "A", 1)
    assert (state.poll, state.ended, state.version) == (None, False, 1)
    assert (state.join_code, state.started_at, state.step_at, state.trainees) == (
        lecturer.join_code, NOW, NOW, 0)


def test_the_state_counts_trainees_and_times_the_step(store: LiveStore) -> None:
    lecturer = lecture(store)
    for _ in range(3):
        store.join(lecturer.join_code, None, NOW + 1)
    assert store.state(lecturer.session_id).trainees == 3
    moved = store.set_step(lecturer.session_id, lecturer.lecturer_secret, "B", 2, NOW + 90)
    assert (moved.started_at, moved.step_at, moved.trainees) == (NOW, NOW + 90, 3)
    store.open_poll(lecturer.session_id, lecturer.lecturer_secret, "B", "Q?", BIRADS, NOW + 95)
    assert store.state(lecturer.session_id).step_at == NOW + 90  # a poll is not a step


def test_a_trainee_reads_back_their_display_name(store: LiveStore) -> None:
    lecturer = lecture(store)
    ann = store.join(lecturer.join_code, " Ann <i>", NOW)
    anonymous = store.join(lecturer.join_code, "", NOW)
    sid = lecturer.session_id
    assert store.display_name(sid, ann.trainee_id, ann.trainee_secret) == "Ann <i>"
    assert store.display_name(sid, anonymous.trainee_id, anonymous.trainee_secret) is None
    for trainee_id, secret in ((ann.trainee_id, anonymous.trainee_secret), ("nobody", "x")):
        with refused(Forbidden, "not a trainee of this session"):
            store.display_name(sid, trainee_id, secret)
    with refused(NotFound, "no such session"):
        store.display_name("nope", ann.trainee_id, ann.trainee_secret)


def test_create_session_checks_the_case_id_and_step(store: LiveStore) -> None:
    with refused(Invalid, "a case id is lowercase letters, digits and hyphens, not 'Scar Carcinoma'"):
        store.create_session("Scar Carcinoma", "A", NOW)
    with refused(Invalid, "step must be a panel letter A-Z, not 'a'"):
        store.create_session("scar-carcinoma", "a", NOW)


def test_join_codes_are_unique_among_live_sessions_and_reused_after(
    store: LiveStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["AAAAAA", "AAAAAA", "BBBBBB", "AAAAAA"])
    for module in (sqlite_store, redis_store):
        monkeypatch.setattr(module, "new_join_code", lambda: next(codes))
    first = lecture(store)
    second = lecture(store)  # AAAAAA is taken: it draws again
    assert (first.join_code, second.join_code) == ("AAAAAA", "BBBBBB")
    store.end_session(first.session_id, first.lecturer_secret, NOW + 60)
    third = lecture(store)  # AAAAAA is free again
    assert third.join_code == "AAAAAA"
    assert store.join("AAAAAA", None, NOW + 61).session_id == third.session_id


def test_many_sessions_get_different_codes(store: LiveStore) -> None:
    codes = {lecture(store).join_code for _ in range(100)}
    assert len(codes) == 100


def test_join_forgives_case_spaces_and_hyphens(store: LiveStore) -> None:
    lecturer = lecture(store)
    code = lecturer.join_code
    typed = f" {code[:3].lower()}-{code[3:]} "
    assert store.join(typed, None, NOW).session_id == lecturer.session_id


def test_display_names_are_optional_stripped_and_plain_text(store: LiveStore) -> None:
    code = lecture(store).join_code
    assert store.join(code, None, NOW).display_name is None
    assert store.join(code, "   ", NOW).display_name is None
    assert store.join(code, "  Dr <b>Ann</b> & co ", NOW).display_name == "Dr <b>Ann</b> & co"
    assert store.join(code, "x" * 40, NOW).display_name == "x" * 40
    trainee = store.join(code, "Ann", NOW)
    assert trainee.trainee_id != store.join(code, "Ann", NOW).trainee_id  # names need not be unique
    assert len(trainee.trainee_secret) >= 43


def test_join_refusals(store: LiveStore) -> None:
    code = lecture(store).join_code
    with refused(Invalid, "a display name has at most 40 characters, not 41"):
        store.join(code, "x" * 41, NOW)
    with refused(Invalid, "a display name must not contain control characters"):
        store.join(code, "Ann\nBob", NOW)
    with refused(Invalid, "a join code is 6 letters and digits"):
        store.join("ABC12", None, NOW)
    with refused(Invalid, "a join code is 6 letters and digits"):
        store.join("ABC12!", None, NOW)
    with refused(NotFound, "join code 'ABC123' is not a live session"):
        store.join("abc123", None, NOW)


def test_join_codes_stop_working_when_the_session_ends(store: LiveStore) -> None:
    lecturer = lecture(store)
    store.end_session(lecturer.session_id, lecturer.lecturer_secret, NOW + 10)
    with refused(NotFound, f"join code '{lecturer.join_code}' is not a live session"):
        store.join(lecturer.join_code, None, NOW + 11)


def test_join_codes_stop_working_after_the_maximum_age(make_store: StoreFactory) -> None:
    store = make_store(max_age=3600)
    lecturer = lecture(store)
    store.join(lecturer.join_code, None, NOW + 3599)
    with refused(NotFound, f"join code '{lecturer.join_code}' is not a live session"):
        store.join(lecturer.join_code, None, NOW + 3600)


def test_a_session_holds_at_most_max_trainees(make_store: StoreFactory) -> None:
    store = make_store(max_trainees=3)
    code = lecture(store).join_code
    for _ in range(3):
        store.join(code, None, NOW)
    with refused(TooMany, "this session is full (3 trainees)"):
        store.join(code, None, NOW)


def test_unknown_sessions(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    secret = lecturer.lecturer_secret
    calls: list[Callable[[], object]] = [
        lambda: store.state("nope"),
        lambda: store.set_step("nope", secret, "B", 1, NOW),
        lambda: store.open_poll("nope", secret, "A", "Q?", BIRADS, NOW),
        lambda: store.close_poll("nope", secret, poll_id, NOW),
        lambda: store.results("nope", poll_id),
        lambda: store.end_session("nope", secret, NOW),
        lambda: store.results_csv("nope", secret),
        lambda: store.answer("nope", trainee.trainee_id, trainee.trainee_secret, poll_id, "2", NOW),
        lambda: store.trainee_answers("nope", trainee.trainee_id, trainee.trainee_secret),
    ]
    for call in calls:
        with refused(NotFound, "no such session"):
            call()


# --- following the lecturer -----------------------------------------------------------------------


def test_set_step_moves_every_follower_and_the_version(make_store: StoreFactory) -> None:
    lecturer_side, follower_side = make_store(), make_store()  # two server processes
    lecturer = lecture(lecturer_side)
    before = follower_side.state(lecturer.session_id).version
    state = lecturer_side.set_step(lecturer.session_id, lecturer.lecturer_secret, "C", 3, NOW + 5)
    assert (state.step, state.layer, state.version) == ("C", 3, before + 1)
    assert follower_side.state(lecturer.session_id) == state


def test_only_the_lecturer_can_change_the_step(store: LiveStore) -> None:
    lecturer = lecture(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    for secret in ("", "wrong", trainee.trainee_secret, lecturer.lecturer_secret + "x"):
        with refused(Forbidden, "only the lecturer can change the step"):
            store.set_step(lecturer.session_id, secret, "B", 1, NOW)
    assert store.state(lecturer.session_id).step == "A"


def test_set_step_checks_the_step_and_layer(store: LiveStore) -> None:
    lecturer = lecture(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    with refused(Invalid, "step must be a panel letter A-Z, not 'AB'"):
        store.set_step(sid, secret, "AB", 1, NOW)
    with refused(Invalid, "step must be a panel letter A-Z, not '" + "x" * 40 + "…'"):
        store.set_step(sid, secret, "x" * 1000, 1, NOW)
    for layer in (0, 5, True):
        with refused(Invalid, f"layer must be 1 to 4, not {layer!r}"):
            store.set_step(sid, secret, "B", layer, NOW)
    assert store.state(sid).version == 1


def test_nothing_changes_after_the_end(store: LiveStore) -> None:
    lecturer = lecture(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    store.end_session(sid, secret, NOW + 1)
    with refused(Closed, "this session has ended"):
        store.set_step(sid, secret, "B", 1, NOW + 2)
    with refused(Closed, "this session has ended"):
        store.open_poll(sid, secret, "A", "Q?", BIRADS, NOW + 2)


def test_end_session(store: LiveStore) -> None:
    lecturer, _ = with_poll(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    with refused(Forbidden, "only the lecturer can end the session"):
        store.end_session(sid, "wrong", NOW)
    version = store.state(sid).version
    store.end_session(sid, secret, NOW + 30)
    state = store.state(sid)
    assert state.ended and state.version > version
    assert state.poll is not None and state.poll.closed_at == NOW + 30  # the open poll closed
    assert state.poll.key == "4A"
    store.end_session(sid, secret, NOW + 40)  # again: nothing changes
    assert store.state(sid) == state


# --- polls ----------------------------------------------------------------------------------------


def test_open_poll_shows_to_followers_without_its_key(store: LiveStore) -> None:
    lecturer = lecture(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    poll = store.open_poll(sid, secret, "A", "BI-RADS category?", BIRADS, NOW + 1, key="4A")
    assert (poll.poll_id, poll.panel, poll.question, poll.options, poll.key) == (
        1, "A", "BI-RADS category?", ("2", "3", "4A"), "4A")
    assert poll.is_open and poll.opened_at == NOW + 1
    state = store.state(sid)
    assert state.version == 2
    assert state.poll is not None and state.poll.poll_id == 1 and state.poll.key is None
    assert store.results(sid, 1) == {"2": 0, "3": 0, "4A": 0}


def test_one_poll_at_a_time_numbered_in_order(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    with refused(Invalid, "poll 1 is still open: close it first"):
        store.open_poll(sid, secret, "B", "Next?", ["yes", "no"], NOW)
    store.close_poll(sid, secret, poll_id, NOW + 1)
    assert store.open_poll(sid, secret, "B", "Next?", ["yes", "no"], NOW + 2).poll_id == 2


def test_only_the_lecturer_can_open_or_close_a_poll(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    sid = lecturer.session_id
    with refused(Forbidden, "only the lecturer can open a poll"):
        store.open_poll(sid, trainee.trainee_secret, "A", "Q?", BIRADS, NOW)
    with refused(Forbidden, "only the lecturer can close a poll"):
        store.close_poll(sid, trainee.trainee_secret, poll_id, NOW)
    assert store.state(sid).poll is not None
    assert store.state(sid).poll.is_open  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("panel", "question", "options", "key", "message"),
    [
        ("a", "Q?", BIRADS, None, "panel must be a panel letter A-Z, not 'a'"),
        ("A", "  ", BIRADS, None, "a poll needs a question"),
        ("A", "Q" * 501, BIRADS, None, "a question has at most 500 characters, not 501"),
        ("A", "Q?", ["yes"], None, "a poll needs 2 to 20 options, not 1"),
        ("A", "Q?", [str(i) for i in range(21)], None, "a poll needs 2 to 20 options, not 21"),
        ("A", "Q?", "yes", None, "a poll needs 2 to 20 options, not a string"),
        ("A", "Q?", ["yes", " "], None, "an option is 1 to 100 characters, not ' '"),
        ("A", "Q?", ["yes", "n" * 101], None,
         "an option is 1 to 100 characters, not '" + "n" * 40 + "…'"),
        ("A", "Q?", ["yes", "no", "yes"], None, "option 'yes' appears twice"),
        ("A", "Q?", BIRADS, "4B", "the key '4B' is not one of: 2, 3, 4A"),
    ],
    ids=["panel", "blank-question", "long-question", "one-option", "21-options", "string-options",
         "blank-option", "long-option", "same-option", "key"],
)
def test_open_poll_checks_the_poll(
    store: LiveStore, panel: str, question: str, options: list[str], key: str | None, message: str
) -> None:
    lecturer = lecture(store)
    with refused(Invalid, message):
        store.open_poll(lecturer.session_id, lecturer.lecturer_secret, panel, question, options,
                        NOW, key=key)
    assert store.state(lecturer.session_id).poll is None


def test_close_poll_reveals_the_key_once(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    closed = store.close_poll(sid, secret, poll_id, NOW + 20)
    assert not closed.is_open and closed.closed_at == NOW + 20
    state = store.state(sid)
    assert state.poll == closed and state.poll.key == "4A"
    again = store.close_poll(sid, secret, poll_id, NOW + 30)  # nothing changes
    assert again == closed and store.state(sid).version == state.version
    with refused(NotFound, "poll 9 does not exist in this session"):
        store.close_poll(sid, secret, 9, NOW)
    with refused(NotFound, "poll 9 does not exist in this session"):
        store.results(sid, 9)


def test_polls_belong_to_their_session(store: LiveStore) -> None:
    _, poll_id = with_poll(store)
    other = lecture(store)
    with refused(NotFound, f"poll {poll_id} does not exist in this session"):
        store.results(other.session_id, poll_id)


# --- answers --------------------------------------------------------------------------------------


def test_answers_are_counted_per_option(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    version = store.state(lecturer.session_id).version
    for option in ["4A", "4A", "3"]:
        answer(store, store.join(lecturer.join_code, None, NOW), poll_id, option)
    assert store.results(lecturer.session_id, poll_id) == {"2": 0, "3": 1, "4A": 2}
    assert list(store.results(lecturer.session_id, poll_id)) == BIRADS  # the poll's order
    assert store.state(lecturer.session_id).version == version  # answers do not move followers


def test_a_trainee_answers_once(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    answer(store, trainee, poll_id, "3")
    with refused(AlreadyAnswered, "this trainee has already answered poll 1"):
        answer(store, trainee, poll_id, "4A")
    assert store.results(lecturer.session_id, poll_id) == {"2": 0, "3": 1, "4A": 0}


def test_the_option_must_be_one_of_the_polls(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    with refused(Invalid, "option 'X' is not one of: 2, 3, 4A"):
        answer(store, trainee, poll_id, "X")
    with refused(Invalid, "option '4a' is not one of: 2, 3, 4A"):
        answer(store, trainee, poll_id, "4a")


def test_answers_only_while_the_poll_is_open(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    store.close_poll(lecturer.session_id, lecturer.lecturer_secret, poll_id, NOW + 1)
    with refused(Closed, "poll 1 is closed"):
        answer(store, trainee, poll_id, "3")
    with refused(NotFound, "poll 2 does not exist in this session"):
        answer(store, trainee, 2, "3")


def test_the_end_closes_the_open_poll_to_answers(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    store.end_session(lecturer.session_id, lecturer.lecturer_secret, NOW + 1)
    with refused(Closed, "poll 1 is closed"):
        answer(store, trainee, poll_id, "3")


def test_no_one_answers_for_someone_else(store: LiveStore) -> None:
    lecturer, poll_id = with_poll(store)
    ann = store.join(lecturer.join_code, "Ann", NOW)
    bob = store.join(lecturer.join_code, "Bob", NOW)
    sid = lecturer.session_id
    attempts = [
        (ann.trainee_id, bob.trainee_secret),  # Bob answering as Ann
        (ann.trainee_id, lecturer.lecturer_secret),
        (ann.trainee_id, ""),
        ("no-such-trainee", ann.trainee_secret),
    ]
    for trainee_id, secret in attempts:
        with refused(Forbidden, "not a trainee of this session"):
            store.answer(sid, trainee_id, secret, poll_id, "3", NOW)
    other = lecture(store)  # a trainee of another session
    with refused(Forbidden, "not a trainee of this session"):
        store.answer(other.session_id, ann.trainee_id, ann.trainee_secret, poll_id, "3", NOW)
    assert sum(store.results(sid, poll_id).values()) == 0


def test_answer_attempts_are_rate_limited_per_trainee(make_store: StoreFactory) -> None:
    store = make_store(answers_per_window=3, window=10)
    lecturer, poll_id = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    other = store.join(lecturer.join_code, None, NOW)
    start = NOW - NOW % 10  # the start of a window
    for _ in range(3):  # refused attempts count too
        with refused(Invalid, "option 'X' is not one of: 2, 3, 4A"):
            answer(store, trainee, poll_id, "X", start + 1)
    with refused(TooMany, "too many answers from this trainee: wait a few seconds"):
        answer(store, trainee, poll_id, "3", start + 9)
    answer(store, other, poll_id, "3", start + 9)  # the limit is per trainee
    answer(store, trainee, poll_id, "2", start + 10)  # the next window
    assert store.results(lecturer.session_id, poll_id) == {"2": 1, "3": 1, "4A": 0}


def test_sixty_trainees_answering_at_once_are_all_counted_once(make_store: StoreFactory) -> None:
    setup = make_store()
    lecturer, poll_id = with_poll(setup)
    trainees = [setup.join(lecturer.join_code, None, NOW) for _ in range(60)]
    servers = [make_store() for _ in range(4)]  # spread over several store objects
    start = threading.Barrier(120)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def attempt(index: int, trainee: Trainee) -> None:
        start.wait()
        try:
            answer(servers[index % 4], trainee, poll_id, BIRADS[index % 3], NOW + 1)
            outcome = "counted"
        except AlreadyAnswered as error:
            assert str(error) == "this trainee has already answered poll 1"
            outcome = "refused"
        with lock:
            outcomes.append((trainee.trainee_id, outcome))

    threads = [threading.Thread(target=attempt, args=(i, t))
               for i, t in enumerate(trainees) for _ in range(2)]  # each trainee twice
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 120
    per_trainee = Counter(outcomes)
    assert all(per_trainee[(t.trainee_id, "counted")] == 1 for t in trainees)
    assert all(per_trainee[(t.trainee_id, "refused")] == 1 for t in trainees)
    results = setup.results(lecturer.session_id, poll_id)
    assert sum(results.values()) == 60
    assert results == {"2": 20, "3": 20, "4A": 20}


def test_joining_at_once_never_passes_the_cap(make_store: StoreFactory) -> None:
    stores = [make_store(max_trainees=50) for _ in range(4)]
    code = lecture(stores[0]).join_code
    start = threading.Barrier(60)
    outcomes: list[str] = []

    def join(index: int) -> None:
        start.wait()
        try:
            stores[index % 4].join(code, f"t{index}", NOW)
            outcomes.append("joined")
        except TooMany as error:
            assert str(error) == "this session is full (50 trainees)"
            outcomes.append("full")

    threads = [threading.Thread(target=join, args=(i,)) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Counter(outcomes) == {"joined": 50, "full": 10}


# --- what trainees and lecturers take away --------------------------------------------------------


def test_trainees_keep_their_own_answers(store: LiveStore) -> None:
    lecturer, first = with_poll(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    ann = store.join(lecturer.join_code, "Ann", NOW)
    bob = store.join(lecturer.join_code, "Bob", NOW)
    answer(store, ann, first, "3", NOW + 1)
    answer(store, bob, first, "4A", NOW + 2)
    store.close_poll(sid, secret, first, NOW + 3)
    second = store.open_poll(sid, secret, "B", "Follow-up?", ["6 months", "biopsy"], NOW + 4,
                             key="biopsy").poll_id
    answer(store, ann, second, "biopsy", NOW + 5)
    open_view = store.trainee_answers(sid, ann.trainee_id, ann.trainee_secret)
    assert [(a.poll_id, a.panel, a.question, a.option, a.answered_at) for a in open_view] == [
        (1, "A", "BI-RADS category?", "3", NOW + 1), (2, "B", "Follow-up?", "biopsy", NOW + 5)]
    assert [(a.key, a.correct) for a in open_view] == [("4A", False), (None, None)]  # 2 is open
    store.end_session(sid, secret, NOW + 6)
    after = store.trainee_answers(sid, ann.trainee_id, ann.trainee_secret)
    assert [(a.key, a.correct) for a in after] == [("4A", False), ("biopsy", True)]
    with refused(Forbidden, "not a trainee of this session"):
        store.trainee_answers(sid, ann.trainee_id, bob.trainee_secret)


def test_results_csv_lists_every_answer(store: LiveStore) -> None:
    lecturer, first = with_poll(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    ann = store.join(lecturer.join_code, "Ann, MD", NOW)
    anon = store.join(lecturer.join_code, None, NOW)
    sly = store.join(lecturer.join_code, '=HYPERLINK("http://x","y")', NOW)
    answer(store, anon, first, "3", NOW + 2)
    answer(store, ann, first, "4A", NOW + 1)
    answer(store, sly, first, "2", NOW + 3)
    store.close_poll(sid, secret, first, NOW + 4)
    second = store.open_poll(sid, secret, "B", 'Is it "spiculated"?', ["yes", "no"], NOW + 5)
    answer(store, ann, second.poll_id, "yes", NOW + 6)
    with refused(Forbidden, "only the lecturer can download the results"):
        store.results_csv(sid, ann.trainee_secret)
    text = store.results_csv(sid, secret)
    assert text.startswith("poll,panel,question,trainee,option,correct,answered_at\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1:] == [
        ["1", "A", "BI-RADS category?", "Ann, MD", "4A", "yes", "2025-10-09T08:53:21+00:00"],
        ["1", "A", "BI-RADS category?", f"anonymous-{anon.trainee_id[:8]}", "3", "no",
         "2025-10-09T08:53:22+00:00"],
        ["1", "A", "BI-RADS category?", """'=HYPERLINK("http://x","y")""", "2", "no",
         "2025-10-09T08:53:23+00:00"],
        ["2", "B", 'Is it "spiculated"?', "Ann, MD", "yes", "", "2025-10-09T08:53:26+00:00"],
    ]
    store.end_session(sid, secret, NOW + 7)
    assert store.results_csv(sid, secret) == text  # still there after the end


def test_all_results_for_the_lecturer(store: LiveStore) -> None:
    lecturer, first = with_poll(store)
    sid, secret = lecturer.session_id, lecturer.lecturer_secret
    assert [(p.poll_id, c) for p, c in store.all_results(sid, secret)] == [
        (1, {"2": 0, "3": 0, "4A": 0})]
    ann = store.join(lecturer.join_code, "Ann", NOW)
    bob = store.join(lecturer.join_code, "Bob", NOW)
    answer(store, ann, first, "4A")
    answer(store, bob, first, "4A")
    store.close_poll(sid, secret, first, NOW + 1)
    second = store.open_poll(sid, secret, "B", "Biopsy?", ["yes", "no"], NOW + 2).poll_id
    answer(store, ann, second, "no", NOW + 3)
    reviewed = store.all_results(sid, secret)
    assert [(p.poll_id, p.key, p.is_open, c) for p, c in reviewed] == [
        (1, "4A", False, {"2": 0, "3": 0, "4A": 2}),
        (2, None, True, {"yes": 0, "no": 1}),
    ]
    store.end_session(sid, secret, NOW + 4)
    assert [p.is_open for p, _ in store.all_results(sid, secret)] == [False, False]
    for wrong in ("", ann.trainee_secret):
        with refused(Forbidden, "only the lecturer can see the results"):
            store.all_results(sid, wrong)
    with refused(NotFound, "no such session"):
        store.all_results("nope", secret)


def test_secrets_are_not_stored(backend: str, store: LiveStore, request: pytest.FixtureRequest,
                                tmp_path: Path) -> None:
    lecturer, _ = with_poll(store)
    trainee = store.join(lecturer.join_code, None, NOW)
    if backend == "sqlite":
        stored = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir())
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        with redis.Redis.from_url(server.url) as client:
            stored = b"".join(client.dump(k) or b"" for k in client.keys("*"))
    assert lecturer.session_id.encode() in stored  # the check can see what is stored
    assert lecturer.lecturer_secret.encode() not in stored
    assert trainee.trainee_secret.encode() not in stored


# --- restarts -------------------------------------------------------------------------------------


def test_a_new_store_on_the_same_backing_sees_everything(make_store: StoreFactory) -> None:
    first = make_store()
    lecturer, poll_id = with_poll(first)
    first.set_step(lecturer.session_id, lecturer.lecturer_secret, "B", 2, NOW + 1)
    trainees = [first.join(lecturer.join_code, None, NOW) for _ in range(5)]
    for trainee in trainees:
        answer(first, trainee, poll_id, "3")
    state = first.state(lecturer.session_id)
    first.close()
    again = make_store()
    assert again.state(lecturer.session_id) == state
    assert again.results(lecturer.session_id, poll_id) == {"2": 0, "3": 5, "4A": 0}
    answer(again, again.join(lecturer.join_code, None, NOW + 2), poll_id, "2", NOW + 2)
    with refused(AlreadyAnswered, "this trainee has already answered poll 1"):
        answer(again, trainees[0], poll_id, "2", NOW + 2)


KILLED_WRITER = """
import sys
from viewer.live.sqlite_store import SqliteStore
from viewer.live.store import Limits

path, code, session_id = sys.argv[1:]
store = SqliteStore(path, limits=Limits(max_trainees=10**9))
n = 0
while True:
    trainee = store.join(code, None, 1.0e9)
    store.answer(session_id, trainee.trainee_id, trainee.trainee_secret, 1, "yes", 1.0e9 + n)
    print(trainee.trainee_id, flush=True)
    n += 1
"""


def test_sqlite_keeps_every_committed_answer_when_a_process_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    store = SqliteStore(path)
    lecturer = store.create_session("scar-carcinoma", "A", 1.0e9)
    store.open_poll(lecturer.session_id, lecturer.lecturer_secret, "A", "Mass?", ["yes", "no"],
                    1.0e9)
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path), lecturer.join_code, lecturer.session_id],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert writer.stdout is not None
    committed = [writer.stdout.readline().strip() for _ in range(40)]
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    assert all(committed)

    reopened = SqliteStore(path)
    results = reopened.results(lecturer.session_id, 1)
    assert results["yes"] >= 40
    rows = list(csv.DictReader(io.StringIO(
        reopened.results_csv(lecturer.session_id, lecturer.lecturer_secret))))
    answered = {row["trainee"].removeprefix("anonymous-") for row in rows}
    assert {trainee_id[:8] for trainee_id in committed} <= answered
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    reopened.close_poll(lecturer.session_id, lecturer.lecturer_secret, 1, 1.0e9 + 1e6)


def test_sqlite_brings_a_version_1_file_up_to_date(tmp_path: Path) -> None:
    """A file written before the step timer (schema 1, no ``step_at``) opens, keeps its
    sessions, and times their step from the session's start."""
    path = tmp_path / "live.sqlite3"
    SqliteStore(path)
    with closing(sqlite3.connect(path)) as db:  # make it what version 1 wrote
        db.execute("ALTER TABLE sessions DROP COLUMN step_at")
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO sessions (session_id, case_id, join_code, lecturer_digest, created_at,"
            " step, layer, version) VALUES ('old', 'scar-carcinoma', 'ABCDEF', '0', ?, 'C', 2, 4)",
            (NOW,),
        )
        db.commit()
    store = SqliteStore(path)
    state = store.state("old")
    assert (state.step, state.layer, state.started_at, state.step_at) == ("C", 2, NOW, NOW)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (sqlite_store.SCHEMA_VERSION,)
    lecturer = store.create_session("scar-carcinoma", "A", NOW + 5)
    assert store.state(lecturer.session_id).step_at == NOW + 5


@pytest.mark.parametrize(("stop", "fsync"), [("terminate", "everysec"), ("kill", "always")])
def test_redis_keeps_sessions_across_a_restart(tmp_path: Path, stop: str, fsync: str) -> None:
    server = RedisServer(tmp_path, "--appendfsync", fsync)
    server.start()
    try:
        store = RedisStore(server.url)
        lecturer, poll_id = with_poll(store)
        store.set_step(lecturer.session_id, lecturer.lecturer_secret, "B", 2, NOW + 1)
        trainees = [store.join(lecturer.join_code, None, NOW) for _ in range(10)]
        for trainee in trainees:
            answer(store, trainee, poll_id, "4A")
        state = store.state(lecturer.session_id)
        csv_before = store.results_csv(lecturer.session_id, lecturer.lecturer_secret)
        store.close()
        server.stop(kill=stop == "kill")
        server.start()
        again = RedisStore(server.url)
        assert again.state(lecturer.session_id) == state
        assert again.results(lecturer.session_id, poll_id) == {"2": 0, "3": 0, "4A": 10}
        assert again.results_csv(lecturer.session_id, lecturer.lecturer_secret) == csv_before
        with refused(AlreadyAnswered, "this trainee has already answered poll 1"):
            answer(again, trainees[0], poll_id, "3")
        again.close()
    finally:
        server.stop()


# --- choosing a backend ---------------------------------------------------------------------------


def test_open_store_chooses_the_backend_from_the_setting(tmp_path: Path) -> None:
    default = open_store(None, tmp_path / "data")
    assert isinstance(default, SqliteStore) and default.path == tmp_path / "data" / "live.sqlite3"
    assert default.path.exists()
    chosen = open_store(str(tmp_path / "elsewhere.db"), tmp_path / "data")
    assert isinstance(chosen, SqliteStore) and chosen.path == tmp_path / "elsewhere.db"
    remote = open_store("redis://127.0.0.1:1/0", tmp_path / "data")  # connects on first use
    assert isinstance(remote, RedisStore)
    remote.close()
