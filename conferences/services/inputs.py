"""What the chair records at a conference: the services' typed input."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from conferences.models import ConferenceAttendee
from cpcase.models import User
from plans.services import CoreGroupInput, IssueInput


@dataclass(frozen=True)
class DecisionInput:
    child_id: Any
    decision: str
    category: str = ""
    latest_category: str = ""
    step_down: str = ""
    # Working days between later core groups for this child, where the conference that
    # starts the plan sets one different from the timescale profile's.
    core_group_interval_days: int | None = None


@dataclass(frozen=True)
class AttendeeInput:
    name: str
    agency: str = ""
    role: str = ""
    user: User | None = None
    attendance: str = ConferenceAttendee.Attendance.ATTENDED
    report_submitted: bool = False


@dataclass(frozen=True)
class ParentInput:
    name: str
    person_id: Any = None
    relationship: str = ""
    invited: bool = True
    attended: bool = False
    excluded: bool = False
    exclusion_reason: str = ""
    exclusion_explained: bool = False


@dataclass(frozen=True)
class OutcomeInput:
    held_on: dt.date
    decisions: list[DecisionInput]
    attendees: list[AttendeeInput] = field(default_factory=list)
    parents: list[ParentInput] = field(default_factory=list)
    outline_plan: list[IssueInput] = field(default_factory=list)
    lead_social_worker: User | None = None
    core_group: list[CoreGroupInput] = field(default_factory=list)
    unmet_needs: str = ""
    reasons: str = ""
    next_review_on: dt.date | None = None
    quorate: bool | None = None
    childs_views: str = ""
    views_given: str = ""
    parents_informed: bool | None = None
    parents_not_informed_reason: str = ""
    child_informed: bool | None = None
    child_not_informed_reason: str = ""
    visit_interval: tuple[int, str] | None = None
    dual_plan_justification: str = ""
