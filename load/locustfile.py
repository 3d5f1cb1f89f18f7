"""The load test's users (``make load``): police enquirers searching the register through
the API with a token, and social workers browsing their pages with a signed-in session.

``manage.py load_setup`` writes the tokens, sessions and searches to the JSON file named
by ``CPCASE_LOAD_USERS``; ``CPCASE_LOAD_PAUSE`` is the pause between a user's requests in
seconds, ``1-3`` (the default) or ``0`` (none: the saturation profile);
``CPCASE_LOAD_PAGES`` the social workers' pages (default ``home,children,child,plan``).
Five enquirers to two social workers: 70 users are 50 and 20. With ``CPCASE_LOAD_FLOOR``
set, every user asks only for ``GET /api/v1/me/`` (the floor profile: what the machine
serves of the cheapest authenticated request).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant, task

USERS: dict[str, Any] = json.loads(Path(os.environ["CPCASE_LOAD_USERS"]).read_text())
ENQUIRY = "/api/v1/register/enquiries/"
ENQUIRER = {
    "name": "PC Load",
    "agency": "Benchmark Police",
    "role": "Response",
    "phone": "01632 960555",
}


def _pause() -> Any:
    low, _, high = os.environ.get("CPCASE_LOAD_PAUSE", "1-3").partition("-")
    if not high:
        return constant(float(low))
    return between(float(low), float(high))


FLOOR = bool(os.environ.get("CPCASE_LOAD_FLOOR"))
PAGES = set(os.environ.get("CPCASE_LOAD_PAGES", "home,children,child,plan").split(","))
_tokens = itertools.cycle(USERS["tokens"])
_workers = itertools.cycle(USERS["social_workers"])


def _search_kind(search: dict[str, str]) -> str:
    if "nhs_number" in search:
        return "NHS number"
    if "postcode" in search:
        return "surname and postcode"
    return "name and date of birth"


class Enquirer(FastHttpUser):
    """A police officer on a night shift, asking the register about a child."""

    weight = 5
    wait_time = _pause()
    abstract = FLOOR

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Token {next(_tokens)}"}
        self.rng = random.Random()  # noqa: S311 - choosing a search, not security

    @task
    def search_the_register(self) -> None:
        search = self.rng.choice(USERS["searches"])
        body = {"enquirer": ENQUIRER, "reason": "Load test", "search": search}
        with self.client.post(
            ENQUIRY,
            json=body,
            headers=self.headers,
            name=f"register: {_search_kind(search)}",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")


class SocialWorker(FastHttpUser):
    """A social worker going through their day: home, a search, a child, a plan."""

    weight = 2
    wait_time = _pause()
    abstract = FLOOR

    def on_start(self) -> None:
        self.me = next(_workers)
        self.headers = {"Cookie": f"{USERS['session_cookie']}={self.me['session']}"}
        self.rng = random.Random()  # noqa: S311

    def _get(self, path: str, name: str) -> None:
        with self.client.get(
            path, headers=self.headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} (a redirect is a lost session)")

    def home(self) -> None:
        self._get("/", "page: home")

    def child_list(self) -> None:
        surname = self.rng.choice(self.me["surnames"] or ["Ash"])
        self._get(f"/children/?q={surname}", "page: children (search)")

    def child(self) -> None:
        self._get(f"/children/{self.rng.choice(self.me['children'])}/", "page: a child")

    def plan(self) -> None:
        if not self.me["plans"]:
            return self.child()
        self._get(f"/plans/{self.rng.choice(self.me['plans'])}/", "page: a plan")
        return None

    tasks = [
        page
        for name, page in (
            ("home", home),
            ("children", child_list),
            ("child", child),
            ("plan", plan),
        )
        if name in PAGES
    ]


class FloorUser(FastHttpUser):
    """The floor profile: the cheapest authenticated request, over and over."""

    wait_time = _pause()
    abstract = not FLOOR

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Token {next(_tokens)}"}

    @task
    def me(self) -> None:
        with self.client.get(
            "/api/v1/me/", headers=self.headers, name="api: me", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
