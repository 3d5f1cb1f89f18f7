"""Every write to strategy discussions and conferences.

A conference drives plans through :mod:`plans.services`; finalising is the
chair's act alone and makes the record read-only. The rooms follow the work:
:mod:`.section47` (strategy discussions, section 47 enquiries), :mod:`.scheduling`,
:mod:`.inputs` and :mod:`.outcome` (what the chair records), :mod:`.finalise`,
:mod:`.letters`, :mod:`.looked_after` and :mod:`.complaints`; :mod:`.common` holds
what they share. Every name other modules use is importable from here.
"""

from conferences.services.common import (
    DECISIONS_BY_KIND,
    HELD_STATUSES,
    STEP_DOWN_VALUES,
    Decision,
)
from conferences.services.complaints import (
    complaint_assign_reviewer,
    complaint_decide,
    complaint_letter_pdf,
    complaint_record,
)
from conferences.services.finalise import conference_finalise
from conferences.services.inputs import AttendeeInput, DecisionInput, OutcomeInput, ParentInput
from conferences.services.letters import (
    CATEGORY_WORDS,
    conference_letters_produce,
    letter_html,
    letter_mark_sent,
    letter_pdf,
)
from conferences.services.letters import _letter_context as _letter_context
from conferences.services.letters import _running_deadlines as _running_deadlines
from conferences.services.looked_after import looked_after_event_record
from conferences.services.outcome import conference_record_outcome
from conferences.services.scheduling import _invitation_errors as _invitation_errors
from conferences.services.scheduling import conference_schedule
from conferences.services.section47 import (
    section47_record_outcome,
    section47_start,
    strategy_discussion_record,
)

__all__ = [
    "CATEGORY_WORDS",
    "DECISIONS_BY_KIND",
    "HELD_STATUSES",
    "STEP_DOWN_VALUES",
    "AttendeeInput",
    "Decision",
    "DecisionInput",
    "OutcomeInput",
    "ParentInput",
    "complaint_assign_reviewer",
    "complaint_decide",
    "complaint_letter_pdf",
    "complaint_record",
    "conference_finalise",
    "conference_letters_produce",
    "conference_record_outcome",
    "conference_schedule",
    "letter_html",
    "letter_mark_sent",
    "letter_pdf",
    "looked_after_event_record",
    "section47_record_outcome",
    "section47_start",
    "strategy_discussion_record",
]
