"""Reference data every installation has: the role groups and each nation's default timescales.

Called by the data migrations, and again by tests that empty the database
(transactional tests flush every table, migrations' rows included). Idempotent.
"""

from __future__ import annotations

from django.apps import apps as global_apps

from cpcase.roles import Role

WD, CD, WK, MO = "working_days", "calendar_days", "weeks", "months"

# DOMAIN.md section 3. Values the table marks "local" take the base procedure's value
# (noted on the rule); values it marks "-" have no rule for that nation. Northern
# Ireland is not in the table: it starts from England's values.
# Timescales in months are calendar months; a date that falls on a non-working day of
# the authority (weekend, bank holiday, closure) is brought forward to the working day
# before (cpcase.working_days.add_period). Every rule in months says so in its note.
BROUGHT_FORWARD = "Brought forward to the working day before if it falls on a non-working day."
ENGLAND = {
    "icpc": (15, WD, ""),
    "first_core_group": (10, WD, ""),
    "plan_authorisation": (5, WD, "Local timescale in DOMAIN.md."),
    "core_group": (20, WD, "Local timescale in DOMAIN.md."),
    "first_review_conference": (3, MO, BROUGHT_FORWARD),
    "review_conference": (6, MO, BROUGHT_FORWARD),
    "pre_birth_review": (
        3,
        MO,
        "Local timescale: set to the first review's 3 months. " + BROUGHT_FORWARD,
    ),
    "statutory_visit": (15, WD, "Local; others use 10 working days or 4 weeks."),
    "transfer_in": (15, WD, ""),
    "convened_review": (
        15,
        WD,
        "Not in DOMAIN.md's table ('must be convened'): the ICPC's 15 working days until set locally.",
    ),
}
DEFAULT_TIMESCALES = {
    "england": ENGLAND,
    "wales": {
        "icpc": (15, WD, ""),
        "first_core_group": (10, WD, ""),
        "plan_authorisation": (5, WD, ""),
        "core_group": (6, WK, "Monthly, at most 6 weeks apart."),
        "first_review_conference": (3, MO, BROUGHT_FORWARD),
        "review_conference": (6, MO, BROUGHT_FORWARD),
        "pre_birth_review": (
            3,
            MO,
            "Local timescale: set to the first review's 3 months. " + BROUGHT_FORWARD,
        ),
        "statutory_visit": (
            15,
            WD,
            "Local timescale: set to the base procedure's 15 working days.",
        ),
        "convened_review": (15, WD, "Not in DOMAIN.md: set locally."),
    },
    "scotland": {
        "icpc": (28, CD, ""),
        "first_core_group": (15, WD, ""),
        "first_review_conference": (6, MO, BROUGHT_FORWARD),
        "review_conference": (6, MO, BROUGHT_FORWARD),
        "pre_birth_review": (3, MO, BROUGHT_FORWARD),
        "statutory_visit": (
            15,
            WD,
            "Local timescale: set to the base procedure's 15 working days.",
        ),
        "convened_review": (28, CD, "Not in DOMAIN.md: the ICPC's 28 days until set locally."),
        "birth_meeting": (
            5,
            WD,
            "Local timescale: a core group or conference before the baby leaves hospital, "
            "or as soon as possible after; 5 working days from the birth until set locally.",
        ),
    },
    "northern_ireland": {
        kind: (
            value,
            unit,
            "Not in DOMAIN.md: England's value until set locally."
            + (f" {BROUGHT_FORWARD}" if unit == MO else ""),
        )
        for kind, (value, unit, _) in ENGLAND.items()
    },
}
PROFILE_NAMES = {
    "england": "England (default)",
    "wales": "Wales (default)",
    "scotland": "Scotland (default)",
    "northern_ireland": "Northern Ireland (default)",
}


def ensure_roles(apps=global_apps) -> None:
    Group = apps.get_model("auth", "Group")
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def ensure_default_timescales(apps=global_apps) -> None:
    Profile = apps.get_model("cpcase", "TimescaleProfile")
    Rule = apps.get_model("cpcase", "TimescaleRule")
    for nation, rules in DEFAULT_TIMESCALES.items():
        profile, _ = Profile.objects.get_or_create(
            nation=nation, authority=None, defaults={"name": PROFILE_NAMES[nation]}
        )
        for kind, (value, unit, note) in rules.items():
            Rule.objects.get_or_create(
                profile=profile, kind=kind, defaults={"value": value, "unit": unit, "note": note}
            )


def ensure_reference_data(apps=global_apps) -> None:
    ensure_roles(apps)
    ensure_default_timescales(apps)
