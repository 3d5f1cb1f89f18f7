"""What a conference records per child: the core group interval set at the conference that
starts the plan, and, for a looked after child, why a child protection plan is needed
beside the care plan (at the conference that makes the plan, and at the first review
after the child became looked after)."""

import datetime as dt

import pytest
from django.test import Client

from conferences import services
from conferences.models import ConferenceChild
from conferences.services import DecisionInput, OutcomeInput
from cpcase.errors import DomainError
from cpcase.timescales import deadlines_for
from plans.models import Plan
from plans.services import CoreGroupInput, IssueInput
from tests.support.working_days import at, last_working_day

pytestmark = pytest.mark.django_db
TODAY = last_working_day()  # conferences meet on working days
HOST = {"HTTP_HOST": "localhost"}
ISSUE = IssueInput("Left alone in the evenings", "HRI", "An adult is always there", "Significant")
WHY = "Amelia spends each weekend, unsupervised, at home with her father."


def _schedule(chair, child, kind="initial", held_on=None):
    return services.conference_schedule(
        actor=chair,
        kind=kind,
        child_ids=[child.pk],
        scheduled_for=at(held_on or TODAY),
        chair=chair,
    )


def _record(chair, conference, child, social_worker, member, *, held_on=None, **decision):
    decision.setdefault("decision", "plan")
    decision.setdefault("category", "NEG")
    justification = decision.pop("dual_plan_justification", "")
    return services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=OutcomeInput(
            held_on=held_on or TODAY,
            decisions=[DecisionInput(child_id=child.pk, **decision)],
            outline_plan=[ISSUE],
            lead_social_worker=social_worker,
            core_group=[CoreGroupInput(kind="professional", user=member)],
            quorate=True,
            dual_plan_justification=justification,
        ),
    )


# --- The core group interval ------------------------------------------------------------


def test_the_initial_conference_sets_the_childs_core_group_interval(
    chair, child, social_worker, core_group_member
):
    conference = _schedule(chair, child)
    _record(chair, conference, child, social_worker, core_group_member, core_group_interval_days=8)
    assert ConferenceChild.objects.get(child=child).core_group_interval_days == 8
    services.conference_finalise(actor=chair, conference_id=conference.pk)
    plan = Plan.objects.get(child=child)
    assert plan.core_group_interval_days == 8
    plan.core_group_meetings.create(held_on=TODAY, recorded_by=social_worker)
    (core_group,) = [d for d in deadlines_for(child, TODAY) if d.kind == "core_group"]
    calendar_due = core_group.due_on
    assert "8 working days (set by the initial conference)" in core_group.source
    assert (calendar_due - TODAY).days < 20  # not the profile's 20 working days


@pytest.mark.parametrize(
    ("decision", "value", "message"),
    [
        ("no_plan", 10, "set by the conference that starts the plan"),
        ("plan", 61, "1 to 60 working days"),
    ],
)
def test_a_core_group_interval_where_it_cannot_be(
    chair, child, social_worker, core_group_member, decision, value, message
):
    conference = _schedule(chair, child)
    with pytest.raises(DomainError) as caught:
        _record(
            chair,
            conference,
            child,
            social_worker,
            core_group_member,
            decision=decision,
            core_group_interval_days=value,
        )
    assert message in caught.value.errors["decisions[0].core_group_interval_days"][0]


def test_the_api_takes_it_on_the_decision_and_names_the_field(
    api_as, chair, child, social_worker, core_group_member
):
    conference = _schedule(chair, child)
    body = {
        "held_on": TODAY.isoformat(),
        "decisions": [
            {
                "child": str(child.pk),
                "decision": "plan",
                "category": "NEG",
                "core_group_interval_days": 0,
            }
        ],
        "outline_plan": {
            "issues": [
                {
                    "description": "Left alone",
                    "risk_type": "HRI",
                    "desired_outcome": "An adult is there",
                    "improvement_required": "Significant",
                }
            ]
        },
        "lead_social_worker": str(social_worker.pk),
        "core_group": [str(core_group_member.pk)],
        "quorate": True,
    }
    api = api_as(chair)
    url = f"/api/v1/conferences/{conference.pk}/outcome/"
    r = api.post(url, body, format="json")
    assert r.status_code == 400
    assert "core_group_interval_days" in str(r.json()["decisions"]), r.json()
    body["decisions"][0]["core_group_interval_days"] = 12
    r = api.post(url, body, format="json")
    assert r.status_code == 200, r.json()
    assert ConferenceChild.objects.get(child=child).core_group_interval_days == 12


def _outcome_post(child, social_worker, member, **overrides):
    day = TODAY
    data = {
        "held_on_0": str(day.day),
        "held_on_1": str(day.month),
        "held_on_2": str(day.year),
        "quorate": "yes",
        "decision-TOTAL_FORMS": "1",
        "decision-INITIAL_FORMS": "1",
        "decision-0-decision": "plan",
        "decision-0-category": "NEG",
        "attendee-TOTAL_FORMS": "0",
        "attendee-INITIAL_FORMS": "0",
        "parent-TOTAL_FORMS": "0",
        "parent-INITIAL_FORMS": "0",
        "issue-TOTAL_FORMS": "1",
        "issue-INITIAL_FORMS": "0",
        "issue-0-description": "Left alone in the evenings",
        "issue-0-risk_type": "HRI",
        "issue-0-desired_outcome": "An adult is always there",
        "issue-0-improvement_required": "Significant",
        "lead_social_worker": str(social_worker.pk),
        "core_group_professionals": [str(member.pk)],
        "save": "1",
    }
    data.update(overrides)
    return data


def test_the_outcome_page_has_the_field_and_shows_its_errors(
    chair, child, social_worker, core_group_member
):
    conference = _schedule(chair, child)
    client = Client()
    client.force_login(chair)
    url = f"/conferences/{conference.pk}/outcome/"
    page = client.get(url, **HOST).content.decode()
    assert 'name="decision-0-core_group_interval_days"' in page
    r = client.post(
        url,
        _outcome_post(
            child, social_worker, core_group_member, **{"decision-0-core_group_interval_days": "0"}
        ),
        **HOST,
    )
    assert r.status_code == 200
    assert "govuk-error-summary" in r.content.decode()
    assert ConferenceChild.objects.get(child=child).decision == ""
    r = client.post(
        url,
        _outcome_post(
            child, social_worker, core_group_member, **{"decision-0-core_group_interval_days": "9"}
        ),
        **HOST,
    )
    assert r.status_code == 302
    assert ConferenceChild.objects.get(child=child).core_group_interval_days == 9


# --- A looked after child: both plans justified -------------------------------------------


def _looked_after(child, since):
    child.looked_after, child.looked_after_since = True, since
    child.save()


def test_a_plan_for_a_child_already_looked_after_needs_the_justification(
    chair, child, social_worker, core_group_member
):
    _looked_after(child, TODAY - dt.timedelta(days=200))
    conference = _schedule(chair, child)
    with pytest.raises(DomainError) as caught:
        _record(chair, conference, child, social_worker, core_group_member)
    (message,) = caught.value.errors["dual_plan_justification"]
    assert "only a supplement to the care plan" in message
    assert ConferenceChild.objects.get(child=child).decision == ""
    _record(chair, conference, child, social_worker, core_group_member, dual_plan_justification=WHY)
    assert ConferenceChild.objects.get(child=child).dual_plan_justification == WHY


def test_no_plan_for_a_looked_after_child_needs_no_justification(
    chair, child, social_worker, core_group_member
):
    _looked_after(child, TODAY - dt.timedelta(days=200))
    conference = _schedule(chair, child)
    _record(chair, conference, child, social_worker, core_group_member, decision="no_plan")
    assert ConferenceChild.objects.get(child=child).decision == "no_plan"


def test_a_child_not_looked_after_needs_none(chair, child, social_worker, core_group_member):
    conference = _schedule(chair, child)
    _record(chair, conference, child, social_worker, core_group_member)
    assert ConferenceChild.objects.get(child=child).decision == "plan"


def test_the_api_refuses_a_plan_without_it(api_as, chair, child, social_worker, core_group_member):
    _looked_after(child, TODAY - dt.timedelta(days=200))
    conference = _schedule(chair, child)
    r = api_as(chair).post(
        f"/api/v1/conferences/{conference.pk}/outcome/",
        {
            "held_on": TODAY.isoformat(),
            "decisions": [{"child": str(child.pk), "decision": "plan", "category": "NEG"}],
            "outline_plan": {
                "issues": [
                    {
                        "description": "Left alone",
                        "risk_type": "HRI",
                        "desired_outcome": "An adult is there",
                        "improvement_required": "Significant",
                    }
                ]
            },
            "lead_social_worker": str(social_worker.pk),
            "core_group": [str(core_group_member.pk)],
            "quorate": True,
        },
        format="json",
    )
    assert r.status_code == 400
    assert "supplement to the care plan" in r.json()["dual_plan_justification"][0]


def test_the_initial_outcome_page_asks_for_it_for_a_looked_after_child(
    chair, child, social_worker, core_group_member
):
    conference = _schedule(chair, child)
    client = Client()
    client.force_login(chair)
    url = f"/conferences/{conference.pk}/outcome/"
    assert 'name="dual_plan_justification"' not in client.get(url, **HOST).content.decode()
    _looked_after(child, TODAY - dt.timedelta(days=200))
    assert 'name="dual_plan_justification"' in client.get(url, **HOST).content.decode()
    r = client.post(url, _outcome_post(child, social_worker, core_group_member), **HOST)
    assert r.status_code == 200
    html = r.content.decode()
    assert "govuk-error-summary" in html and "supplement to the care plan" in html
    assert 'href="#id_dual_plan_justification"' in html
    r = client.post(
        url,
        _outcome_post(child, social_worker, core_group_member, dual_plan_justification=WHY),
        **HOST,
    )
    assert r.status_code == 302


def _plan_then_review(chair, child, social_worker, member, *, started, review_on, **decision):
    first = _schedule(chair, child, held_on=started)
    _record(chair, first, child, social_worker, member, held_on=started)
    services.conference_finalise(actor=chair, conference_id=first.pk)
    review = _schedule(chair, child, kind="review", held_on=review_on)
    return review, lambda **extra: _record(
        chair,
        review,
        child,
        social_worker,
        member,
        held_on=review_on,
        decision="continue",
        latest_category="NEG",
        **extra,
    )


def test_becoming_looked_after_through_the_api_makes_the_first_review_justify_both(
    api_as, chair, child, social_worker, core_group_member
):
    """The looked after date used to stay empty, so no review ever asked: now it is set."""
    started = last_working_day(TODAY - dt.timedelta(days=120))
    review, record = _plan_then_review(
        chair, child, social_worker, core_group_member, started=started, review_on=TODAY
    )
    since = TODAY - dt.timedelta(days=30)
    r = api_as(social_worker).patch(
        f"/api/v1/children/{child.pk}/",
        {"looked_after": True, "looked_after_since": since.isoformat(), "version": child.version},
        format="json",
    )
    assert r.status_code == 200, r.json()
    with pytest.raises(DomainError) as caught:
        record()
    assert "first review since then" in caught.value.errors["dual_plan_justification"][0]
    record(dual_plan_justification=WHY)
    services.conference_finalise(actor=chair, conference_id=review.pk)


def test_a_review_held_before_the_child_became_looked_after_is_not_that_review(
    chair, child, social_worker, core_group_member
):
    started = last_working_day(TODAY - dt.timedelta(days=120))
    review_on = last_working_day(TODAY - dt.timedelta(days=20))
    _review, record = _plan_then_review(
        chair, child, social_worker, core_group_member, started=started, review_on=review_on
    )
    _looked_after(child, TODAY - dt.timedelta(days=5))
    record()  # held before the child became looked after: nothing to justify yet


def test_only_the_first_review_after_needs_it(chair, child, social_worker, core_group_member):
    started = last_working_day(TODAY - dt.timedelta(days=200))
    first_review_on = last_working_day(TODAY - dt.timedelta(days=60))
    review, record = _plan_then_review(
        chair, child, social_worker, core_group_member, started=started, review_on=first_review_on
    )
    _looked_after(child, TODAY - dt.timedelta(days=100))
    record(dual_plan_justification=WHY)
    services.conference_finalise(actor=chair, conference_id=review.pk)
    second = _schedule(chair, child, kind="review")
    _record(
        chair,
        second,
        child,
        social_worker,
        core_group_member,
        decision="continue",
        latest_category="NEG",
    )
    assert ConferenceChild.objects.get(conference=second).decision == "continue"
