"""Pages that never count the whole list: keyset cursors and a bounded count (issue 13)."""

from __future__ import annotations

import pytest

from cpcase import pagination
from cpcase.models import Child
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/children/"


def _children(n, *, authority, team, social_worker, names=("Ash", "Birch", "Cole")):
    # Few names for many children: ties in the order, which the id must break.
    return [
        ChildFactory(
            first_name="Sam",
            last_name=names[i % len(names)],
            responsible_authority=authority,
            team=team,
            lead_social_worker=social_worker,
        )
        for i in range(n)
    ]


def _walk(client, url, *, key="next"):
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        pages.append(body)
        url = body[key]
    return pages


def test_following_next_reads_every_row_once_in_order(api_as, social_worker, authority, team):
    made = _children(23, authority=authority, team=team, social_worker=social_worker)
    client = api_as(social_worker)
    pages = _walk(client, f"{LIST}?page_size=5")
    ids = [c["id"] for page in pages for c in page["results"]]
    expected = [
        str(pk)
        for pk in Child.objects.filter(pk__in=[c.pk for c in made])
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", flat=True)
    ]
    assert ids == expected
    assert [len(p["results"]) for p in pages] == [5, 5, 5, 5, 3]
    assert all(p["count"] == 23 for p in pages)
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    assert all("cursor=" in p["next"] for p in pages[:-1])


def test_following_previous_walks_back_over_the_same_pages(api_as, social_worker, authority, team):
    _children(12, authority=authority, team=team, social_worker=social_worker)
    client = api_as(social_worker)
    forward = _walk(client, f"{LIST}?page_size=5")
    back = _walk(client, forward[-1]["previous"], key="previous")
    assert [p["results"] for p in reversed(back)] == [p["results"] for p in forward[:-1]]
    assert back[-1]["previous"] is None


def test_rows_added_meanwhile_do_not_shift_a_page(api_as, social_worker, authority, team):
    _children(10, authority=authority, team=team, social_worker=social_worker)
    client = api_as(social_worker)
    first = client.get(f"{LIST}?page_size=5").json()
    seen = {c["id"] for c in first["results"]}
    # A child who sorts before everything shown: an offset would show a row twice.
    _children(1, authority=authority, team=team, social_worker=social_worker, names=("Aaron",))
    second = client.get(first["next"]).json()
    assert not seen & {c["id"] for c in second["results"]}


def test_beyond_the_limit_the_count_is_null(api_as, social_worker, authority, team, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 4)
    _children(6, authority=authority, team=team, social_worker=social_worker)
    body = api_as(social_worker).get(f"{LIST}?page_size=2").json()
    assert body["count"] is None
    assert len(body["results"]) == 2 and body["next"]


@pytest.mark.parametrize(
    "query",
    [
        "cursor=nonsense",
        "cursor=",
        "page=0",
        "page=x",
        "page=99",
        "page=1&cursor=abc",
        "page=28842433326442759375472820224",
        "page=9223372036854775807",
    ],
)
def test_a_bad_cursor_or_page_is_404_not_500(api_as, social_worker, child, query):
    response = api_as(social_worker).get(f"{LIST}?{query}")
    assert response.status_code in (200, 404)
    if "cursor=nonsense" in query or query.startswith("page=0") or len(query) > 15:
        assert response.status_code == 404


@pytest.mark.parametrize("page", ["28842433326442759375472820224", "9223372036854775807", "-3"])
def test_a_page_number_too_deep_for_sql_is_never_a_500_on_a_page(client, social_worker, page):
    client.force_login(social_worker)
    for path in (f"/children/?q=Sam&page={page}", f"/notifications/?page={page}"):
        assert client.get(path, HTTP_HOST="localhost").status_code == 200


def test_a_cursor_of_another_order_is_refused(api_as, social_worker, authority, team):
    _children(4, authority=authority, team=team, social_worker=social_worker)
    client = api_as(social_worker)
    next_url = client.get(f"{LIST}?page_size=2").json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    # The same cursor on a name search (ordered by similarity first): not this list's.
    response = client.get(f"{LIST}?q=Sam&cursor={cursor}")
    assert response.status_code == 404


def test_page_numbers_still_work(api_as, social_worker, authority, team):
    _children(7, authority=authority, team=team, social_worker=social_worker)
    client = api_as(social_worker)
    by_cursor = _walk(client, f"{LIST}?page_size=3")
    second = client.get(f"{LIST}?page_size=3&page=2").json()
    assert second["results"] == by_cursor[1]["results"]
    assert second["count"] == 7 and "page=3" in second["next"]
    assert "page=" not in (second["previous"] or "")


def test_the_browser_paginator_counts_no_further_than_needed(
    social_worker, authority, team, monkeypatch
):
    monkeypatch.setattr(pagination.BoundedPaginator, "count_limit", 4)
    _children(9, authority=authority, team=team, social_worker=social_worker)
    rows = Child.objects.order_by("last_name", "pk")
    first = pagination.BoundedPaginator(rows, 2).get_page(1)
    assert not first.paginator.count_is_exact
    assert first.paginator.count_text == "more than 4"
    assert first.has_next()
    deep = pagination.BoundedPaginator(rows, 2).get_page(5)
    assert deep.number == 5 and len(deep.object_list) == 1
    assert deep.paginator.count_is_exact and deep.paginator.count == 9
    small = pagination.BoundedPaginator(rows, 20).get_page(1)
    assert small.paginator.count_is_exact and small.paginator.count_text == "9"


@pytest.mark.parametrize("order", ["date_of_birth", "-date_of_birth"])
def test_a_nullable_order_is_walked_whole_either_way(order, authority, team):
    """NULL sorts last ascending and first descending: the cursor follows PostgreSQL."""
    import datetime as dt

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    for i in range(7):
        unborn = i % 3 == 0
        ChildFactory(
            responsible_authority=authority,
            team=team,
            date_of_birth=None if unborn else dt.date(2015, 1, 1 + i % 2),
            expected_date_of_delivery=dt.date(2027, 1, 1) if unborn else None,
        )
    rows = Child.objects.order_by(order)
    expected = list(rows.order_by(order, "pk").values_list("pk", flat=True))
    seen, url = [], "/anything/?page_size=2"
    for _ in range(10):
        request = Request(APIRequestFactory().get(url))
        paginator = pagination.Pagination()
        seen += [c.pk for c in paginator.paginate_queryset(rows, request)]
        url = paginator.next_url
        if url is None:
            break
    assert seen == expected


@pytest.mark.parametrize("count_limit", [3, 4, 7, 1000])
@pytest.mark.parametrize("per_page", [1, 2, 4, 50])
def test_the_ranked_paginator_gives_the_bounded_paginator_s_pages(
    social_worker, authority, team, monkeypatch, count_limit, per_page
):
    """The search's paginator (ids first, then the page's rows by id) answers every page
    number, good or bad, exactly as the ordinary one does: the same rows in the same order,
    the same count and words for it, the same neighbours."""
    monkeypatch.setattr(pagination.BoundedPaginator, "count_limit", count_limit)
    _children(9, authority=authority, team=team, social_worker=social_worker)
    ordered = Child.objects.order_by("last_name", "-first_name", "pk")
    for number in [None, "x", "-1", 0, 1, 2, 3, 4, 5, 9, 10, 11, "99999999999"]:
        plain = pagination.BoundedPaginator(ordered, per_page).get_page(number)
        ranked = pagination.RankedPaginator(
            ordered, per_page, rows=Child.objects.select_related("team")
        ).get_page(number)
        assert [c.pk for c in ranked.object_list] == [c.pk for c in plain.object_list], number
        assert ranked.number == plain.number
        assert ranked.paginator.count == plain.paginator.count
        assert ranked.paginator.count_text == plain.paginator.count_text
        assert (ranked.has_previous(), ranked.has_next()) == (
            plain.has_previous(),
            plain.has_next(),
        )


def test_a_search_page_runs_the_search_once(client, social_worker, authority, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _children(7, authority=authority, team=team, social_worker=social_worker)
    client.force_login(social_worker)
    client.get("/children/", {"q": "Sam Ash"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/children/", {"q": "Sam Ash"})
    assert response.status_code == 200
    searches = [q for q in queries if "word_similarity" in q["sql"]]
    assert len(searches) == 1, [q["sql"][:100] for q in searches]
