"""Benchmarks: a synthetic authority at scale, and timed sections over it.

``manage.py bench`` builds the data once (in a database of its own, never the
development one) and runs every registered section. A section is a function
that takes the :class:`BenchContext` and returns :class:`Measurement` rows;
register one with :func:`section`. Apps add their own in a ``bench.py`` module
of their own, found at start-up like ``admin.py`` (the register and the
timescale scans come that way); a section that needs more data than children
builds it itself, idempotently, with bulk inserts.

The data is fictional and deterministic: the same ``--children`` gives the
same children, names, NHS numbers (999 test range) and postcodes (area ``NB``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils.module_loading import autodiscover_modules
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from cpcase import demo
from cpcase.models import (
    Address,
    Authority,
    Child,
    ChildUserObjectPermission,
    Person,
    Relationship,
    Residence,
    Team,
    User,
)
from cpcase.roles import Role
from cpcase.second_factor import APP_DEVICE_NAME
from cpcase.selectors import child_list, child_search

BENCH_AUTHORITY_CODE = "998"
BENCH_AUTHORITY_NAME = "Benchmark Borough Council"
BATCH = 5000

T = TypeVar("T")


@dataclass
class Measurement:
    """One timed operation: ``repeat`` runs, median and 95th percentile in milliseconds."""

    label: str
    median_ms: float
    p95_ms: float
    queries: int
    rows: int | None = None
    note: str = ""


@dataclass
class BenchContext:
    children: int
    repeat: int
    authority: Authority
    users: dict[str, User]
    seed: int = demo.SEED
    # Sections may leave values here for later ones (samples, built data).
    extra: dict[str, Any] = field(default_factory=dict)

    def rng(self, salt: str) -> random.Random:
        return random.Random(f"{self.seed}:{salt}")  # noqa: S311 - sampling, not security


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    run: Callable[[BenchContext], list[Measurement]]
    order: int


SECTIONS: dict[str, Section] = {}


def section(name: str, title: str, *, order: int = 100):
    """Register a benchmark section: ``@section("register", "Register enquiries")``."""

    def register(func: Callable[[BenchContext], list[Measurement]]):
        SECTIONS[name] = Section(name=name, title=title, run=func, order=order)
        return func

    return register


def sections() -> list[Section]:
    autodiscover_modules("bench")
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.name))


@dataclass
class _Timed:
    """One way's timings, and what its counted run asked of the database and returned."""

    timings: list[float] = field(default_factory=list)
    queries: int | None = None
    rows: int | None = None

    def run(self, run: Callable[[int], Any], i: int, *, timed: bool, count: bool) -> None:
        """Run ``run(i)``, timed or not; when ``count``, with its queries counted (through
        Django's query-logging cursor, which production does not have: so the count is
        taken on the last warm-up run when there is one, caches warm, and no timed run
        pays for it)."""
        if count:
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                result = run(i)
                elapsed = (time.perf_counter() - start) * 1000
            self.queries = len(captured)
            self.rows = len(result) if hasattr(result, "__len__") else None
        else:
            start = time.perf_counter()
            run(i)
            elapsed = (time.perf_counter() - start) * 1000
        if timed:
            self.timings.append(elapsed)

    def measurement(self, label: str, note: str = "") -> Measurement:
        ordered = sorted(self.timings)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return Measurement(
            label, statistics.median(ordered), p95, self.queries or 0, self.rows, note
        )


def measure(
    label: str, run: Callable[[int], Any], *, repeat: int, note: str = "", warmup: int = 2
) -> Measurement:
    """Time ``run(i)`` for i in 0..repeat-1 (after ``warmup`` untimed runs).

    ``run`` must evaluate its queryset (``list(...)``); it may return the rows for
    the count. Queries are counted on the last warm-up run, untimed, when there is one (so
    no timed run goes through Django's query-logging cursor), else on the first timed run.
    """
    timed = _Timed()
    for i in range(warmup):
        timed.run(run, i, timed=False, count=i == warmup - 1)
    for i in range(repeat):
        timed.run(run, i, timed=True, count=not warmup and i == 0)
    return timed.measurement(label, note)


def measure_together(
    runs: dict[str, Callable[[int], Any]], *, repeat: int, warmup: int = 2
) -> dict[str, Measurement]:
    """Time several ways of doing the same thing side by side: each timed round runs every
    one once, in turn (their order rotating), so a ratio between them compares runs made
    in the same moments of the machine, not one minute's load against the next's. Queries
    are counted as :func:`measure` counts them."""
    names = list(runs)
    ways = {name: _Timed() for name in names}
    for i in range(warmup):
        for name in names:
            ways[name].run(runs[name], i, timed=False, count=i == warmup - 1)
    for i in range(repeat):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            ways[name].run(runs[name], i, timed=True, count=not warmup and i == 0)
    return {name: ways[name].measurement(name) for name in names}


# --- Building the synthetic authority -------------------------------------------

_SYLLABLES_A = (
    "Ash", "Brack", "Cald", "Dun", "Els", "Farr", "Gall", "Har", "Inch", "Kettle", "Low",
    "Marl", "Nettle", "Orr", "Pendle", "Quarr", "Raven", "Stain", "Thorn", "Under", "Wrex",
    "Yard", "Hol", "Fen",
)  # fmt: skip
_SYLLABLES_B = (
    "bury", "ock", "wyn", "more", "worth", "by", "way", "castle", "ley", "stone", "ford",
    "combe", "ington", "well", "hurst", "dale", "field", "ham", "ton", "wick",
)  # fmt: skip
SURNAMES = tuple(a + b for a in _SYLLABLES_A for b in _SYLLABLES_B)
FIRST_NAMES = demo.GIRLS + demo.BOYS + demo.ADULT_WOMEN + demo.ADULT_MEN
STREETS = demo.NORTH_STREETS + demo.SOUTH_STREETS
TEAMS = 20
WORKERS_PER_TEAM = 5


def bench_authority() -> Authority | None:
    return Authority.objects.filter(code=BENCH_AUTHORITY_CODE).first()


BUILT_CHILD_PREFIX = "BX"  # the built children's LA child IDs; a section's own have others


def bench_children_count() -> int:
    """The children :func:`build` made: a section may add its own without a rebuild."""
    authority = bench_authority()
    if authority is None:
        return 0
    return Child.objects.filter(
        responsible_authority=authority, la_child_id__startswith=BUILT_CHILD_PREFIX
    ).count()


def batched(rows: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """``rows`` in lists of ``size`` (the last one shorter)."""
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


_batched = batched  # the name other apps' benchmarks import


# One family of the built authority: its address, the mother, the team, the children.
_Household = tuple[Address, Person, Team, list[Child]]


def _authority_create() -> Authority:
    return Authority.objects.create(
        code=BENCH_AUTHORITY_CODE,
        name=BENCH_AUTHORITY_NAME,
        nation="england",
        office_phone="01632 960000",
        out_of_hours_phone="01632 960999",
    )


def _staff_create(authority: Authority, teams: list[Team]) -> list[tuple[User, str]]:
    """The authority's managers, a team manager and social workers per team, and a police
    enquirer, each with their role's group."""
    password = make_password(demo.DEFAULT_DEMO_PASSWORD)
    staff: list[tuple[User, str]] = [
        (User(username="bench.sum", authority=authority), Role.SAFEGUARDING_UNIT_MANAGER),
        (User(username="bench.sl", authority=authority), Role.SERVICE_LEADER),
        (User(username="bench.police"), Role.POLICE_ENQUIRER),
    ]
    for t, team in enumerate(teams):
        staff.append(
            (User(username=f"bench.tm{t + 1}", authority=authority, team=team), Role.TEAM_MANAGER)
        )
        for w in range(WORKERS_PER_TEAM):
            staff.append(
                (
                    User(username=f"bench.sw{t + 1}.{w + 1}", authority=authority, team=team),
                    Role.SOCIAL_WORKER,
                )
            )
    for user, _ in staff:
        user.password = password
        user.first_name, user.last_name = "Bench", user.username.split(".", 1)[1].title()
    User.objects.bulk_create([u for u, _ in staff])
    groups = {g.name: g for g in Group.objects.all()}
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=groups[role].pk) for u, role in staff]
    )
    return staff


@dataclass
class _HouseholdMaker:
    """Makes the built authority's households (unsaved), numbering children on."""

    rng: random.Random
    today: dt.date
    authority: Authority
    teams: list[Team]
    workers_by_team: dict[Any, list[User]]
    nhs: Iterator[str]
    made: int = 0

    def household(self, size: int) -> _Household:
        rng, today = self.rng, self.today
        surname = rng.choice(SURNAMES)
        district = rng.randint(1, 9)
        postcode = demo.demo_postcode(rng, district)
        line1 = f"{rng.randint(1, 250)} {rng.choice(STREETS)}"
        address = Address(
            line1=line1,
            town=demo.TOWN,
            postcode=postcode,
            match_key=Address.make_match_key(line1, postcode),
        )
        team = self.teams[rng.randrange(TEAMS)]
        mother = Person(
            first_name=rng.choice(demo.ADULT_WOMEN),
            last_name=surname,
            date_of_birth=today - dt.timedelta(days=rng.randint(19 * 365, 45 * 365)),
            authority=self.authority,
        )
        lead = rng.choice(self.workers_by_team[team.pk])
        kids = [self.child(surname, team, lead, mother) for _ in range(size)]
        return address, mother, team, kids

    def child(self, surname: str, team: Team, lead: User, mother: Person) -> Child:
        rng, today = self.rng, self.today
        self.made += 1
        unborn = rng.random() < 0.02
        sex = rng.choice("MF")
        return Child(
            la_child_id=f"{BUILT_CHILD_PREFIX}{self.made:07d}",
            first_name="" if unborn else rng.choice(demo.BOYS if sex == "M" else demo.GIRLS),
            last_name=surname,
            date_of_birth=None if unborn else today - dt.timedelta(days=rng.randint(0, 18 * 365)),
            expected_date_of_delivery=today + dt.timedelta(days=rng.randint(20, 200))
            if unborn
            else None,
            sex="U" if unborn else sex,
            # The 999 test range holds about 900,000 numbers: the rest have none.
            nhs_number="" if unborn else next(self.nhs, ""),
            responsible_authority=self.authority,
            resident_authority=self.authority,
            team=team,
            lead_social_worker=lead,
            mother=mother if unborn else None,
        )

    def households(self, children: int) -> list[_Household]:
        made: list[_Household] = []
        while self.made < children:
            size = min(children - self.made, self.rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5)))
            made.append(self.household(size))
        return made


def _households_insert(households: list[_Household], today: dt.date) -> None:
    for chunk in batched(households, 2000):
        Address.objects.bulk_create([h[0] for h in chunk])
        Person.objects.bulk_create([h[1] for h in chunk])
        Child.objects.bulk_create([kid for h in chunk for kid in h[3]])
        Residence.objects.bulk_create(
            [Residence(child=kid, address=h[0], moved_in_on=today) for h in chunk for kid in h[3]]
            + [Residence(person=h[1], address=h[0], moved_in_on=today) for h in chunk]
        )
        Relationship.objects.bulk_create(
            [
                Relationship(
                    child=kid,
                    person=h[1],
                    kind=Relationship.Kind.MOTHER,
                    parental_responsibility=True,
                    lives_with_child=True,
                    is_carer=True,
                )
                for h in chunk
                for kid in h[3]
            ]
        )


def _allocated_workers_grant(households: list[_Household]) -> None:
    """The allocated worker's object permissions, as the services grant them."""
    perms = list(
        Permission.objects.filter(
            content_type__app_label="cpcase", codename__in=("view_child", "change_child")
        )
    )
    grants = (
        ChildUserObjectPermission(
            user_id=kid.lead_social_worker_id, permission=perm, content_object=kid
        )
        for h in households
        for kid in h[3]
        if kid.lead_social_worker_id is not None  # every built child has one
        for perm in perms
    )
    for chunk in batched(grants):
        ChildUserObjectPermission.objects.bulk_create(chunk)


@transaction.atomic
def build(children: int, *, seed: int = demo.SEED, log: Callable[[str], None] = print) -> None:
    """A fictional authority with ``children`` children in families, bulk inserted."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, not security
    today = dt.date.today()  # noqa: DTZ011 - dates of birth, no time of day
    authority = _authority_create()
    teams = Team.objects.bulk_create(
        [Team(authority=authority, name=f"Locality team {n + 1}") for n in range(TEAMS)]
    )
    staff = _staff_create(authority, teams)
    workers_by_team = {
        team.pk: [u for u, role in staff if role == Role.SOCIAL_WORKER and u.team_id == team.pk]
        for team in teams
    }
    log(f"  {len(teams)} teams, {len(staff)} staff")

    maker = _HouseholdMaker(
        rng=rng,
        today=today,
        authority=authority,
        teams=teams,
        workers_by_team=workers_by_team,
        nhs=demo.demo_nhs_numbers(start=0),
    )
    households = maker.households(children)
    _households_insert(households, today)
    log(f"  {maker.made} children in {len(households)} households")
    _allocated_workers_grant(households)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def context(children: int, repeat: int) -> BenchContext:
    authority = bench_authority()
    if authority is None:
        raise LookupError("No benchmark authority: build it first.")
    users = {u.username: u for u in User.objects.filter(username__startswith="bench.")}
    return BenchContext(children=children, repeat=repeat, authority=authority, users=users)


# --- The core sections: finding a child and the list of children ------------------


def misspell(rng: random.Random, word: str) -> str:
    """One typing slip: two letters swapped, one dropped, or one doubled."""
    i = rng.randint(1, len(word) - 2)
    slip = rng.choice(("swap", "drop", "double"))
    if slip == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if slip == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def sample_children(ctx: BenchContext, n: int = 200) -> list[Child]:
    """``n`` built children with a date of birth, drawn once per run (the same each time)."""
    if "sample" not in ctx.extra:
        ids = list(
            Child.objects.filter(
                responsible_authority=ctx.authority,
                la_child_id__startswith=BUILT_CHILD_PREFIX,
                date_of_birth__isnull=False,
            )
            .order_by("la_child_id")
            .values_list("pk", flat=True)
        )
        picked = ctx.rng("sample").sample(ids, min(n, len(ids)))
        ctx.extra["sample"] = list(
            Child.objects.filter(pk__in=picked)
            .prefetch_related("residences__address")
            .order_by("la_child_id")
        )
    return ctx.extra["sample"]


# The names other apps' benchmarks import.
_misspell = misspell
_sample = sample_children


@section("search", "Finding a child (child_search, as the safeguarding unit manager)", order=10)
def search_section(ctx: BenchContext) -> list[Measurement]:
    user = ctx.users["bench.sum"]
    sample = sample_children(ctx)
    rng = ctx.rng("misspell")
    misspelt = [(c, f"{c.first_name} {misspell(rng, c.last_name)}") for c in sample]
    found = 0
    for child, q in misspelt:
        page = list(child_search(user=user, q=q, audit=False).values_list("pk", flat=True)[:25])
        found += child.pk in page

    def by_name(i: int):
        _child, q = misspelt[i % len(misspelt)]
        return list(child_search(user=user, q=q)[:25])

    def by_nhs(i: int):
        number = sample[i % len(sample)].nhs_number
        return list(child_search(user=user, q=f"{number[:3]} {number[3:6]} {number[6:]}")[:25])

    def by_postcode(i: int):
        child = sample[i % len(sample)]
        postcode = child.residences.all()[0].address.postcode
        return list(child_search(user=user, postcode=postcode.replace(" ", "").lower())[:25])

    return [
        measure(
            "misspelt name (trigram), first 25",
            by_name,
            repeat=ctx.repeat,
            note=f"intended child on the first page {found}/{len(misspelt)}",
        ),
        measure("NHS number, as typed with spaces", by_nhs, repeat=ctx.repeat),
        measure("postcode, lower case without the space", by_postcode, repeat=ctx.repeat),
    ]


@section("child_list", "The list of children, first page of 50", order=20)
def child_list_section(ctx: BenchContext) -> list[Measurement]:
    results = []
    for username, who in (("bench.sw1.1", "social worker"), ("bench.sum", "unit manager")):
        user = ctx.users[username]
        visible = child_list(user=user).count()

        def page(i: int, user=user):
            rows = list(child_list(user=user).order_by("last_name", "first_name", "pk")[:50])
            for child in rows:  # what a list page shows of each child
                _ = (child.address, child.team, child.lead_social_worker)
            return rows

        results.append(
            measure(
                f"child_list selector, {who}", page, repeat=ctx.repeat, note=f"{visible} visible"
            )
        )
    results += _list_pages(ctx)
    return results


def signed_in_session(user: User) -> str:
    """A session key for ``user`` signed in and past the second factor, as a real sign-in
    leaves it (an authenticator device with a key nobody holds, if the user has none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    request.user = AnonymousUser()  # login() puts the user here, where otp_login looks
    login(request, user, backend="cpcase.auth_backends.ModelBackend")
    otp_login(request, device)
    request.session.save()
    return str(request.session.session_key)


class WsgiServer:
    """Requests handed to Django as a WSGI server (gunicorn, in production) hands them:
    an environ in, status and body out. What is timed is all of Django's work on the
    request (middleware, view, response, the request's signals), and none of a test
    client's (its fake request, its signal wiring, its parsing of the response)."""

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.handler = WSGIHandler()
        self.headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()
        }

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        path, _, query = path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **self.headers,
        }
        status: list[str] = []

        def start_response(
            line: str, headers: list[tuple[str, str]], exc_info: Any = None, /
        ) -> Callable[[bytes], object]:
            status.append(line)
            return lambda data: None

        response = self.handler(environ, start_response)
        try:
            content = b"".join(response)
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()  # as the server does once the body is sent: request_finished
        return int(status[0].split()[0]), content


def page_client(user: User) -> Client:
    """A browser for ``user``, signed in and past the second factor."""
    client = Client(HTTP_HOST="localhost")
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(user)
    return client


def _list_pages(ctx: BenchContext) -> list[Measurement]:
    """The list pages themselves, through the whole request, where they exist yet."""
    results = []
    for path, username in (("/children/", "bench.sw1.1"), ("/api/v1/children/", "bench.sw1.1")):
        try:
            resolve(path)
        except Resolver404:
            continue
        if path.startswith("/api/"):
            # The API takes a token, not a session: authenticated as the token would
            # (the token's own cost is the register section's to measure).
            client = APIClient(HTTP_HOST="localhost")
            client.force_authenticate(ctx.users[username])
        else:
            client = page_client(ctx.users[username])
        status = client.get(path).status_code
        if status != 200:
            continue

        def get(i: int, client=client, path=path):
            response = client.get(path)
            assert response.status_code == 200  # noqa: S101 - a benchmark of a working page
            return []

        m = measure(f"GET {path} (social worker)", get, repeat=ctx.repeat)
        m.rows = None
        results.append(m)
    return results
