"""The audit trail's hash chain: every event linked to the one before; a change shows.

The owner's role can switch the append-only trigger off; what it changes then
is found by ``manage.py verify_audit``. Tampering is done on a connection of the
owner's role, so the rows it touches must be committed (transactional tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cpcase import request_context
from cpcase.audit import audit_record, audit_record_each
from cpcase.audit_chain import verify
from cpcase.models import AuditEvent
from tests.factories import ChildFactory
from tests.support.worker import ROOT, database_env, wait_for


def _connect(alias: str) -> psycopg.Connection:
    """A connection of ``alias``'s role to the test database, outside Django."""
    role = settings.DATABASES[alias]
    return psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=role["USER"],
        password=role["PASSWORD"] or None,
        host=role["HOST"] or None,
        port=role["PORT"] or None,
        autocommit=True,
    )


@pytest.fixture
def owner() -> Iterator[psycopg.Connection]:
    with _connect("owner") as conn:
        yield conn


def _events(social_worker, child, n: int) -> list[AuditEvent]:
    for i in range(n):
        audit_record(
            actor=social_worker,
            action=AuditEvent.Action.VIEW,
            obj=child,
            summary=f"Viewed the record ({i})",
        )
    return list(AuditEvent.objects.order_by("chain_seq"))


def _verify_fails() -> str:
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", batch_size=2)
    return str(raised.value)


def _tamper(owner: psycopg.Connection, sql: str, params: list[object]) -> None:
    owner.execute("ALTER TABLE cpcase_auditevent DISABLE TRIGGER cpcase_auditevent_append_only")
    try:
        owner.execute(sql, params)
    finally:
        owner.execute("ALTER TABLE cpcase_auditevent ENABLE TRIGGER cpcase_auditevent_append_only")


def test_every_event_is_chained_and_an_intact_chain_verifies(db, social_worker, child, capsys):
    other = ChildFactory(first_name="Wren", last_name="Ficticious")
    token = request_context.set_current(
        request_context.RequestContext(
            ip_address="2001:db8::1",
            user_agent="Testbrowser/1 ü",
            path="/children/",
            request_id="r-1",
        )
    )
    audit_record(
        actor=social_worker,
        action=AuditEvent.Action.UPDATE,
        obj=child,
        summary="Naïve café — “quoted” | pipes | 12:34",
        changes={"b": [1, 2.5, None], "a": {"z": "ü", "é": True}, "": ""},
    )
    # A bulk insert: one statement, several rows, each still linked to the one before.
    audit_record_each(
        actor=social_worker,
        action=AuditEvent.Action.VIEW,
        obj=None,
        children=[child, other, None],
        summary="Listed",
    )
    AuditEvent.objects.bulk_create(
        [AuditEvent(action=AuditEvent.Action.SEARCH, ip_address="192.0.2.7", summary="")] * 3
    )
    request_context.reset(token)
    events = list(AuditEvent.objects.order_by("chain_seq"))
    assert [e.chain_seq for e in events] == list(range(1, 8))
    assert all(len(e.chain_hash) == 64 for e in events)
    assert len({e.chain_hash for e in events}) == 7
    for batch_size in (1, 2, 7, 100):
        verdict = verify(batch_size=batch_size)
        assert verdict.intact, verdict
        assert (verdict.checked, verdict.head_seq) == (7, 7)
        assert verdict.head_hash == events[-1].chain_hash
    call_command("verify_audit")
    assert (
        f"Audit trail intact: 7 events checked. Head: position 7, hash {events[-1].chain_hash}."
        in capsys.readouterr().out
    )


def test_an_empty_trail_is_intact(db, capsys):
    call_command("verify_audit")
    assert "intact: 0 events" in capsys.readouterr().out


def test_a_client_cannot_choose_its_place_or_hash(db):
    event = AuditEvent.objects.create(action="view", chain_seq=99, chain_hash="f" * 64)
    event.refresh_from_db()
    assert event.chain_seq == 1
    assert event.chain_hash != "f" * 64
    assert verify().intact


@pytest.mark.django_db(transaction=True)
def test_a_row_changed_by_the_owner_is_reported_at_that_row(social_worker, child, owner):
    events = _events(social_worker, child, 5)
    assert verify().intact
    # The trigger still refuses the owner while it is on.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        owner.execute("UPDATE cpcase_auditevent SET summary = 'x' WHERE id = %s", [events[2].pk])
    _tamper(
        owner,
        "UPDATE cpcase_auditevent SET summary = 'Nothing to see' WHERE id = %s",
        [events[2].pk],
    )
    message = _verify_fails()
    assert message.startswith(f"Audit trail broken at event {events[2].pk} (position 3):")
    assert "changed after it was written" in message
    assert "The 2 event(s) before it are intact." in message
    # From the command line: a non-zero exit status and the same report.
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env={**os.environ, **database_env()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"Audit trail broken at event {events[2].pk} (position 3)" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_a_row_whose_hash_the_owner_recomputed_breaks_the_next_link(social_worker, child, owner):
    events = _events(social_worker, child, 4)
    _tamper(
        owner, "UPDATE cpcase_auditevent SET summary = 'Rewritten' WHERE id = %s", [events[1].pk]
    )
    _tamper(
        owner,
        "UPDATE cpcase_auditevent e SET chain_hash = cpcase_audit_link(%s, e) WHERE id = %s",
        [events[0].chain_hash, events[1].pk],
    )
    # The rewritten row is consistent with itself; the one after it no longer follows.
    message = _verify_fails()
    assert message.startswith(f"Audit trail broken at event {events[2].pk} (position 3):")


@pytest.mark.django_db(transaction=True)
def test_a_row_deleted_in_the_middle_is_reported(social_worker, child, owner):
    events = _events(social_worker, child, 5)
    _tamper(owner, "DELETE FROM cpcase_auditevent WHERE id = %s", [events[2].pk])
    message = _verify_fails()
    assert message.startswith(f"Audit trail broken at event {events[3].pk} (position 4):")
    assert "position 3 before it are missing" in message


@pytest.mark.django_db(transaction=True)
def test_a_row_slipped_in_with_the_chain_trigger_off_is_reported(social_worker, child, owner):
    _events(social_worker, child, 2)
    owner.execute("ALTER TABLE cpcase_auditevent DISABLE TRIGGER cpcase_auditevent_chain")
    try:
        owner.execute(
            "INSERT INTO cpcase_auditevent (at, actor_username, action, object_type, object_id,"
            " summary, changes, user_agent, path, request_id, chain_hash)"
            " VALUES (now(), 'ghost', 'view', '', '', 'Backdated', '{}', '', '', '', '')"
        )
    finally:
        owner.execute("ALTER TABLE cpcase_auditevent ENABLE TRIGGER cpcase_auditevent_chain")
    ghost = AuditEvent.objects.get(actor_username="ghost")
    assert f"broken at event {ghost.pk}: it has no place in the chain" in _verify_fails()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_extend_one_chain_in_commit_order():
    """Ids are handed out before the chain lock is taken, so chain order can differ from
    id order; the chain follows the order in which writers held the lock."""
    first, second = _connect("default"), _connect("default")
    insert = (
        "INSERT INTO cpcase_auditevent (at, actor_username, action, object_type, object_id,"
        " summary, changes, user_agent, path, request_id, chain_hash)"
        " VALUES (now(), %s, 'view', '', '', '', '{}', '', '', '', '') RETURNING id"
    )
    try:
        first.execute("BEGIN")
        first.execute(insert, ["first-a"])  # holds the chain until it commits
        blocked: dict[str, object] = {}

        def second_writer() -> None:
            try:
                blocked["id"] = second.execute(insert, ["second"]).fetchone()[0]
            except Exception as exc:  # reported below
                blocked["error"] = exc

        thread = threading.Thread(target=second_writer)
        thread.start()
        wait_for(
            lambda: first.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()[0],
            timeout=30,
            message="the second writer waiting for the chain",
        )
        first.execute(insert, ["first-b"])  # a higher id, but earlier in the chain
        first.execute("COMMIT")
        thread.join(timeout=30)
        assert "error" not in blocked
    finally:
        first.close()
        second.close()
    order = list(AuditEvent.objects.order_by("chain_seq").values_list("actor_username", "id"))
    assert [name for name, _ in order] == ["first-a", "first-b", "second"]
    assert order[2][1] < order[1][1]  # the second writer's id came before first-b's
    assert verify(batch_size=1).intact


def test_verify_audit_refuses_a_bad_batch_size(db):
    with pytest.raises(CommandError, match="--batch-size must be 1 or more"):
        call_command("verify_audit", batch_size=0)


def test_the_chain_covers_an_event_made_outside_a_request(db):
    event = AuditEvent.objects.create(action="login", actor_username="x", child_id=uuid.uuid4())
    event.refresh_from_db()
    assert event.chain_seq == 1 and len(event.chain_hash) == 64


@pytest.mark.parametrize(
    "fields",
    [
        {"actor": None, "summary": "", "changes": {}},
        {
            "summary": "Zo\u00eb\u2019s record \u2013 seen \u2713",
            "changes": {"note": "é|:-", "n": [1, None]},
        },
        {"summary": "x" * 500, "changes": {"shown": [{"type": "plan", "id": "1"}]}},
        {"object_id": "", "child_id": None, "user_agent": "", "path": "", "request_id": ""},
    ],
)
def test_the_databases_canonical_text_is_the_one_python_hashes(db, social_worker, fields):
    """The trigger's canonical text (migration 0021: one concat_ws) is, value for value, the
    text ``verify`` hashes again in Python: NULLs, empty text, accents, long text, JSON."""
    from cpcase.audit_chain import CANONICAL_COLUMNS, canonical

    event = AuditEvent.objects.create(
        **{
            "actor": social_worker,
            "actor_username": social_worker.username,
            "action": AuditEvent.Action.VIEW,
            "object_type": "child",
            "object_id": "abc",
            "child_id": uuid.uuid4(),
            **fields,
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cpcase_audit_canonical(e), {', '.join(CANONICAL_COLUMNS)}"  # noqa: S608
            " FROM cpcase_auditevent e WHERE id = %s",
            [event.pk],
        )
        in_database, *values = cursor.fetchone()
    assert in_database == canonical(values)
    assert verify().intact
