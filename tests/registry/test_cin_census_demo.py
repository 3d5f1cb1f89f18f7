"""The demonstration data's census against the DfE's rules (``manage.py seed_demo``)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cpcase import access
from cpcase.models import Referral, User
from registry.returns import census_period, cin_census_xml
from tests.support.cin_census import dfe_issues

pytestmark = pytest.mark.django_db
YEAR = 2027


def test_the_demo_census_passes_the_dfe_rules():
    call_command("seed_demo")
    manager = next(
        u
        for u in User.objects.filter(is_active=True, authority__isnull=False).order_by("pk")
        if access.may_export_returns(u)
    )
    issues = dfe_issues(cin_census_xml(user=manager, year=YEAR))
    _start, end = census_period(YEAR)
    if not Referral.objects.filter(received_on__lte=end).exists():
        # Not the census's fault: with no episode recorded there is no child to report,
        # and the validator's rules about the whole return (2886Q divides by the number
        # of children) cannot run on an empty one.
        pytest.xfail(f"The demo has no referrals yet; the DfE's rules find: {issues}")
    assert issues == [], "\n".join(map(str, issues))
