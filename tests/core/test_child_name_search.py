"""The workers' search for a child by name (``cpcase.selectors.child_search``): typo
tolerant, indifferent to accents and case, best match first, only among the children the
searcher may see; and the stored name key it compares (a generated column, migration
0025) is always the name as it is now, computed by the same SQL function as before."""

from __future__ import annotations

import pytest
from django.db.models import F, Func, Q, TextField

from cpcase.models import Child
from cpcase.selectors import child_search
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

NAMES = [
    ("Zoë", "Ashbury"),
    ("Zoe", "Ashbery"),
    ("Oliver", "Ashbury"),
    ("Siân", "O'Neill-Brown"),
    ("Peter", "Quince"),
    ("", "Unnamed"),
]


@pytest.fixture
def children(authority, team):
    return {
        f"{first} {last}".strip(): ChildFactory(
            first_name=first, last_name=last, responsible_authority=authority, team=team
        )
        for first, last in NAMES
    }


@pytest.fixture
def out_of_sight(authority, other_team):
    """The same name as one of ``children``, in a team the searcher does not work in."""
    return ChildFactory(
        first_name="Zoë", last_name="Ashbury", responsible_authority=authority, team=other_team
    )


def _found(user, q: str) -> list[str]:
    return [c.name for c in child_search(user=user, q=q, audit=False)]


@pytest.mark.parametrize(
    ("q", "first", "also"),
    [
        ("zoe ashbury", "Zoë Ashbury", {"Zoe Ashbery"}),
        ("ZOË ASHBURY", "Zoë Ashbury", {"Zoe Ashbery"}),
        ("Zoe Ashbery", "Zoe Ashbery", {"Zoë Ashbury"}),
        ("sian o'neill-brown", "Siân O'Neill-Brown", set()),
        ("O'Neil Brown", "Siân O'Neill-Brown", set()),
        ("Peter Quinse", "Peter Quince", set()),
        ("unnamed", "Unnamed", set()),
    ],
)
def test_names_match_despite_typos_accents_and_case_best_first(
    social_worker, children, out_of_sight, q, first, also
):
    found = _found(social_worker, q)
    assert found[0] == first
    assert also <= set(found[1:])
    assert "Peter Quince" not in found or first == "Peter Quince"
    # The child of the same name in another team is not among them.
    assert out_of_sight.pk not in {c.pk for c in child_search(user=social_worker, q=q)}


def test_a_surname_finds_every_child_of_it_and_no_other(social_worker, children):
    assert set(_found(social_worker, "Ashbury")) >= {"Zoë Ashbury", "Oliver Ashbury"}
    assert not {"Peter Quince", "Unnamed"} & set(_found(social_worker, "Ashbury"))


def test_the_name_key_follows_a_change_of_name(social_worker, children):
    child = children["Peter Quince"]
    child.first_name, child.last_name = "Piers", "Quennell"
    child.save(update_fields=["first_name", "last_name"])
    assert _found(social_worker, "Piers Quennell") == ["Piers Quennell"]
    assert "Piers Quennell" not in _found(social_worker, "Peter Quince")


def test_the_stored_name_key_is_the_functions_for_every_child(children, out_of_sight):
    """The generated column and the SQL function the search used before agree for every
    child: accents, apostrophes, hyphens, an empty first name."""
    computed = Func(
        F("first_name"), F("last_name"), function="cpcase_name_key", output_field=TextField()
    )
    rows = Child.objects.annotate(computed=computed)
    assert rows.count() == len(NAMES) + 1
    assert not rows.filter(~Q(name_key=F("computed"))).exists()
    assert rows.get(pk=children["Zoë Ashbury"].pk).computed == "zoe ashbury"
