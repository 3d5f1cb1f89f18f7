"""The child's page: the current address at the top and the address history below come
from one read of the child's residences."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpcase.models import Residence
from tests.factories import AddressFactory, ChildFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("moves", [0, 1, 3])
def test_the_current_address_and_the_history_from_one_read(
    client, authority, team, social_worker, moves
):
    child = ChildFactory(responsible_authority=authority, team=team)
    start = dt.date(2020, 1, 1)
    homes = [AddressFactory(line1=f"{n + 1} Made-up Lane") for n in range(moves + 1)]
    for n, home in enumerate(homes):
        Residence.objects.create(
            child=child,
            address=home,
            moved_in_on=start + dt.timedelta(days=100 * n),
            moved_out_on=start + dt.timedelta(days=100 * (n + 1)) if n < moves else None,
        )
    client.force_login(social_worker)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/children/{child.pk}/").content.decode()
    residence_reads = [q for q in queries if 'FROM "cpcase_residence"' in q["sql"]]
    address_reads = [q for q in queries if q["sql"].startswith('SELECT "cpcase_address"')]
    assert len(residence_reads) == 1
    assert not address_reads  # the addresses come with the residences
    current = homes[-1]
    summary = page.split("Address</dt>")[1].split("</dd>")[0]
    assert current.line1 in summary
    assert all(home.line1 not in summary for home in homes[:-1])
    assert page.count("(current)") == 1
    assert all(home.line1 in page for home in homes)


def test_a_child_with_no_address_says_so(client, authority, team, social_worker):
    child = ChildFactory(responsible_authority=authority, team=team)
    client.force_login(social_worker)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "Not known" in page.split("Address</dt>")[1].split("</dd>")[0]
