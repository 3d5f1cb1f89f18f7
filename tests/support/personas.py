"""The persona fixtures of tests/conftest.py, by name: one of every kind of user (each
role, in and out of the child's team and authority), for tests that walk them all."""

EVERY_PERSONA = (
    "social_worker",
    "team_manager",
    "other_team_worker",
    "other_team_manager",
    "service_leader",
    "chair",
    "unit_manager",
    "core_group_member",
    "police_enquirer",
    "health_enquirer",
    "senior_officer",
    "system_admin",
    "other_authority_worker",
)
