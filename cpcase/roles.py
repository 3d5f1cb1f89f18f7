"""The roles of DOMAIN.md section 6. Each is a Django group named by its slug."""

from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_LEADER = "service_leader", "Service leader"
    CONFERENCE_CHAIR = "conference_chair", "Conference chair"
    SAFEGUARDING_UNIT_MANAGER = "safeguarding_unit_manager", "Safeguarding unit manager"
    CORE_GROUP_MEMBER = "core_group_member", "Core group member"
    POLICE_ENQUIRER = "police_enquirer", "Police enquirer"
    HEALTH_ENQUIRER = "health_enquirer", "Health enquirer"
    SENIOR_OFFICER = "senior_officer", "Senior officer"
    SYSTEM_ADMIN = "system_admin", "System administrator"


ENQUIRER_ROLES = frozenset({Role.POLICE_ENQUIRER, Role.HEALTH_ENQUIRER})
# Roles that see every child of their own authority (resident or responsible).
AUTHORITY_WIDE_ROLES = frozenset(
    {Role.SERVICE_LEADER, Role.CONFERENCE_CHAIR, Role.SAFEGUARDING_UNIT_MANAGER}
)
# Roles that see the children of their own team.
TEAM_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER})


def held(*roles: str) -> Q:
    """Staff holding any of ``roles``, as a filter on users (for the access module's lists
    of who may be chosen or told; a listing filtered by a role the caller names)."""
    return Q(groups__name__in=list(roles))
