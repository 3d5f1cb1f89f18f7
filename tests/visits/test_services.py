"""Recording visits: drafts, completion, amendments, and 'cannot visit in time'."""

import datetime as dt

import pytest
from django.utils import timezone

from cpcase.errors import Conflict, DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, Notification
from cpcase.timescales import deadlines_for
from tests.factories import PlanFactory
from visits import services
from visits.models import Visit
from visits.services import VisitInput

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _input(**overrides):
    data = {
        "kind": "statutory",
        "visited_at": NOW - dt.timedelta(hours=2),
        "child_seen": True,
        "seen_alone": True,
        "bedroom_seen": True,
        "location": "Home",
        "observations": "Kitchen had food; Amelia was clean and cheerful.",
        "childs_views": "Amelia said she likes her new school.",
        "analysis": "Home conditions have improved since the last visit.",
    }
    data.update(overrides)
    return VisitInput(**data)


def test_a_statutory_visit_moves_the_next_due_date(child, social_worker):
    PlanFactory(child=child, started_on=timezone.localdate() - dt.timedelta(days=20))
    visit = services.visit_save(
        actor=social_worker, child_id=child.pk, data=_input(), complete=True
    )
    assert visit.is_statutory_visit
    (running,) = [
        d
        for d in deadlines_for(child, timezone.localdate())
        if d.kind == "statutory_visit" and d.is_open
    ]
    assert "the last statutory visit" in running.source
    assert AuditEvent.objects.filter(object_id=str(visit.pk), action="create").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"child_seen": False, "seen_alone": False}, "child_seen"),
        ({"visited_at": NOW + dt.timedelta(days=1)}, "visited_at"),
        ({"visited_at": None}, "visited_at"),
        ({"kind": "phone"}, "kind"),
        ({"child_seen": False, "seen_alone": True, "kind": "home_visit"}, "seen_alone"),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_saved(child, social_worker, overrides, field):
    with pytest.raises(DomainError) as caught:
        services.visit_save(
            actor=social_worker, child_id=child.pk, data=_input(**overrides), complete=True
        )
    assert field in caught.value.errors
    assert not Visit.objects.exists()


def test_a_home_visit_without_seeing_the_child_is_kept_but_is_not_statutory(child, social_worker):
    visit = services.visit_save(
        actor=social_worker,
        child_id=child.pk,
        data=_input(kind="home_visit", child_seen=False, seen_alone=False),
        complete=True,
    )
    assert visit.status == "completed" and not visit.is_statutory_visit


def test_a_draft_is_finished_later_and_only_then_counts(child, social_worker, other_team_worker):
    draft = services.visit_save(
        actor=social_worker,
        child_id=child.pk,
        data=_input(child_seen=False, seen_alone=False),
        complete=False,
    )
    assert draft.status == "draft"
    with pytest.raises(Conflict):
        services.visit_save(
            actor=social_worker,
            child_id=child.pk,
            data=_input(),
            complete=True,
            visit_id=draft.pk,
            version=draft.version + 5,
        )
    with pytest.raises(NotFound):
        services.visit_save(
            actor=other_team_worker,
            child_id=child.pk,
            data=_input(),
            complete=True,
            visit_id=draft.pk,
            version=draft.version,
        )
    done = services.visit_save(
        actor=social_worker,
        child_id=child.pk,
        data=_input(),
        complete=True,
        visit_id=draft.pk,
        version=draft.version,
    )
    assert done.pk == draft.pk and done.is_statutory_visit


def test_completed_visits_are_corrected_only_by_an_audited_amendment(
    child, social_worker, team_manager, authority, team
):
    from tests.factories import UserFactory

    colleague = UserFactory(
        username="sw.colleague", authority=authority, team=team, roles=["social_worker"]
    )
    visit = services.visit_save(
        actor=social_worker, child_id=child.pk, data=_input(), complete=True
    )
    with pytest.raises(DomainError):  # a completed visit is not saved over
        services.visit_save(
            actor=social_worker,
            child_id=child.pk,
            data=_input(),
            complete=True,
            visit_id=visit.pk,
            version=visit.version,
        )
    with pytest.raises(NotPermitted):
        services.visit_amend(
            actor=colleague,
            visit_id=visit.pk,
            version=visit.version,
            changes={"location": "School"},
            reason="Wrong place",
        )
    with pytest.raises(DomainError, match="why"):
        services.visit_amend(
            actor=social_worker,
            visit_id=visit.pk,
            version=visit.version,
            changes={"location": "School"},
            reason=" ",
        )
    with pytest.raises(DomainError) as caught:
        services.visit_amend(
            actor=social_worker,
            visit_id=visit.pk,
            version=visit.version,
            changes={"child_seen": False, "seen_alone": False},
            reason="Typo",
        )
    assert "child_seen" in caught.value.errors
    amended = services.visit_amend(
        actor=team_manager,
        visit_id=visit.pk,
        version=visit.version,
        changes={"location": "School"},
        reason="The visit was at school, not at home",
    )
    (amendment,) = amended.amendments.all()
    assert amendment.changes == {"location": {"from": "Home", "to": "School"}}
    assert amendment.amended_by == team_manager


def test_cannot_visit_tells_the_service_leader_and_team_manager(
    child,
    social_worker,
    team_manager,
    service_leader,
    other_team_manager,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.cannot_visit_record(
            actor=social_worker,
            child_id=child.pk,
            due_on=timezone.localdate(),
            reason="The family is away until Monday; police welfare check arranged.",
        )
    told = set(
        Notification.objects.filter(kind="cannot_visit").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"sl", "tm.north"}
    with pytest.raises(DomainError) as caught:
        services.cannot_visit_record(
            actor=social_worker, child_id=child.pk, due_on=timezone.localdate(), reason=""
        )
    assert "reason" in caught.value.errors
