"""The demonstration data's census against the DfE's rules (``manage.py seed_demo``):
the current collection year, for each of the demo's authorities."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from cpcase import access, demo
from cpcase.models import User
from registry.returns import cin_census_xml
from tests.support.cin_census import dfe_issues

pytestmark = pytest.mark.django_db


def _collection_year() -> int:
    """The census year running today, named by the year it ends (31 March)."""
    today = timezone.localdate()
    return today.year + 1 if today.month >= 4 else today.year


def test_the_demo_census_passes_the_dfe_rules():
    call_command("seed_demo")
    managers = {
        u.authority_id: u
        for u in User.objects.filter(is_active=True, authority__isnull=False).order_by("pk")
        if access.may_export_returns(u)
    }
    assert len(managers) == 2  # both demo authorities
    for manager in managers.values():
        document = cin_census_xml(user=manager, year=_collection_year())
        children = ET.fromstring(document).findall("./Children/Child")  # noqa: S314 - ours
        assert children, f"{manager.authority}: no child in the census"
        issues = dfe_issues(document)
        if manager.authority.code == demo.AUTHORITY_CODE:
            # The demo authority: no error and no query at all.
            assert issues == [], f"{manager.authority}:\n" + "\n".join(map(str, issues))
        else:
            # The small second authority (6 children) cannot honestly use 8 disability
            # codes: the return-level statistical queries (2887Q, "provide a reason") are
            # answered with a reason; nothing about any child is ever wrong.
            unexplained = [
                i for i in issues if not (i["child_id"] is None and i["rule"] in {"2887Q"})
            ]
            assert unexplained == [], f"{manager.authority}:\n" + "\n".join(map(str, unexplained))
