"""Every write to the core records. Each service is atomic, checks what the
acting user may do, validates, writes, and audits in the same transaction.

The services live in files by section; every name other apps use is importable from
here:

- ``child_fields``: what a caller may set on a child, and the checks every write makes;
- ``children``: a child's record created and updated, a person related to the child;
- ``allocation``: the team and lead social worker, and a conference's allocation;
- ``transfers``: a child moving in from another authority, and the transfer;
- ``notifications``: raised once, read in the inbox, sent by email;
- ``timescale_profiles``: an authority's own timescales and calendar;
- ``daily_check``: the daily timescale check's reminders and escalations, from the stored
  running deadlines, and the weekly repair of those rows.
"""

from cpcase.services.allocation import child_allocate_by_conference, grant_allocated_worker
from cpcase.services.child_fields import (
    ALL_CHILD_FIELDS,
    ALLOCATION_FIELDS,
    CHILD_FIELDS,
    RELATION_FIELDS,
    AddressInput,
    PersonInput,
)
from cpcase.services.children import child_create, child_update, person_add_to_child
from cpcase.services.daily_check import (
    running_deadlines_repair,
    running_deadlines_repair_chunk,
    stored_reminders,
    timescales_check,
    timescales_check_chunk,
)
from cpcase.services.notifications import (
    NotificationRequest,
    notification_emails_send,
    notification_mark_read,
    notifications_mark_all_read,
    notifications_raise,
)
from cpcase.services.timescale_profiles import calendar_day_set, timescale_rule_set
from cpcase.services.transfers import child_move_in_record, child_responsibility_transfer

# The name it had before it was public (tests import it).
_grant_allocated_worker = grant_allocated_worker

__all__ = [
    "ALLOCATION_FIELDS",
    "ALL_CHILD_FIELDS",
    "CHILD_FIELDS",
    "RELATION_FIELDS",
    "AddressInput",
    "NotificationRequest",
    "PersonInput",
    "_grant_allocated_worker",
    "calendar_day_set",
    "child_allocate_by_conference",
    "child_create",
    "child_move_in_record",
    "child_responsibility_transfer",
    "child_update",
    "grant_allocated_worker",
    "notification_emails_send",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notifications_raise",
    "person_add_to_child",
    "running_deadlines_repair",
    "running_deadlines_repair_chunk",
    "stored_reminders",
    "timescale_rule_set",
    "timescales_check",
    "timescales_check_chunk",
]
