"""The register's search, compiled once per combination of criteria
(:mod:`cpcase.compiled_query`), finds what the queryset built afresh with the values finds:
the same children in the same order, with the same closeness, strength, address and
latest plan, for every combination a search may have."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cpcase.compiled_query import CompiledQuery
from cpcase.models import Child
from registry.selectors import (
    Search,
    _checked,
    register_search,
    search_queryset,
)
from tests.factories import AddressFactory, ChildFactory, PlanFactory

pytestmark = pytest.mark.django_db

CRITERIA = ("first_name", "last_name", "date_of_birth", "postcode", "nhs_number")
ANNOTATIONS = (
    "first_score",
    "last_score",
    "strong",
    "address_key",
    "plan_status",
    "plan_category",
    "plan_ended_on",
)


def _allowed(names: tuple[str, ...]) -> bool:
    try:
        _checked(Search(**{n: _SAMPLE[n] for n in names}))
    except Exception:
        return False
    return True


_SAMPLE = {
    "first_name": "Ty",
    "last_name": "Ex",
    "date_of_birth": dt.date(2019, 1, 1),
    "postcode": "ZZ1 1ZZ",
    "nhs_number": "9990000018",
}
SHAPES = [
    names
    for size in range(1, len(CRITERIA) + 1)
    for names in itertools.combinations(CRITERIA, size)
    if _allowed(names)
]


@pytest.fixture
def population(authority, social_worker):
    """Children alike and unlike: shared surnames, an accent, twins, a shared address,
    plans active and ended, a lead social worker or none."""
    today = timezone.localdate()
    home = AddressFactory(postcode="ZZ9 9ZZ")
    other = AddressFactory(postcode="ZZ8 8ZZ")
    people = [
        ("Amelia", "Testchild", dt.date(2018, 5, 17), home),
        ("Amélie", "Testchild", dt.date(2018, 5, 17), home),
        ("Amelia", "Testchilde", dt.date(2016, 2, 1), other),
        ("Noah", "Pendragon-Testchild", dt.date(2018, 5, 17), other),
        ("Noah", "Sample", dt.date(2020, 7, 9), None),
        ("Zara", "Sample", dt.date(2020, 7, 9), home),
    ]
    children = []
    for i, (first, last, born, address) in enumerate(people):
        child = ChildFactory(
            first_name=first,
            last_name=last,
            date_of_birth=born,
            responsible_authority=authority,
            address=address,
            lead_social_worker=social_worker if i % 2 else None,
        )
        if i % 3 == 0:
            PlanFactory(child=child, started_on=today - dt.timedelta(days=40))
        elif i % 3 == 1:
            PlanFactory(
                child=child,
                started_on=today - dt.timedelta(days=500),
                ended_on=today - dt.timedelta(days=100),
                status="ended",
                latest_category="NEG",
            )
        children.append(child)
    return children


def _values(child: Child, names: tuple[str, ...], typo: bool) -> dict:
    address = child.address
    given = {
        "first_name": child.first_name[:-1] + "x" if typo else child.first_name,
        "last_name": child.last_name.lower() if typo else child.last_name,
        "date_of_birth": child.date_of_birth,
        "postcode": address.postcode if address else "ZZ7 7ZZ",
        "nhs_number": child.nhs_number,
    }
    return {n: given[n] for n in names}


def _described(children) -> list[tuple]:
    return [
        (
            c.pk,
            c.name,
            c.responsible_authority.name,
            c.lead_social_worker.username if c.lead_social_worker else None,
            *(getattr(c, a) for a in ANNOTATIONS),
        )
        for c in children
    ]


@pytest.mark.parametrize("names", SHAPES, ids="+".join)
def test_the_compiled_search_finds_what_the_queryset_finds(
    names, population, django_assert_num_queries
):
    assert len(SHAPES) >= 10  # NHS number alone, and every two or more of the others
    for child, typo in itertools.product(population, (False, True)):
        search = Search(**_values(child, names, typo))
        with django_assert_num_queries(1):  # related objects come with the children
            checked, found = register_search(search)
        expected = list(search_queryset(checked))
        assert _described(found) == _described(expected), (names, child.name, typo)
        if "nhs_number" in names and not typo and (child.address or "postcode" not in names):
            assert child.pk in [c.pk for c in found]  # the search does find its children


def test_a_compiled_query_must_use_every_criterion_it_is_given():
    with pytest.raises(ValueError, match="does not use"):
        CompiledQuery(
            lambda m: Child.objects.filter(first_name=m["first_name"]),
            {
                "first_name": str,
                "last_name": str,
            },
        )
