"""Who gets what from every page of the Django admin: each admin route of the URL
configuration, asked by every role (and by nobody signed in), against the table below.

The permission matrix (test_permission_matrix.py) covers the application's own pages
and API; this is its other half. A route with no row fails, so a model registered in the
admin cannot arrive without someone deciding who may see it. Accounts are made as
``manage.py add_user`` makes them: the roles that open the admin site are staff.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from cpcase import access
from cpcase.models import Agency, AuditEvent, CalendarDay, TimescaleRule
from cpcase.roles import Role
from tests.support.routes import ROLE_FIXTURES, status_class

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", *ROLE_FIXTURES)

# Each row: the expected status of each role, in the order of ROLES:
#   anonymous, social worker, team manager, service leader, conference chair,
#   safeguarding unit manager, core group member, police enquirer, health enquirer,
#   senior officer, system administrator.
# 200 is any success and 302 any redirect (to the admin's sign-in, for anybody who is not
# staff). Only the system administrator and the safeguarding unit manager are staff.
# fmt: off
MATRIX: dict[str, str] = {
    # The admin's own pages: staff only (the unit manager and the system administrator);
    # anybody else is sent to sign in.
    "admin:index":                                            "302 302 302 302 302 200 302 302 302 302 200",
    "admin:login":                                            "200 200 200 200 200 302 200 200 200 200 302",
    "admin:logout":                                           "302 302 302 302 302 405 302 302 302 302 405",
    "admin:password_change":                                  "302 302 302 302 302 200 302 302 302 302 200",
    "admin:password_change_done":                             "302 302 302 302 302 200 302 302 302 302 200",
    "admin:autocomplete":                                     "302 302 302 302 302 403 302 302 302 302 403",
    "admin:jsi18n":                                           "302 302 302 302 302 200 302 302 302 302 200",
    "admin:view_on_site":                                     "302 302 302 302 302 404 302 302 302 302 404",
    "admin:app_list":                                         "302 302 302 302 302 200 302 302 302 302 200",
    # Sign-in records and the scheduler: nobody through the admin.
    "admin:axes_accessattempt_changelist":                    "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessattempt_add":                           "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessattempt_history":                       "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessattempt_delete":                        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessattempt_change":                        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accesslog_changelist":                        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accesslog_add":                               "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accesslog_history":                           "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accesslog_delete":                            "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accesslog_change":                            "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessfailurelog_changelist":                 "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessfailurelog_add":                        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessfailurelog_history":                    "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessfailurelog_delete":                     "302 302 302 302 302 403 302 302 302 302 403",
    "admin:axes_accessfailurelog_change":                     "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_periodictask_changelist":       "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_periodictask_add":              "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_periodictask_history":          "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_periodictask_delete":           "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_periodictask_change":           "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_clockedschedule_changelist":    "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_clockedschedule_add":           "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_clockedschedule_history":       "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_clockedschedule_delete":        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_clockedschedule_change":        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_crontabschedule_changelist":    "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_crontabschedule_add":           "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_crontabschedule_history":       "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_crontabschedule_delete":        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_crontabschedule_change":        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_solarschedule_changelist":      "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_solarschedule_add":             "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_solarschedule_history":         "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_solarschedule_delete":          "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_solarschedule_change":          "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_intervalschedule_changelist":   "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_intervalschedule_add":          "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_intervalschedule_history":      "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_intervalschedule_delete":       "302 302 302 302 302 403 302 302 302 302 403",
    "admin:django_celery_beat_intervalschedule_change":       "302 302 302 302 302 403 302 302 302 302 403",
    # Reference data and accounts: the system administrator's; none is ever deleted
    # (an account is deactivated), and nobody sets another's password.
    "admin:cpcase_authority_changelist":                      "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_authority_add":                             "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_authority_history":                         "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_authority_delete":                          "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_authority_change":                          "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_team_changelist":                           "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_team_add":                                  "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_team_history":                              "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_team_delete":                               "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_team_change":                               "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_agency_changelist":                         "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_agency_add":                                "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_agency_history":                            "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_agency_delete":                             "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_agency_change":                             "302 302 302 302 302 403 302 302 302 302 200",
    "admin:auth_user_password_change":                        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_user_changelist":                           "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_user_add":                                  "302 302 302 302 302 403 302 302 302 302 200",
    "admin:cpcase_user_history":                              "302 302 302 302 302 302 302 302 302 302 200",
    "admin:cpcase_user_delete":                               "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_user_change":                               "302 302 302 302 302 403 302 302 302 302 200",
    "admin:auth_group_changelist":                            "302 302 302 302 302 403 302 302 302 302 200",
    "admin:auth_group_add":                                   "302 302 302 302 302 403 302 302 302 302 403",
    "admin:auth_group_history":                               "302 302 302 302 302 403 302 302 302 302 200",
    "admin:auth_group_delete":                                "302 302 302 302 302 403 302 302 302 302 403",
    "admin:auth_group_change":                                "302 302 302 302 302 403 302 302 302 302 200",
    # Children (read only, through the access module) and the audit trail (read only):
    # the unit manager's; never the system administrator's.
    "admin:cpcase_child_changelist":                          "302 302 302 302 302 200 302 302 302 302 403",
    "admin:cpcase_child_add":                                 "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_child_history":                             "302 302 302 302 302 200 302 302 302 302 302",
    "admin:cpcase_child_delete":                              "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_child_change":                              "302 302 302 302 302 200 302 302 302 302 403",
    "admin:cpcase_auditevent_changelist":                     "302 302 302 302 302 200 302 302 302 302 403",
    "admin:cpcase_auditevent_add":                            "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_auditevent_history":                        "302 302 302 302 302 200 302 302 302 302 403",
    "admin:cpcase_auditevent_delete":                         "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_auditevent_change":                         "302 302 302 302 302 200 302 302 302 302 403",
    # The authority's timescales and calendar: its unit manager and system administrator,
    # changed through the services, never deleted.
    "admin:cpcase_timescalerule_changelist":                  "302 302 302 302 302 200 302 302 302 302 200",
    "admin:cpcase_timescalerule_add":                         "302 302 302 302 302 200 302 302 302 302 200",
    "admin:cpcase_timescalerule_history":                     "302 302 302 302 302 200 302 302 302 302 200",
    "admin:cpcase_timescalerule_delete":                      "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_timescalerule_change":                      "302 302 302 302 302 200 302 302 302 302 200",
    "admin:cpcase_calendarday_changelist":                    "302 302 302 302 302 200 302 302 302 302 200",
    "admin:cpcase_calendarday_add":                           "302 302 302 302 302 200 302 302 302 302 200",
    "admin:cpcase_calendarday_history":                       "302 302 302 302 302 200 302 302 302 302 200",
    "admin:cpcase_calendarday_delete":                        "302 302 302 302 302 403 302 302 302 302 403",
    "admin:cpcase_calendarday_change":                        "302 302 302 302 302 200 302 302 302 302 200",
}
# fmt: on


def admin_routes() -> list[tuple[str, str]]:
    """(name, pattern) of every admin page."""
    found: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                if pattern.startswith("admin/") and entry.name:
                    found.append((f"{namespace}{entry.name}", pattern))

    walk(get_resolver(), "", "")
    return found


@pytest.fixture
def objects(request, authority, team, social_worker, child) -> dict[str, Any]:
    """One object of each model registered in the admin, by its admin URL name."""
    now = timezone.now()
    interval = IntervalSchedule.objects.create(every=1, period="days")
    return {
        "cpcase_authority": authority,
        "cpcase_team": team,
        "cpcase_agency": Agency.objects.create(name="Northbrook Primary School", kind="education"),
        "cpcase_user": social_worker,
        "auth_group": Group.objects.get(name=Role.SOCIAL_WORKER),
        "cpcase_child": child,
        "cpcase_auditevent": AuditEvent.objects.create(
            action=AuditEvent.Action.VIEW, child_id=child.pk, summary="Viewed the record"
        ),
        # one of the defaults of the authority's nation (shown for reference, read only)
        "cpcase_timescalerule": TimescaleRule.objects.filter(
            profile__authority__isnull=True, profile__nation=authority.nation
        )
        .order_by("kind")
        .first(),
        "cpcase_calendarday": CalendarDay.objects.create(
            authority=authority, date=dt.date(2026, 12, 29), kind="closure", reason="Office closure"
        ),
        "axes_accessattempt": AccessAttempt.objects.create(
            username="someone", ip_address="192.0.2.1", attempt_time=now, failures_since_start=1
        ),
        "axes_accesslog": AccessLog.objects.create(
            username="someone", ip_address="192.0.2.1", attempt_time=now
        ),
        "axes_accessfailurelog": AccessFailureLog.objects.create(
            username="someone", ip_address="192.0.2.1", attempt_time=now
        ),
        "django_celery_beat_periodictask": PeriodicTask.objects.create(
            name="matrix", task="cpcase.check_timescales", interval=interval
        ),
        "django_celery_beat_intervalschedule": interval,
        "django_celery_beat_crontabschedule": CrontabSchedule.objects.create(),
        "django_celery_beat_solarschedule": SolarSchedule.objects.create(
            event="sunrise", latitude=51.5, longitude=-0.1
        ),
        "django_celery_beat_clockedschedule": ClockedSchedule.objects.create(clocked_time=now),
    }


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _url(name: str, pattern: str, objects: dict[str, Any]) -> str:
    short = name.split(":", 1)[1]
    if short == "app_list":
        return "/admin/cpcase/"
    if short == "view_on_site":  # a content type and object that do not exist
        return "/admin/r/0/0/"
    path = pattern.replace(
        "<path:object_id>", str(getattr(objects.get(short.rsplit("_", 1)[0]), "pk", ""))
    )
    path = path.replace("<id>", str(objects["cpcase_user"].pk))  # a user's password page
    if _PARAM.search(path) or "//" in path:
        raise LookupError(f"{name}: a parameter this test cannot fill: {pattern}")
    return "/" + path


def test_every_admin_page_answers_every_role_as_the_table_says(request, client, objects):
    routes = admin_routes()
    actual: dict[str, dict[str, int]] = {name: {} for name, _ in routes}
    for role in ROLES:
        if role == "anonymous":
            client.logout()
        else:
            user = request.getfixturevalue(ROLE_FIXTURES[role])
            user.is_staff = access.roles_open_admin_site(user.roles)
            user.save(update_fields=["is_staff"])
            client.force_login(user)
        for name, pattern in routes:
            response = client.get(_url(name, pattern, objects))
            actual[name][role] = status_class(response.status_code)
    table = "\n".join(
        f'    "{name}": "{" ".join(str(cells[r]) for r in ROLES)}",'
        for name, cells in actual.items()
    )
    expected = {
        name: dict(zip(ROLES, map(int, row.split()), strict=True)) for name, row in MATRIX.items()
    }
    missing = sorted(actual.keys() - expected.keys())
    stale = sorted(expected.keys() - actual.keys())
    wrong = [
        f"{name} as {role}: expected {expected[name][role]}, got {actual[name][role]}"
        for name in actual
        if name in expected
        for role in ROLES
        if expected[name][role] != actual[name][role]
    ]
    assert not (missing or stale or wrong), (
        f"admin pages with no row: {missing}\nrows with no page: {stale}\n"
        f"wrong answers ({len(wrong)}):\n" + "\n".join(wrong) + "\n\nwhat each does now:\n" + table
    )
