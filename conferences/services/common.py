"""What the conference services share: the decisions each kind of conference makes, and
the working days it meets on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conferences.models import STEP_DOWN_CHOICES, Conference, ConferenceChild
from conferences.selectors import HELD
from cpcase.models import Authority
from cpcase.timescales import working_day_errors as calendar_working_day_errors

Decision = ConferenceChild.Decision
DECISIONS_BY_KIND = {
    Conference.Kind.INITIAL: {Decision.PLAN, Decision.NO_PLAN},
    Conference.Kind.PRE_BIRTH: {Decision.PLAN, Decision.NO_PLAN},
    Conference.Kind.TRANSFER_IN: {Decision.PLAN, Decision.NO_PLAN},
    Conference.Kind.REVIEW: {Decision.CONTINUE, Decision.DISCONTINUE},
}
STEP_DOWN_VALUES = {value for value, _ in STEP_DOWN_CHOICES}
HELD_STATUSES = HELD  # one definition, the selectors'


def working_day_errors(day: dt.date, authority_id: Any) -> list[str]:
    """A conference meets on a working day of the authority's own calendar (the census
    refuses an initial conference on a weekend, rule 8875)."""
    return calendar_working_day_errors(day, Authority.objects.get(pk=authority_id))
