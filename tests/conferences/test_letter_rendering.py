"""How letters are rendered: a conference's letters share one renderer (the stylesheet
parsed once, the fonts loaded once) and read what they show once for all its children,
and every document is still the PDF its template gives on its own, byte for byte."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from conferences import services
from conferences.models import Complaint, Conference, Letter
from conferences.services import DecisionInput, OutcomeInput, ParentInput
from cpcase.documents import PdfRenderer, render_pdf
from cpcase.services import _grant_allocated_worker
from cpcase.timescales import deadlines_for
from plans.models import Plan
from plans.selectors import plan_document_context
from plans.services import CoreGroupInput, IssueInput
from tests.factories import AddressFactory, ChildFactory
from tests.support.working_days import at, last_working_day

pytestmark = pytest.mark.django_db
TODAY = last_working_day()  # conferences meet on working days
BASE = '{% extends "letters/base.html" %}'


def _alone(template_name: str, context: dict[str, Any]) -> bytes:
    """The template on its own: its stylesheet inline (as the print view has it), fonts
    loaded for this document alone."""
    html = render_to_string(template_name, context)
    return weasyprint.HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True
    )


def _family(like, names: tuple[str, ...]) -> list:
    """Brothers and sisters named ``names``, allocated as the child ``like`` is."""
    worker = like.lead_social_worker
    family = [
        ChildFactory(
            first_name=name,
            last_name="Newfamily",
            date_of_birth=dt.date(2014 + i, 3, 9),
            responsible_authority=like.responsible_authority,
            team=like.team,
            lead_social_worker=worker,
            address=AddressFactory(line1="14 Imaginary Road", postcode="ZZ1 1ZZ"),
        )
        for i, name in enumerate(names)
    ]
    for c in family:
        _grant_allocated_worker(c, None, worker)
    return family


def _siblings(child, n: int) -> list:
    """``child`` and ``n - 1`` brothers and sisters."""
    return [child, *_family(child, ("Ben", "Cara", "Dev", "Eve", "Finn")[: n - 1])]


def _conference(chair, children, social_worker, core_group_member, capture) -> Conference:
    """An initial conference about ``children``, finalised: a plan for each, two parents."""
    conference = services.conference_schedule(
        actor=chair,
        kind="initial",
        child_ids=[c.pk for c in children],
        scheduled_for=at(TODAY),
        chair=chair,
    )
    services.conference_record_outcome(
        actor=chair,
        conference_id=conference.pk,
        data=OutcomeInput(
            held_on=TODAY,
            decisions=[
                DecisionInput(child_id=c.pk, decision="plan", category="NEG") for c in children
            ],
            parents=[
                ParentInput(name="Jo Example", relationship="Mother", attended=True),
                ParentInput(name="Sam Example", relationship="Father", invited=True),
            ],
            outline_plan=[
                IssueInput(
                    description="There was no food in the house on three visits",
                    risk_type="HRI",
                    desired_outcome="The children have three meals a day",
                    improvement_required="Significant",
                )
            ],
            lead_social_worker=social_worker,
            core_group=[CoreGroupInput(kind="professional", user=core_group_member)],
            reasons="The children have often been hungry and alone at home.",
            next_review_on=TODAY + dt.timedelta(days=84),
            quorate=True,
            parents_informed=True,
            child_informed=True,
        ),
    )
    with capture(execute=True):
        services.conference_finalise(actor=chair, conference_id=conference.pk)
    return Conference.objects.select_related("chair").get(pk=conference.pk)


def _subjects(conference: Conference) -> list:
    return list(
        conference.subjects.select_related(
            "child__responsible_authority", "child__lead_social_worker", "lead_social_worker"
        ).order_by("child__first_name")
    )


def test_every_document_is_the_pdf_its_template_gives_on_its_own(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    """Every template of a PDF (those extending the letter's base), rendered by one shared
    renderer one after another, gives the same bytes as on its own: the same text, the
    same tags, the same layout."""
    conference = _conference(
        chair, [child], social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    subject = _subjects(conference)[0]
    letter = {**services._letter_context(conference, subject), "recipient": "Jo Example"}
    complaint = Complaint(
        conference=conference,
        child=child,
        complainant="Jo Example",
        received_on=TODAY,
        summary="I do not agree with the plan.",
        status=Complaint.Status.PARTLY_UPHELD,
        outcome_reasons="The conference should have heard from the school.",
    )
    contexts = {
        "letters/outcome_parent.html": letter,
        "letters/outcome_child.html": {**letter, "recipient": child.name},
        "letters/discontinuation.html": {**letter, "decision": "discontinue"},
        "letters/complaint_outcome.html": {
            "authority": child.responsible_authority,
            "complaint": complaint,
            "child": child,
            "officer": chair,
            "recipient": "Jo Example",
            "today": TODAY,
        },
        "plans/pdf_family.html": plan_document_context(Plan.objects.get(pk=subject.plan_id)),
        "plans/pdf_professionals.html": plan_document_context(Plan.objects.get(pk=subject.plan_id)),
    }
    root = Path(settings.BASE_DIR) / "templates"
    documents = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if path.read_text().startswith(BASE)
    }
    assert documents == set(contexts), "give each document template a context here"
    renderer = PdfRenderer()
    for template_name, context in [*contexts.items(), *contexts.items()]:
        shared = renderer.render(template_name, context)
        assert shared == _alone(template_name, context), template_name
    # Each thread's own renderer (render_pdf), two threads at once, gives the same bytes.
    expected = {name: _alone(name, context) for name, context in contexts.items()}

    def each(_: int) -> dict[str, bytes]:
        return {name: render_pdf(name, context) for name, context in contexts.items()}

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(each, range(2))) == [expected, expected]


def test_no_document_brings_fonts_of_its_own():
    """A thread's renderer is kept for its life (cpcase.documents.renderer): it only stays
    the same size because documents use the system's fonts, never an ``@font-face``."""
    root = Path(settings.BASE_DIR) / "templates"
    sources = [*root.rglob("*.html"), *root.rglob("*.css")]
    assert any(p.name == "letter.css" for p in sources)
    assert [p for p in sources if "@font-face" in p.read_text().lower()] == []


def test_a_conferences_letters_are_each_the_letter_rendered_on_its_own(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    children = _siblings(child, 3)
    conference = _conference(
        chair, children, social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    letters = list(Letter.objects.filter(conference=conference))
    assert len(letters) == 3 * 3  # two parents and the child, for each child
    subjects = {s.child_id: s for s in _subjects(conference)}
    for letter in letters:
        context = services._letter_context(conference, subjects[letter.child_id])
        alone = _alone(f"letters/{letter.kind}.html", {**context, "recipient": letter.recipient})
        assert bytes(letter.pdf) == alone, letter


def test_a_conference_reads_each_childs_deadlines_as_the_engine_gives_them(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    children = _siblings(child, 4)
    conference = _conference(
        chair, children, social_worker, core_group_member, django_capture_on_commit_callbacks
    )
    running = services._running_deadlines(conference, children)
    for c in children:
        alone = {d.kind: d.due_on for d in deadlines_for(c, TODAY) if d.is_open}
        assert alone, "a plan has started: its first core group and review are running"
        assert running[c.pk] == alone, c.name


def test_producing_a_conferences_letters_costs_two_queries_a_letter_and_no_more_a_child(
    chair, child, social_worker, core_group_member, django_capture_on_commit_callbacks
):
    """The letter and its audit event are written for each letter; everything the letters
    show is read once for the conference, however many children it is about."""
    queries = {}
    for family in ([child], _family(child, ("Gus", "Hal", "Ivy", "Joy"))):
        conference = _conference(
            chair, family, social_worker, core_group_member, django_capture_on_commit_callbacks
        )
        Letter.objects.filter(conference=conference).delete()
        with CaptureQueriesContext(connection) as captured:
            produced = services.conference_letters_produce(conference_id=conference.pk)
        assert len(produced) == 3 * len(family)  # two parents and the child, for each child
        queries[len(family)] = len(captured)
    assert queries[4] - queries[1] == 2 * 3 * (4 - 1), queries
