"""The home page's lists (the worker's own children, the caseload) a page at a time: the
same rows as the whole list, in the same order, none twice, whatever the page asked for,
and the same number of queries for a small team or a large one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cpcase.selectors import caseload_for
from cpcase.views import HOME_PAGE_SIZE
from tests.factories import ChildFactory, StrategyDiscussionFactory

pytestmark = pytest.mark.django_db

_ROW_LINK = re.compile(r'href="/children/([0-9a-f-]{36})/"')


def _children(team, social_worker, count: int, start: int = 0) -> list:
    """Children of the team, led by the worker, each with a deadline running (their
    initial conference, due after a strategy discussion on a spread of days)."""
    today = timezone.localdate()
    made = []
    for i in range(start, start + count):
        child = ChildFactory(
            first_name=f"Paged{i:03}",
            last_name="Home",
            team=team,
            responsible_authority=team.authority,
            lead_social_worker=social_worker,
        )
        StrategyDiscussionFactory(child=child, held_on=today - dt.timedelta(days=i % 30))
        made.append(child)
    return made


def _section(html: str, start: str, end: str | None) -> str:
    body = html[html.index(start) :]
    return body[: body.index(end)] if end and end in body else body


def _ids(html: str, start: str, end: str | None = None) -> list[str]:
    return _ROW_LINK.findall(_section(html, start, end))


def _walk(client, label: str, start: str, end: str | None) -> list[list[str]]:
    """Every page of one list, by following the Next link of its own pagination (the
    ``nav`` named ``label``) from the first page."""
    pages, url = [], reverse("home")
    while True:
        html = client.get(url).content.decode()
        pages.append(_ids(html, start, end))
        nav = re.search(rf'<nav [^>]*aria-label="{label}">(.*?)</nav>', html, re.S)
        found = nav and re.search(r'href="(\?[^"]*)" rel="next"', nav.group(1))
        if not found:
            return pages
        url = reverse("home") + found.group(1).replace("&amp;", "&")
        assert len(pages) < 100


MINE = "Children you are lead social worker for"
CASELOAD = "caseload</h2>"


def test_the_caseload_a_page_at_a_time_is_the_whole_caseload_in_order(
    client, team_manager, social_worker, team
):
    _children(team, social_worker, 2 * HOME_PAGE_SIZE + 3)
    client.force_login(team_manager)
    pages = _walk(client, "Pages of the caseload", CASELOAD, None)
    assert [len(p) for p in pages] == [HOME_PAGE_SIZE, HOME_PAGE_SIZE, 3]
    whole = caseload_for(user=team_manager, today=timezone.localdate(), team=team_manager.team)
    assert [i for p in pages for i in p] == [str(r.child.pk) for r in whole]


def test_the_worker_s_own_children_a_page_at_a_time(client, social_worker, team):
    made = _children(team, social_worker, HOME_PAGE_SIZE + 4)
    client.force_login(social_worker)
    pages = _walk(client, "Pages of your children", MINE, "</table>")
    assert [len(p) for p in pages] == [HOME_PAGE_SIZE, 4]
    by_name = sorted(made, key=lambda c: (c.last_name, c.first_name))
    assert [i for p in pages for i in p] == [str(c.pk) for c in by_name]


def test_each_list_turns_its_own_page_and_keeps_the_other_s(client, social_worker, team):
    _children(team, social_worker, HOME_PAGE_SIZE + 2)
    client.force_login(social_worker)
    html = client.get(reverse("home"), {"mine_page": 2}).content.decode()
    assert len(_ids(html, MINE, "</table>")) == 2
    assert len(_ids(html, CASELOAD)) == HOME_PAGE_SIZE
    # The caseload's Next keeps the worker's children on their second page.
    assert 'href="?mine_page=2&amp;caseload_page=2" rel="next"' in html
    assert 'href="?mine_page=1" rel="prev"' in html


@pytest.mark.parametrize(
    "value", ["", "0", "-3", "abc", "2.5", "99999999999999999999", "1e9", "%00", "\u0661"]
)
def test_any_page_number_is_a_page_never_an_error(client, team_manager, social_worker, team, value):
    _children(team, social_worker, HOME_PAGE_SIZE + 2)
    client.force_login(team_manager)
    response = client.get(reverse("home"), {"caseload_page": value, "mine_page": value})
    assert response.status_code == 200
    rows = _ids(response.content.decode(), CASELOAD)
    assert rows  # the first page, or past the end the last: never an empty list


def test_past_the_last_page_is_the_last_page(client, team_manager, social_worker, team):
    _children(team, social_worker, HOME_PAGE_SIZE + 2)
    client.force_login(team_manager)
    html = client.get(reverse("home"), {"caseload_page": 40}).content.decode()
    assert len(_ids(html, CASELOAD)) == 2
    assert 'rel="next"' not in html


def test_the_home_page_costs_the_same_queries_for_a_small_team_or_a_large_one(
    client, social_worker, team
):
    _children(team, social_worker, 3)
    client.force_login(social_worker)
    client.get(reverse("home"))  # the session's and the roles' first reads
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    _children(team, social_worker, 3 * HOME_PAGE_SIZE, start=3)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("home")).content.decode()
    assert len(_ids(html, CASELOAD)) == HOME_PAGE_SIZE
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
