"""The plan as a PDF, for the family and for professionals: read back with pdftotext."""

import subprocess

import pytest

from cpcase.errors import NotFound
from cpcase.models import AuditEvent
from plans import services
from tests.plans.test_views import DETAIL, H, detailed, start_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(chair, child, social_worker, core_group_member):
    return detailed(
        start_plan(chair, child, social_worker, core_group_member),
        social_worker,
        core_group_member,
    )


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())  # the layout's line breaks and columns, as single spaces


def test_the_family_version_is_in_plain_words(plan, social_worker):
    filename, pdf = services.plan_pdf(actor=social_worker, plan_id=plan.pk, audience="family")
    text = _text(pdf)
    assert filename.startswith("child-protection-plan-family-")
    assert "Amelia Testchild's child protection plan" in text
    assert "Who will do what, and by when" in text
    assert "Mother attends the alcohol service weekly" in text
    assert "How we will know it has worked" in text
    assert "What happens if the plan is not working" in text
    assert DETAIL["contingency_plan"] in text
    assert "Robin Allocated" in text and "01632 960999" in text  # who to talk to, any hour
    for jargon in ("HRI", "URF", "High risk indicator", "SMART", "Neglect", "contingency"):
        assert jargon not in text, jargon
    assert "Page 1 of" in text
    event = AuditEvent.objects.get(action="export", object_id=str(plan.pk))
    assert event.actor == social_worker and event.child_id == plan.child_id
    assert event.changes["audience"] == "family"


def test_the_professionals_version_in_full(plan, core_group_member, client):
    client.force_login(core_group_member)
    r = client.get(f"/plans/{plan.pk}/pdf/professionals/", **H)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _text(r.content)
    assert "Child protection plan: Amelia Testchild" in text
    assert "High risk indicator (HRI)" in text and "Neglect" in text
    assert "SMART actions" in text
    assert "The school reports attendance to the lead social worker every Friday" in text
    assert "Contingency plan" in text and DETAIL["contingency_plan"] in text
    assert "Who checks day to day that the child is safe and well" in text
    assert "Testford Primary School" in text
    assert AuditEvent.objects.filter(
        action="export", actor=core_group_member, changes__audience="professionals"
    ).exists()


def test_nobody_else_exports_the_plan(plan, police_enquirer, other_team_worker, social_worker):
    for user in (police_enquirer, other_team_worker):
        with pytest.raises(NotFound):
            services.plan_pdf(actor=user, plan_id=plan.pk, audience="family")
    with pytest.raises(NotFound):
        services.plan_pdf(actor=social_worker, plan_id=plan.pk, audience="newspaper")
    assert not AuditEvent.objects.filter(action="export").exists()
