"""Rows of several models in one statement (``cpcase.insert_together``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpcase import audit_chain
from cpcase.insert_together import insert_together
from cpcase.models import AuditEvent
from registry.models import Enquiry
from tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_record_the_rows_that_point_at_it_and_audit_events_go_in_one_statement(authority):
    user = UserFactory()
    children = [ChildFactory(responsible_authority=authority) for _ in range(3)]
    enquiry = Enquiry(enquirer=user, reason="Welfare", outcome="matched")
    matched = [
        Enquiry.matched_children.through(enquiry_id=enquiry.pk, child_id=c.pk) for c in children
    ]
    events = [
        AuditEvent(actor=user, action="search", object_id=str(enquiry.pk), child_id=c.pk)
        for c in children
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_together([enquiry], matched, [], events)
    assert len(queries) == 1
    stored = Enquiry.objects.get(pk=enquiry.pk)
    assert set(stored.matched_children.values_list("pk", flat=True)) == {c.pk for c in children}
    assert stored.created_at is not None and stored.search == {}
    written = AuditEvent.objects.filter(object_id=str(enquiry.pk))
    assert written.count() == 3
    # The chain's trigger gave each its place, as for any other insert, and it verifies.
    assert not written.filter(chain_seq__isnull=True).exists()
    assert not written.filter(chain_hash="").exists()
    assert audit_chain.verify().intact


def test_nothing_to_write_is_no_statement():
    with CaptureQueriesContext(connection) as queries:
        insert_together([], [])
    assert len(queries) == 0


def test_a_group_holds_one_model():
    user = UserFactory()
    with pytest.raises(TypeError):
        insert_together([Enquiry(enquirer=user), AuditEvent(actor=user, action="search")])
