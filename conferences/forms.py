"""Browser forms for strategy discussions, conferences, letters and complaints.

The forms parse what was typed; the services decide what is allowed. Most fields are
optional here so that a service's own message (naming the rule) is the one shown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TypedDict

from django import forms
from django.utils import timezone

from conferences.models import (
    STEP_DOWN_CHOICES,
    Complaint,
    Conference,
    ConferenceAttendee,
    ConferenceChild,
    Disagreement,
    Letter,
    LookedAfterEvent,
    StrategyDiscussion,
)
from conferences.services import (
    DECISIONS_BY_KIND,
    AttendeeInput,
    DecisionInput,
    OutcomeInput,
    ParentInput,
)
from cpcase.forms_govuk import GovukDateField
from cpcase.models import User
from cpcase.services import AddressInput
from cpcase.validators import TEXT_MAX_LENGTH
from plans.models import CORE_GROUP_INTERVAL_MAX, Category, PlanIssue
from plans.services import CoreGroupInput, IssueInput

YES_NO = [("yes", "Yes"), ("no", "No")]
CATEGORY_CHOICES = [("", "Choose a category")] + [
    (code, f"{label} ({code})") for code, label in Category.choices
]
TIME_HELP = "24-hour clock, for example 10:00"


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _as_yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")  # type: ignore[arg-type]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def staff_label(user) -> str:
    where = user.agency.name if user.agency_id else (user.team.name if user.team_id else "")
    return f"{user.name}, {where}" if where else user.name


class StrategyDiscussionForm(forms.Form):
    held_on = GovukDateField(
        label="When was the strategy discussion held?",
        help_text="For example, 23 11 2026",
        error_messages={"required": "Enter the date the strategy discussion was held."},
    )
    outcome = forms.ChoiceField(
        label="What did the strategy discussion decide?",
        choices=StrategyDiscussion.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the strategy discussion decided."},
    )
    notes = forms.CharField(
        max_length=TEXT_MAX_LENGTH, label="Notes (optional)", required=False, widget=_textarea(4)
    )


def parse_time(value: str) -> dt.time | None:
    value = (value or "").strip()
    match = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", value)
    return dt.time(int(match.group(1)), int(match.group(2))) if match else None


class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of conference is it?",
        choices=Conference.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of conference."},
    )
    children = forms.MultipleChoiceField(
        label="Which children is the conference about?",
        help_text="Brothers and sisters in the same household can be discussed at one conference.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    scheduled_on = GovukDateField(
        label="Date of the conference",
        help_text="For example, 8 12 2026",
        error_messages={"required": "Enter the date of the conference."},
    )
    scheduled_time = forms.CharField(
        label="Time of the conference",
        help_text=TIME_HELP,
        max_length=5,
        error_messages={"required": "Enter the time of the conference."},
    )
    chair = forms.ChoiceField(label="Chair", required=False)
    venue = forms.CharField(label="Venue", required=False, max_length=200)
    invite_staff = forms.MultipleChoiceField(
        label="Which professionals here are invited?",
        help_text="They are told of the invitation at once, in cpcase and by email.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, children=(), chairs=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].choices = [(str(c.pk), c.name) for c in children]
        self.fields["invite_staff"].choices = [(str(u.pk), staff_label(u)) for u in staff]
        self.fields["chair"].choices = [("", "Choose a chair")] + [
            (str(u.pk), u.name) for u in chairs
        ]
        self.fields["scheduled_time"].widget.attrs.update({"inputmode": "numeric"})

    def clean_scheduled_time(self):
        value = self.cleaned_data.get("scheduled_time") or ""
        parsed = parse_time(value)
        if parsed is None:
            raise forms.ValidationError("Enter the time like 10:00.")
        return parsed

    def scheduled_for(self) -> dt.datetime:
        d = self.cleaned_data
        return timezone.make_aware(dt.datetime.combine(d["scheduled_on"], d["scheduled_time"]))


class InvitationForm(forms.Form):
    """A professional from another agency invited by name (a GP, a school, the police)."""

    name = forms.CharField(label="Name", required=False, max_length=200)
    agency = forms.CharField(label="Agency", required=False, max_length=200)
    role = forms.CharField(label="Role", required=False, max_length=200)

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any((d.get(k) or "").strip() for k in ("name", "agency", "role"))

    def to_input(self) -> AttendeeInput:
        d = self.cleaned_data
        return AttendeeInput(
            name=d["name"],
            agency=d["agency"],
            role=d["role"],
            attendance=ConferenceAttendee.Attendance.INVITED,
        )


InvitationFormSet = forms.formset_factory(InvitationForm, extra=0, max_num=50)


# --- The outcome: one main form and a row form for each repeated part ---------------


class OutcomeForm(forms.Form):
    held_on = GovukDateField(
        label="Date the conference was held", help_text="For example, 8 12 2026", required=False
    )
    quorate = forms.ChoiceField(
        label="Was the conference quorate?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    reasons = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="The reasons for the decision",
        help_text="These are written to the parents and the child.",
        required=False,
        widget=_textarea(4),
    )
    unmet_needs = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Other unmet needs",
        help_text="Recorded in the conference record, not in the plan.",
        required=False,
        widget=_textarea(3),
    )
    lead_social_worker = forms.ChoiceField(label="Lead social worker", required=False)
    core_group_professionals = forms.MultipleChoiceField(
        label="Professionals in the core group",
        help_text="Parents and carers join the core group from their row above.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    visit_interval_days = forms.IntegerField(
        label="Visits at most every (working days, optional)",
        help_text="Leave blank for the authority's usual interval.",
        required=False,
        min_value=1,
        max_value=60,
    )
    next_review_on = GovukDateField(
        label="Date of the next review conference",
        help_text="Leave blank for the usual timescale.",
        required=False,
    )
    childs_views = forms.CharField(
        max_length=TEXT_MAX_LENGTH, label="The child's views", required=False, widget=_textarea(3)
    )
    views_given = forms.ChoiceField(
        label="How did the child give their views?",
        choices=ConferenceChild._meta.get_field("views_given").flatchoices,
        widget=forms.RadioSelect,
        required=False,
    )
    parents_informed = forms.ChoiceField(
        label="Will the parents be told of the decision?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    parents_not_informed_reason = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="If not, why not",
        help_text="Only if telling them would put the child, another child or an adult at risk "
        "of significant harm or serious injury.",
        required=False,
        widget=_textarea(3),
    )
    child_informed = forms.ChoiceField(
        label="Will the child be told of the decision?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    child_not_informed_reason = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="If not, why not (the child's age and understanding)",
        required=False,
        widget=_textarea(2),
    )
    dual_plan_justification = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="For a looked after child: why keep both the care plan and this plan",
        required=False,
        widget=_textarea(3),
    )

    def __init__(self, *args, social_workers=(), professionals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_social_worker"].choices = [("", "Choose the lead social worker")] + [
            (str(u.pk), staff_label(u)) for u in social_workers
        ]
        self.fields["core_group_professionals"].choices = [
            (str(u.pk), staff_label(u)) for u in professionals
        ]


class DecisionForm(forms.Form):
    child = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)
    decision = forms.ChoiceField(widget=forms.RadioSelect, required=False)
    category = forms.ChoiceField(choices=CATEGORY_CHOICES, required=False)
    latest_category = forms.ChoiceField(choices=CATEGORY_CHOICES, required=False)
    step_down = forms.ChoiceField(
        choices=STEP_DOWN_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        help_text="If the plan is discontinued: the support that follows it.",
    )
    core_group_interval_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=CORE_GROUP_INTERVAL_MAX,
        help_text="Only if the conference sets a different interval from the usual one.",
    )

    def __init__(self, *args, subject=None, kind="initial", **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        name = subject.child.name if subject else "the child"
        allowed = DECISIONS_BY_KIND[Conference.Kind(kind)]
        self.fields["decision"].choices = [
            (value, label) for value, label in ConferenceChild.Decision.choices if value in allowed
        ]
        self.fields["decision"].label = f"What did the conference decide for {name}?"
        self.fields["category"].label = f"Category of abuse for {name}"
        self.fields["latest_category"].label = f"Latest category of abuse for {name}"
        self.fields["step_down"].label = f"What support follows for {name}?"
        self.fields[
            "core_group_interval_days"
        ].label = f"Core group meetings for {name} at most every (working days, optional)"


class AttendeeForm(forms.Form):
    name = forms.CharField(label="Name", required=False, max_length=200)
    user = forms.ChoiceField(label="Or a member of staff", required=False)
    agency = forms.CharField(label="Agency", required=False, max_length=200)
    role = forms.CharField(label="Role", required=False, max_length=200)
    attendance = forms.ChoiceField(
        label="Attendance",
        choices=[
            (value, label)
            for value, label in ConferenceAttendee.Attendance.choices
            if value != "invited"
        ],
        required=False,
    )
    report_submitted = forms.BooleanField(label="Submitted a report", required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Not a member of staff here")] + [
            (str(u.pk), staff_label(u)) for u in staff
        ]

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any(d.get(k) for k in ("name", "user", "agency", "role"))


class ParentForm(forms.Form):
    person = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="Name", required=False, max_length=200)
    relationship = forms.CharField(
        max_length=100, label="Relationship to the child", required=False
    )
    invited = forms.BooleanField(label="Invited", required=False)
    attended = forms.BooleanField(label="Attended", required=False)
    excluded = forms.BooleanField(label="Excluded by the chair", required=False)
    exclusion_reason = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="Reason for the exclusion",
        help_text="Only the chair excludes a parent, for a recorded reason explained to them.",
        required=False,
        widget=_textarea(2),
    )
    exclusion_explained = forms.BooleanField(
        label="The reason was explained to them", required=False
    )
    core_group = forms.BooleanField(label="A member of the core group", required=False)

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any(d.get(k) for k in ("name", "relationship", "exclusion_reason"))


class IssueForm(forms.Form):
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="The issue (the risk)",
        required=False,
        widget=_textarea(2),
    )
    risk_type = forms.ChoiceField(
        label="Kind of risk",
        choices=PlanIssue.RiskType.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    desired_outcome = forms.CharField(
        max_length=TEXT_MAX_LENGTH, label="Desired outcome", required=False, widget=_textarea(2)
    )
    improvement_required = forms.CharField(
        label="Degree of improvement required", required=False, max_length=200
    )

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any(
            (d.get(k) or "").strip()
            for k in ("description", "risk_type", "desired_outcome", "improvement_required")
        )


AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=0)
ParentFormSet = forms.formset_factory(ParentForm, extra=0)
IssueFormSet = forms.formset_factory(IssueForm, extra=0)


class DecisionFormSet(forms.formset_factory(DecisionForm, extra=0)):  # type: ignore[misc]
    """One decision form for each child the conference is about, in the subjects' order."""

    def __init__(self, *args, subjects=(), kind="initial", **kwargs):
        self.subjects = list(subjects)
        self.kind = kind
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        subject = self.subjects[index] if index is not None and index < len(self.subjects) else None
        return {"subject": subject, "kind": self.kind}


def _agency_name(user: User) -> str:
    return user.agency.name if user.agency else ""


def _core_group_input(d: dict, parents: list, staff: dict[str, User]) -> list[CoreGroupInput]:
    """The professionals chosen, then the parents and carers marked as in the core group."""
    core_group = [
        CoreGroupInput(
            kind="professional",
            user=staff[pk],
            agency=_agency_name(staff[pk]),
        )
        for pk in d["core_group_professionals"]
        if pk in staff
    ]
    core_group += [
        CoreGroupInput(
            kind="parent_or_carer",
            name=f.cleaned_data["name"],
            person_id=f.cleaned_data["person"] or None,
        )
        for f in parents
        if f.cleaned_data["core_group"] and f.cleaned_data["name"].strip()
    ]
    return core_group


def _attendee_input(f: forms.Form, staff: dict[str, User]) -> AttendeeInput:
    c = f.cleaned_data
    user = staff.get(c["user"]) if c["user"] else None
    return AttendeeInput(
        name=c["name"] or (user.name if user else ""),
        agency=c["agency"] or (_agency_name(user) if user else ""),
        role=c["role"],
        user=user,
        attendance=c["attendance"] or ConferenceAttendee.Attendance.ATTENDED,
        report_submitted=c["report_submitted"],
    )


def _decision_input(f: DecisionForm) -> DecisionInput:
    return DecisionInput(
        child_id=f.subject.child_id if f.subject else f.cleaned_data["child"],
        decision=f.cleaned_data["decision"],
        category=f.cleaned_data["category"],
        latest_category=f.cleaned_data["latest_category"],
        step_down=f.cleaned_data["step_down"],
        core_group_interval_days=f.cleaned_data.get("core_group_interval_days"),
    )


def _parent_input(f: forms.Form) -> ParentInput:
    return ParentInput(
        name=f.cleaned_data["name"],
        person_id=f.cleaned_data["person"] or None,
        relationship=f.cleaned_data["relationship"],
        invited=f.cleaned_data["invited"],
        attended=f.cleaned_data["attended"],
        excluded=f.cleaned_data["excluded"],
        exclusion_reason=f.cleaned_data["exclusion_reason"],
        exclusion_explained=f.cleaned_data["exclusion_explained"],
    )


def _issue_input(f: forms.Form) -> IssueInput:
    return IssueInput(
        description=f.cleaned_data["description"].strip(),
        risk_type=f.cleaned_data["risk_type"],
        desired_outcome=f.cleaned_data["desired_outcome"].strip(),
        improvement_required=f.cleaned_data["improvement_required"].strip(),
    )


@dataclass
class OutcomePage:
    """The outcome page's forms, and where each row of the service's input came from."""

    main: OutcomeForm
    decisions: forms.BaseFormSet
    attendees: forms.BaseFormSet
    parents: forms.BaseFormSet
    issues: forms.BaseFormSet
    rows: dict[str, list[int]] = field(default_factory=dict)

    def all_valid(self) -> bool:
        return all(
            [
                self.main.is_valid(),
                self.decisions.is_valid(),
                self.attendees.is_valid(),
                self.parents.is_valid(),
                self.issues.is_valid(),
            ]
        )

    def to_input(self, staff: dict[str, User]) -> OutcomeInput:
        """The service's input; blank rows are left out (and their positions remembered)."""
        d = self.main.cleaned_data
        attendees = [(i, f) for i, f in enumerate(self.attendees.forms) if not f.is_blank()]
        parents = [(i, f) for i, f in enumerate(self.parents.forms) if not f.is_blank()]
        issues = [(i, f) for i, f in enumerate(self.issues.forms) if not f.is_blank()]
        self.rows = {
            "attendees": [i for i, _ in attendees],
            "parents": [i for i, _ in parents],
            "outline_plan": [i for i, _ in issues],
        }
        interval = d.get("visit_interval_days")
        return OutcomeInput(
            held_on=d["held_on"],
            decisions=[_decision_input(f) for f in self.decisions.forms],
            attendees=[_attendee_input(f, staff) for _, f in attendees],
            parents=[_parent_input(f) for _, f in parents],
            outline_plan=[_issue_input(f) for _, f in issues],
            lead_social_worker=staff.get(d["lead_social_worker"]),
            core_group=_core_group_input(d, [f for _, f in parents], staff),
            unmet_needs=d["unmet_needs"],
            reasons=d["reasons"],
            next_review_on=d.get("next_review_on"),
            quorate=_yes_no(d["quorate"]),
            childs_views=d["childs_views"],
            views_given=d["views_given"],
            parents_informed=_yes_no(d["parents_informed"]),
            parents_not_informed_reason=d["parents_not_informed_reason"],
            child_informed=_yes_no(d["child_informed"]),
            child_not_informed_reason=d["child_not_informed_reason"],
            visit_interval=(interval, "working_days") if interval else None,
            dual_plan_justification=d["dual_plan_justification"],
        )

    def place_error(self, name: str, message: str) -> None:
        """Put one of the service's errors (``parents[1].exclusion_reason``) on its field."""
        match = re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", name)
        if match:
            part, index, field_name = match.group(1), int(match.group(2)), match.group(3)
            formset = {
                "decisions": self.decisions,
                "attendees": self.attendees,
                "parents": self.parents,
                "outline_plan": self.issues,
            }.get(part)
            rows = self.rows.get(part)
            position = rows[index] if rows is not None and index < len(rows) else index
            if formset is not None and position < len(formset.forms):
                form = formset.forms[position]
                if field_name == "child":
                    field_name = "decision"
                form.add_error(field_name if field_name in form.fields else None, message)
                return
        if name == "outline_plan" and self.issues.forms:
            self.issues.forms[0].add_error("description", message)
            return
        if name == "core_group":
            name = "core_group_professionals"
        if name == "visit_interval":
            name = "visit_interval_days"
        if name == "decisions" and self.decisions.forms:
            self.decisions.forms[0].add_error("decision", message)
            return
        self.main.add_error(name if name in self.main.fields else None, message)


class OutcomeInitial(TypedDict):
    """The outcome page's initial data: the main form's, and each formset's rows."""

    main: dict[str, object]
    decisions: list[dict[str, object]]
    attendees: list[dict[str, object]]
    parents: list[dict[str, object]]
    issues: list[dict[str, object]]


def _initial_before_held(conference: Conference, subjects, people, plans) -> OutcomeInitial:
    """A conference not yet held starts from the family, the allocated worker, the
    professionals invited and each plan's latest category."""
    first = subjects[0] if subjects else None
    lead = first.child.lead_social_worker_id if first else None
    return {
        "main": {
            "held_on": timezone.localdate(conference.scheduled_for),
            "lead_social_worker": str(lead or ""),
        },
        "decisions": [
            {
                "child": str(s.child_id),
                "latest_category": plans[s.child_id].latest_category if s.child_id in plans else "",
            }
            for s in subjects
        ],
        # The professionals invited, for the chair to mark who came.
        "attendees": [
            {
                "name": a.name,
                "user": str(a.user_id or ""),
                "agency": a.agency,
                "role": a.role,
                "attendance": ConferenceAttendee.Attendance.ATTENDED,
            }
            for a in conference.attendees.all()
        ],
        "parents": [
            {
                "person": str(r.person_id),
                "name": r.person.name,
                "relationship": r.get_kind_display(),
                "invited": True,
            }
            for r in people
        ],
        "issues": [],
    }


def _main_recorded(conference: Conference, first: ConferenceChild) -> dict[str, object]:
    """The main form as recorded (the first child's record holds what all share)."""
    return {
        "held_on": conference.held_on,
        "quorate": _as_yes_no(conference.quorate),
        "reasons": first.decision_reasons,
        "unmet_needs": first.unmet_needs,
        "lead_social_worker": str(first.lead_social_worker_id or ""),
        "core_group_professionals": [m["user"] for m in first.core_group if m.get("user")],
        "visit_interval_days": first.visit_interval_value,
        "next_review_on": first.next_review_on,
        "childs_views": first.childs_views,
        "views_given": first.views_given,
        "parents_informed": _as_yes_no(first.parents_informed),
        "parents_not_informed_reason": first.parents_not_informed_reason,
        "child_informed": _as_yes_no(first.child_informed),
        "child_not_informed_reason": first.child_not_informed_reason,
        "dual_plan_justification": first.dual_plan_justification,
    }


def _parents_recorded(conference: Conference, first: ConferenceChild) -> list[dict[str, object]]:
    core_family = {m.get("person_id") or m["name"] for m in first.core_group if not m.get("user")}
    return [
        {
            "person": str(p.person_id or ""),
            "name": p.name,
            "relationship": p.relationship,
            "invited": p.invited,
            "attended": p.attended,
            "excluded": p.excluded,
            "exclusion_reason": p.exclusion_reason,
            "exclusion_explained": p.exclusion_explained,
            "core_group": str(p.person_id) in core_family or p.name in core_family,
        }
        for p in conference.parents.all()
    ]


def outcome_initial(conference: Conference, subjects, people, plans=None) -> OutcomeInitial:
    """What the outcome page starts with: the outcome recorded so far, or the family, the
    allocated worker and each plan's latest category."""
    first = subjects[0] if subjects else None
    if first is None or conference.status != Conference.Status.HELD:
        return _initial_before_held(conference, subjects, people, plans or {})
    return {
        "main": _main_recorded(conference, first),
        "decisions": [
            {
                "child": str(s.child_id),
                "decision": s.decision,
                "category": s.category,
                "latest_category": s.latest_category,
                "step_down": s.step_down,
                "core_group_interval_days": s.core_group_interval_days,
            }
            for s in subjects
        ],
        "attendees": [
            {
                "name": a.name,
                "user": str(a.user_id or ""),
                "agency": a.agency,
                "role": a.role,
                "attendance": a.attendance,
                "report_submitted": a.report_submitted,
            }
            for a in conference.attendees.all()
        ],
        "parents": _parents_recorded(conference, first),
        "issues": list(first.outline_plan)
        or next((list(s.outline_plan) for s in subjects if s.outline_plan), []),
    }


# --- Letters, complaints, looked after events ---------------------------------------


class LetterSentForm(forms.Form):
    sent_on = GovukDateField(
        label="When was the letter sent?",
        help_text="For example, 8 12 2026",
        error_messages={"required": "Enter the date the letter was sent."},
    )
    sent_by = forms.ChoiceField(
        label="How was it sent?",
        choices=Letter.SentBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the letter was sent."},
    )


class ComplaintForm(forms.Form):
    child = forms.ChoiceField(
        label="Which child's decision is it about?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the child the decision is about."},
    )
    complainant = forms.CharField(
        max_length=200,
        label="Who disagrees?",
        help_text="The parent's or the child's name.",
        required=False,
    )
    complainant_is_child = forms.BooleanField(label="The child is disagreeing", required=False)
    received_on = GovukDateField(
        label="When was the disagreement received?",
        error_messages={"required": "Enter the date it was received."},
    )
    summary = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="What do they disagree with, and why?",
        required=False,
        widget=_textarea(5),
    )

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [(str(s.child_id), s.child.name) for s in subjects]


class AssignReviewerForm(forms.Form):
    reviewing_officer = forms.ChoiceField(
        label="Reviewing senior officer",
        help_text="A senior officer who was not involved in the meeting.",
        error_messages={"required": "Choose a senior officer."},
    )

    def __init__(self, *args, officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewing_officer"].choices = [("", "Choose a senior officer")] + [
            (str(u.pk), u.name) for u in officers
        ]


class ComplaintDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What have you decided?",
        choices=[
            (value, label)
            for value, label in Complaint.Status.choices
            if value not in ("received", "under_review")
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    reasons = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="The reasons",
        help_text="These are written to the complainant.",
        required=False,
        widget=_textarea(6),
    )
    decided_on = GovukDateField(
        label="Date of the decision", error_messages={"required": "Enter the date of the decision."}
    )


class LookedAfterEventForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened?",
        choices=LookedAfterEvent.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    occurred_on = GovukDateField(
        label="When did it happen?",
        help_text="For example, 8 12 2026",
        error_messages={"required": "Enter the date it happened."},
    )
    notes = forms.CharField(
        max_length=TEXT_MAX_LENGTH, label="Notes (optional)", required=False, widget=_textarea(4)
    )


# --- Section 47 enquiries ------------------------------------------------------------

CONFERENCE_REQUIRED_CHOICES = [
    ("yes", "Yes: an initial child protection conference is needed"),
    ("no", "No: no conference is needed"),
]


class Section47OutcomeForm(forms.Form):
    conference_required = forms.ChoiceField(
        label="Is an initial child protection conference needed?",
        choices=CONFERENCE_REQUIRED_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether an initial conference is needed."},
    )
    reason_not_required = forms.CharField(
        label="Why is no conference needed?",
        help_text="Only when no conference is needed (the census's ICPCnotRequired).",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=_textarea(4),
    )

    def conference_required_value(self) -> bool | None:
        return _yes_no(self.cleaned_data.get("conference_required"))


class Section47Form(Section47OutcomeForm):
    """The enquiry a strategy discussion decided on; its outcome now, or later."""

    strategy_discussion = forms.ChoiceField(
        label="Which strategy discussion decided on the enquiry?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the strategy discussion."},
    )
    started_on = GovukDateField(
        label="When did the enquiry start?",
        help_text="For example, 23 11 2026",
        error_messages={"required": "Enter the date the enquiry started."},
    )
    field_order = ["strategy_discussion", "started_on", "conference_required"]

    def __init__(self, *args, discussions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy_discussion"].choices = [
            (str(d.pk), f"Held on {d.held_on:%d %B %Y}") for d in discussions
        ]
        outcome = self.fields["conference_required"]
        outcome.required = False
        outcome.label = "Is an initial child protection conference needed?"
        outcome.help_text = "Leave this until the enquiry has finished if it is not yet known."
        outcome.choices = [*CONFERENCE_REQUIRED_CHOICES, ("", "Not yet known")]


# --- Professional disagreements and transfer-in notices -------------------------------


class DisagreementForm(forms.Form):
    child = forms.ChoiceField(
        label="Whose plan is it about?",
        widget=forms.RadioSelect,
        required=False,
    )
    what_is_disagreed = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="What do you disagree with?",
        help_text="The chair's decision or the part of the plan, and why.",
        required=False,
        widget=_textarea(5),
    )
    wanted_instead = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="What do you want instead?",
        required=False,
        widget=_textarea(4),
    )

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(subjects) > 1:
            self.fields["child"].choices = [(str(s.child_id), s.child.name) for s in subjects]
        else:
            del self.fields["child"]


class DisagreementOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What is the outcome?",
        choices=Disagreement.Outcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    reasons = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        label="The reasons",
        help_text="The person who raised it and the chair are told.",
        required=False,
        widget=_textarea(6),
    )


class TransferNoticeForm(forms.Form):
    notified_on = GovukDateField(
        label="Date of the notice",
        help_text="For example, 8 12 2026",
        error_messages={"required": "Enter the date of the notice."},
    )
    from_authority = forms.ChoiceField(
        label="Which authority did the child move from?", required=False
    )
    line1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    line2 = forms.CharField(label="Address line 2 (optional)", required=False, max_length=200)
    town = forms.CharField(label="Town or city", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_authority"].choices = [("", "Choose an authority")] + [
            (a.code, f"{a.name} ({a.code})") for a in authorities
        ]

    def clean(self):
        data = super().clean()
        address = [data.get(k) for k in ("line1", "town", "postcode")]
        if any(address) and not all(address):
            for key, label in (
                ("line1", "the first line of the address"),
                ("town", "the town or city"),
                ("postcode", "the postcode"),
            ):
                if not data.get(key):
                    self.add_error(key, f"Enter {label}, or leave the whole address blank.")
        return data

    def address(self):
        d = self.cleaned_data
        if not d.get("line1"):
            return None
        return AddressInput(
            line1=d["line1"], line2=d.get("line2", ""), town=d["town"], postcode=d["postcode"]
        )
