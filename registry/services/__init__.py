"""Every write to the register, by section: enquiries (:mod:`.enquiries`), their follow-up
(:mod:`.follow_ups`), the enquiry log (:mod:`.enquiry_log`), designated managers
(:mod:`.designated_managers`) and historic plans (:mod:`.historic_plans`)."""

from registry.services.designated_managers import designated_manager_set
from registry.services.enquiries import REASON_MAX_LENGTH, Enquirer, enquiry_make
from registry.services.enquiry_log import (
    enquiries_export,
    enquiry_mark_reviewed,
    possible_match_review,
)
from registry.services.follow_ups import (
    CLUSTER_SIZE,
    CLUSTER_WINDOW,
    FOLLOW_UP_GRACE,
    enquiries_follow_up_missed,
    enquiry_follow_up,
)
from registry.services.historic_plans import (
    historic_plan_decide,
    historic_plan_request,
    historic_plans_read,
)

__all__ = [
    "CLUSTER_SIZE",
    "CLUSTER_WINDOW",
    "FOLLOW_UP_GRACE",
    "REASON_MAX_LENGTH",
    "Enquirer",
    "designated_manager_set",
    "enquiries_export",
    "enquiries_follow_up_missed",
    "enquiry_follow_up",
    "enquiry_make",
    "enquiry_mark_reviewed",
    "historic_plan_decide",
    "historic_plan_request",
    "historic_plans_read",
    "possible_match_review",
]
