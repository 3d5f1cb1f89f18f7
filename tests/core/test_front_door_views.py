"""The front door's pages: each page's GET, a good POST, a POST with errors that keeps
what was typed, and the refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conferences import services as conference_services
from conferences.models import Section47Enquiry
from cpcase import front_door
from cpcase.models import Assessment, AuditEvent, ChildInNeedPlan, Referral

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def _refer(actor, child, days_ago=30):
    return front_door.referral_record(
        actor=actor,
        child_id=child.pk,
        received_on=_ago(days_ago),
        source="2A",
        primary_need="N1",
        nfa=False,
        next_step="assessment",
    )


def _signed_in(client, user):
    client.force_login(user)
    return client


# --- Referral ----------------------------------------------------------------------------


def test_record_a_referral_page(client, social_worker, child):
    url = f"/children/{child.pk}/referrals/new/"
    page = _signed_in(client, social_worker).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Schools" in body and "Abuse or neglect" in body  # the census labels
    response = client.post(
        url,
        {
            **_date("received_on", _ago(3)),
            "source": "2A",
            "referrer_name": "Ms Fictional Teacher",
            "referrer_agency": "Anytown Primary",
            "details": "Came to school hungry.",
            "primary_need": "N1",
            "next_step": "assessment",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(child=child)
    assert referral.referrer_name == "Ms Fictional Teacher" and not referral.nfa
    # The child's page shows the episode and the next steps.
    detail = client.get(f"/children/{child.pk}/").content.decode()
    assert "Child in need episode" in detail and "Start an assessment" in detail
    assert f"/referrals/{referral.pk}/close/" in detail


def test_an_early_help_referral_is_nfa(client, social_worker, child):
    url = f"/children/{child.pk}/referrals/new/"
    response = _signed_in(client, social_worker).post(
        url, {**_date("received_on", _ago(3)), "source": "6", "next_step": "early_help"}
    )
    assert response.status_code == 302
    assert Referral.objects.get(child=child).nfa


def test_referral_errors_keep_what_was_typed(client, social_worker, child):
    url = f"/children/{child.pk}/referrals/new/"
    response = _signed_in(client, social_worker).post(
        url,
        {
            **_date("received_on", TODAY + dt.timedelta(days=3)),
            "source": "2A",
            "referrer_name": "Ms Kept Name",
            "details": "What they said stays.",
            "primary_need": "",
            "next_step": "assessment",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "cannot be in the future" in body and "primary need" in body
    assert 'value="Ms Kept Name"' in body and "What they said stays." in body
    assert 'value="2A" selected' in body
    assert not Referral.objects.exists()


def test_referral_page_refusals(client, other_team_worker, service_leader, police_enquirer, child):
    url = f"/children/{child.pk}/referrals/new/"
    assert _signed_in(client, other_team_worker).get(url).status_code == 404
    assert _signed_in(client, police_enquirer).get(url).status_code == 404
    assert _signed_in(client, service_leader).get(url).status_code == 403
    response = _signed_in(client, service_leader).post(
        url, {**_date("received_on", _ago(3)), "source": "2A", "next_step": "nfa"}
    )
    assert response.status_code == 403
    assert not Referral.objects.exists()


# --- Assessment and authorisation ---------------------------------------------------------


def test_start_and_authorise_an_assessment(client, social_worker, team_manager, child):
    _refer(social_worker, child)
    url = f"/children/{child.pk}/assessments/new/"
    assert _signed_in(client, social_worker).get(url).status_code == 200
    response = client.post(url, {**_date("started_on", _ago(20))})
    assert response.status_code == 302
    assessment = Assessment.objects.get(child=child)
    authorise = f"/assessments/{assessment.pk}/authorise/"
    assert client.get(authorise).status_code == 403  # the worker does not authorise
    detail = client.get(f"/children/{child.pk}/").content.decode()
    assert "Awaiting authorisation" in detail and authorise not in detail
    manager = _signed_in(client, team_manager)
    assert authorise in manager.get(f"/children/{child.pk}/").content.decode()
    page = manager.get(authorise).content.decode()
    assert "Domestic abuse" in page and "Harm outside the home" in page
    response = manager.post(
        authorise,
        {
            **_date("authorised_on", _ago(2)),
            "factors_domestic_abuse": ["3B"],
            "factors_abuse": ["16A"],
            "outcome": "cin_plan",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.factors == ["3B", "16A"] and assessment.outcome == "cin_plan"
    assert ChildInNeedPlan.objects.filter(child=child, ended_on__isnull=True).exists()
    # Authorised once: the page sends back to the child.
    assert manager.get(authorise).status_code == 302


def test_authorise_errors_keep_the_ticks(client, social_worker, team_manager, child):
    _refer(social_worker, child)
    assessment = front_door.assessment_record(
        actor=social_worker, child_id=child.pk, started_on=_ago(20)
    )
    response = _signed_in(client, team_manager).post(
        f"/assessments/{assessment.pk}/authorise/",
        {
            **_date("authorised_on", _ago(2)),
            "factors_domestic_abuse": ["3B"],
            "factors_other": ["21"],
            "summary": "Kept summary",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and "Choose the outcome" in body
    assert 'value="3B" checked' in body and "Kept summary" in body
    response = client.post(
        f"/assessments/{assessment.pk}/authorise/",
        {
            **_date("authorised_on", _ago(2)),
            "factors_domestic_abuse": ["3B"],
            "factors_other": ["21"],
            "outcome": "nfa",
        },
    )
    assert response.status_code == 200
    assert "No factors identified" in response.content.decode()
    assert 'value="3B" checked' in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.authorised_on is None


def test_assessment_errors_and_refusals(
    client, social_worker, other_team_worker, other_team_manager, child
):
    url = f"/children/{child.pk}/assessments/new/"
    response = _signed_in(client, social_worker).post(
        url, {**_date("started_on", _ago(3)), "summary": "Kept"}
    )
    assert response.status_code == 200  # no open episode
    assert "record the referral first" in response.content.decode()
    assert "Kept" in response.content.decode()
    assert _signed_in(client, other_team_worker).get(url).status_code == 404
    _refer(social_worker, child)
    assessment = front_door.assessment_record(
        actor=social_worker, child_id=child.pk, started_on=_ago(20)
    )
    assert (
        _signed_in(client, other_team_manager)
        .get(f"/assessments/{assessment.pk}/authorise/")
        .status_code
        == 404
    )


# --- Child in need plan and closure ---------------------------------------------------------


def test_cin_plan_start_end_and_close_the_episode(client, social_worker, child):
    referral = _refer(social_worker, child)
    c = _signed_in(client, social_worker)
    assert c.get(f"/children/{child.pk}/cin-plan/start/").status_code == 200
    assert (
        c.post(f"/children/{child.pk}/cin-plan/start/", _date("started_on", _ago(10))).status_code
        == 302
    )
    detail = c.get(f"/children/{child.pk}/").content.decode()
    assert "End the child in need plan" in detail and "(running)" in detail
    bad = c.post(f"/children/{child.pk}/cin-plan/end/", _date("ended_on", _ago(12)))
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()
    assert (
        c.post(f"/children/{child.pk}/cin-plan/end/", _date("ended_on", _ago(5))).status_code == 302
    )
    close = f"/referrals/{referral.pk}/close/"
    assert c.get(close).status_code == 200
    bad = c.post(close, _date("closed_on", _ago(1)))
    assert bad.status_code == 200 and "Choose the reason for closure" in bad.content.decode()
    assert f'value="{_ago(1).day}"' in bad.content.decode()
    assert c.post(close, {**_date("closed_on", _ago(1)), "reason": "RC7"}).status_code == 302
    referral.refresh_from_db()
    assert referral.closure_reason == "RC7"
    detail = c.get(f"/children/{child.pk}/").content.decode()
    assert "Past episodes" in detail and "Record a referral" in detail


def test_cin_plan_and_closure_refusals(
    client, social_worker, service_leader, other_team_worker, child
):
    referral = _refer(social_worker, child)
    for user, status in ((service_leader, 403), (other_team_worker, 404)):
        c = _signed_in(client, user)
        assert c.get(f"/children/{child.pk}/cin-plan/start/").status_code == status
        assert (
            c.post(
                f"/children/{child.pk}/cin-plan/start/", _date("started_on", _ago(2))
            ).status_code
            == status
        )
        assert (
            c.post(
                f"/referrals/{referral.pk}/close/", {**_date("closed_on", _ago(1)), "reason": "RC7"}
            ).status_code
            == status
        )
    assert not ChildInNeedPlan.objects.exists()
    referral.refresh_from_db()
    assert referral.closed_on is None


# --- Section 47 ------------------------------------------------------------------------------


def test_section47_with_no_conference(client, social_worker, child):
    _refer(social_worker, child)
    discussion = conference_services.strategy_discussion_record(
        actor=social_worker, child_id=child.pk, held_on=_ago(10), outcome="s47_enquiry"
    )
    url = f"/children/{child.pk}/section47-enquiries/new/"
    c = _signed_in(client, social_worker)
    assert c.get(url).status_code == 200
    bad = c.post(
        url,
        {
            "strategy_discussion": str(discussion.pk),
            **_date("started_on", _ago(10)),
            "conference_required": "no",
        },
    )
    assert bad.status_code == 200 and "Say why no initial conference" in bad.content.decode()
    assert f'value="{discussion.pk}" checked' in bad.content.decode()
    ok = c.post(
        url,
        {
            "strategy_discussion": str(discussion.pk),
            **_date("started_on", _ago(10)),
            "conference_required": "no",
            "reason_not_required": "Explained by an accident at school.",
        },
    )
    assert ok.status_code == 302
    enquiry = Section47Enquiry.objects.get(child=child)
    assert enquiry.conference_required is False
    detail = c.get(f"/children/{child.pk}/").content.decode()
    assert "no conference needed: Explained by an accident at school." in detail


def test_section47_outcome_later(client, social_worker, service_leader, other_team_worker, child):
    _refer(social_worker, child)
    discussion = conference_services.strategy_discussion_record(
        actor=social_worker, child_id=child.pk, held_on=_ago(10), outcome="s47_enquiry"
    )
    enquiry = conference_services.section47_start(
        actor=social_worker,
        child_id=child.pk,
        strategy_discussion_id=discussion.pk,
        started_on=_ago(10),
    )
    url = f"/section47-enquiries/{enquiry.pk}/outcome/"
    assert _signed_in(client, service_leader).get(url).status_code == 403
    assert _signed_in(client, other_team_worker).get(url).status_code == 404
    c = _signed_in(client, social_worker)
    assert url in c.get(f"/children/{child.pk}/").content.decode()
    assert c.get(url).status_code == 200
    bad = c.post(url, {"conference_required": "yes", "reason_not_required": "Kept reason"})
    assert bad.status_code == 200 and "Kept reason" in bad.content.decode()
    assert c.post(url, {"conference_required": "yes"}).status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.conference_required is True
    assert AuditEvent.objects.filter(object_id=str(enquiry.pk), action="update").exists()


# --- The child's form ------------------------------------------------------------------------


def test_child_form_upn_disabilities_and_date_of_death(client, social_worker, child):
    url = f"/children/{child.pk}/edit/"
    c = _signed_in(client, social_worker)
    page = c.get(url).content.decode()
    assert "Unique pupil number" in page and "No disability" in page and "Date of death" in page
    base = {
        "last_name": child.last_name,
        "first_name": child.first_name,
        **_date("date_of_birth", child.date_of_birth),
        "sex": child.sex,
        "version": child.version,
    }
    bad = c.post(url, {**base, "upn": "A123", "disabilities": ["NONE", "VIS"]})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert (
        "govuk-error-summary" in body and 'value="A123"' in body and 'value="VIS" checked' in body
    )
    ok = c.post(url, {**base, "upn_unknown": "UN2", "disabilities": ["VIS", "HEAR"]})
    assert ok.status_code == 302, ok.content.decode()[:2000]
    child.refresh_from_db()
    assert child.upn_unknown == "UN2" and child.disabilities == ["VIS", "HEAR"]
    assert child.has_disability is True
