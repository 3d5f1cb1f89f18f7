"""Every write to plans. Conferences start, continue and end plans through these.

The package follows the plan's life: a conference's decisions that start or continue it
(``decisions``), its core group and their meetings (``core_groups``), the detailed plan
and its actions (``detailed``), the team manager's authorisation (``authorisation``), its
ending and step-down (``endings``), the register and its corrections (``register``), and
the plan as a PDF (``documents``); ``common`` holds what they share."""

from plans.selectors import plan_for
from plans.services.authorisation import plan_authorise, plan_return, plan_submit
from plans.services.core_groups import (
    ActionProgressInput,
    CoreGroupInput,
    core_group_meeting_record,
)
from plans.services.decisions import IssueInput, plan_continue, plan_start
from plans.services.detailed import (
    DETAIL_LABELS,
    ActionInput,
    may_record_progress,
    plan_action_add,
    plan_action_change,
    plan_action_progress,
    plan_update_detail,
)
from plans.services.documents import PDF_AUDIENCES, plan_pdf
from plans.services.endings import (
    OUTSIDE_CONFERENCE_REASONS,
    STEP_DOWN_LABELS,
    plan_end,
    plan_step_down_record,
)
from plans.services.register import plan_register_correct

__all__ = [
    "DETAIL_LABELS",
    "OUTSIDE_CONFERENCE_REASONS",
    "PDF_AUDIENCES",
    "STEP_DOWN_LABELS",
    "ActionInput",
    "ActionProgressInput",
    "CoreGroupInput",
    "IssueInput",
    "core_group_meeting_record",
    "may_record_progress",
    "plan_action_add",
    "plan_action_change",
    "plan_action_progress",
    "plan_authorise",
    "plan_continue",
    "plan_end",
    "plan_for",
    "plan_pdf",
    "plan_register_correct",
    "plan_return",
    "plan_start",
    "plan_step_down_record",
    "plan_submit",
    "plan_update_detail",
]
