"""Every CSV export neutralises the cells a spreadsheet would run as a formula (OWASP)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cpcase.csv_safe import FORMULA_STARTS, csv_cell, csv_document
from cpcase.roles import Role
from registry import services
from registry.selectors import Search
from registry.services import Enquirer
from tests.factories import ChildFactory, PlanFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# The exports known today: the walk must find at least these (so it cannot pass by finding
# nothing), and finds any new one by itself.
KNOWN_CSV_ROUTES = {
    "/register/log/export/",
    "/api/v1/register/enquiries/export/",
    "/api/v1/returns/annex-a/",
}


def _routes(patterns, prefix: str = ""):
    """Every path of the URL configuration that takes no parameters."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif (
            isinstance(pattern, URLPattern)
            and not pattern.pattern.converters
            and "(" not in route
            and "^" not in route
        ):
            yield "/" + route


@pytest.fixture
def hostile(authority, unit_manager, police_enquirer):
    """Text that a spreadsheet would run, in every field that reaches an export."""
    worker = UserFactory(
        username="sw.formula",
        first_name="+Robin",
        last_name="Formula",
        authority=authority,
        roles=[Role.SOCIAL_WORKER],
    )
    child = ChildFactory(
        first_name="=Evil",
        last_name="@Child",
        ethnicity="-ETH",
        la_child_id="=1+1",
        responsible_authority=authority,
        team=TeamFactory(authority=authority, name="@Team"),
        lead_social_worker=worker,
    )
    PlanFactory(
        child=child,
        started_on=timezone.localdate() - dt.timedelta(days=30),
        initial_category="NEG",
        latest_category="NEG",
    )
    services.enquiry_make(
        actor=police_enquirer,
        enquirer=Enquirer(
            name='=HYPERLINK("http://evil.example","click")',
            agency="+44 Police",
            role="-2+3",
            phone="@SUM(1)",
            reference="\t=1",
        ),
        reason="\r=cmd|' /C calc'!A0",
        search=Search(nhs_number=child.nhs_number),
    )
    return child


def test_every_csv_export_neutralises_formula_cells(client, unit_manager, hostile):
    client.force_login(unit_manager)
    exports = {}
    for path in sorted(set(_routes(get_resolver().url_patterns))):
        r = client.get(path)
        if r.status_code == 200 and r.get("Content-Type", "").startswith("text/csv"):
            exports[path] = r.content.decode()
    assert set(exports) >= KNOWN_CSV_ROUTES
    for path, text in exports.items():
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) >= 2, f"{path} exported no rows: the walk would prove nothing"
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), f"{path}: {cell!r}"
    # The hostile values are there, quoted, not dropped.
    assert "'=HYPERLINK" in exports["/register/log/export/"]
    # (the enquiry's fields are stripped of leading white space when recorded)
    assert "'=cmd|" in exports["/api/v1/register/enquiries/export/"]
    assert "'=Evil @Child" in exports["/register/log/export/"]
    annex = exports["/api/v1/returns/annex-a/"]
    for quoted in ("'=1+1", "'-ETH", "'@Team", "'+Robin Formula"):
        assert quoted in annex


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+44 1632", "'+44 1632"),
        ("-5", "'-5"),  # text a person typed is quoted, a number-like one too
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Amelia", "Amelia"),
        ("2026-11-30", "2026-11-30"),  # an ISO date the code writes starts with a digit
        ("", ""),
        (-5, -5),  # numbers the code computes stay numbers
        (3, 3),
        (None, None),
    ],
)
def test_a_cell(value, written):
    assert csv_cell(value) == written


def test_the_header_is_neutralised_too():
    assert csv_document(["=a", "b"], [["-c", 1]]) == "'=a,b\r\n'-c,1\r\n"
