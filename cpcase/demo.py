"""Fictional demonstration data: one authority, its staff, and about fifty families' children.

Everything here is made up. Names come from short lists of common first names
and invented surnames; streets are invented; postcodes use the area ``NB``,
which no real UK postcode area uses, in valid postcode syntax; phone numbers
are in Ofcom's drama range (01632 96xxxx); NHS numbers come from the 999 test
range, which is never issued to a patient, with a valid check digit.

The same seed gives the same people on every run (:func:`demo_families`), so
``seed_demo`` can recognise what it has already created and add nothing twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypedDict

from dateutil.relativedelta import relativedelta

from cpcase.roles import Role
from cpcase.validators import nhs_number_is_valid, upn_check_letter

AUTHORITY_CODE = "990"
AUTHORITY_NAME = "Northbrook Borough Council"
AUTHORITY_OFFICE_PHONE = "01632 960000"
AUTHORITY_OUT_OF_HOURS_PHONE = "01632 960999"
AUTHORITY_EMAIL = "childrens.services@northbrook.example"
AUTHORITY_ADDRESS = "Civic Centre, 1 Market Square, Northbrook, NB1 1AA"
TOWN = "Northbrook"

NORTH_TEAM = "North locality team"
SOUTH_TEAM = "South locality team"
TEAMS = (NORTH_TEAM, SOUTH_TEAM)

# Documented in the README: demonstration data only, never a real account's password.
DEFAULT_DEMO_PASSWORD = "northbrook-demo-only"  # noqa: S105
# Each demo account's authenticator-app key is published (README): the base32 of
# SHA-1("cpcase-demo-totp:" + username). Demo only: seed_demo never runs in production.
DEMO_TOTP_PREFIX = "cpcase-demo-totp:"
DEMO_DEVICE_NAME = "Demo authenticator (published key)"
LA_CHILD_ID_PREFIX = "NBDEMO"

SEED = 990

# The second authority, beside the first: transfers, historic releases, isolation.
SECOND_AUTHORITY_CODE = "991"
SECOND_AUTHORITY_NAME = "Southmere City Council"
SECOND_AUTHORITY_OFFICE_PHONE = "01632 961000"
SECOND_AUTHORITY_OUT_OF_HOURS_PHONE = "01632 961999"
SECOND_AUTHORITY_EMAIL = "safeguarding@southmere.example"
SECOND_AUTHORITY_ADDRESS = "Guildhall, 2 Quay Street, Southmere, NB8 2AB"
SECOND_TOWN = "Southmere"
RIVERSIDE_TEAM = "Riverside team"
HARBOUR_TEAM = "Harbour team"
SECOND_TEAMS = (RIVERSIDE_TEAM, HARBOUR_TEAM)
SECOND_LA_CHILD_ID_PREFIX = "SMDEMO"
SECOND_SEED = 991

# UPN characters 2 to 4 are the DfE code of the authority that issued it. 990 and 991
# are not DfE LA codes (they are chosen so as not to be one), so the demo's pupils were
# given their UPNs by schools in a real LA code's range: 330 (Birmingham). The rest of
# the number is made up; the check letter is right (cpcase.validators.upn_check_letter).
UPN_LA_CODE = "330"
# Children of school age (5 and over) have a UPN; younger ones the census's UN1, an
# unborn baby UN8.
UPN_FROM_AGE = 5

# An unborn baby is due 6 to 24 weeks from today: the front door hears of a pregnancy
# from about its 16th week, and the earliest story of a family expecting one began about
# 14 weeks ago.
DUE_IN_WEEKS = (6, 24)
# The census codes of a disabled child, in turn: a learning disability alone, or with
# the communication needs that often come with it (the DfE's query 2888Q asks that a
# child with several disabilities has them all recorded).
DISABILITY_PROFILES = (("LD", "COMM"), ("LD",))


@dataclass(frozen=True)
class DemoAgency:
    name: str
    kind: str
    phone: str


AGENCIES = (
    DemoAgency("Northbrook Constabulary", "police", "01632 960100"),
    DemoAgency("Northbrook Community Health NHS Trust", "health", "01632 960200"),
    DemoAgency("Millbeck Primary School", "education", "01632 960300"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str
    job_title: str
    phone: str
    team: str | None = None
    agency: str | None = None
    # Enquirers and other agencies' staff belong to no authority (as in the tests' personas).
    in_authority: bool = True
    is_staff: bool = False
    authority: str = AUTHORITY_CODE

    @property
    def email(self) -> str:
        domain = (
            "southmere.example" if self.authority == SECOND_AUTHORITY_CODE else "northbrook.example"
        )
        return f"{self.username}@{domain}"


def _southmere(username: str, first: str, last: str, role: str, title: str, phone: str, team=None):
    return DemoAccount(
        username, first, last, role, title, phone, team=team, authority=SECOND_AUTHORITY_CODE
    )


ACCOUNTS = (
    DemoAccount(
        "sw.north",
        "Robin",
        "Ashdown",
        Role.SOCIAL_WORKER,
        "Social worker",
        "01632 960411",
        team=NORTH_TEAM,
    ),
    DemoAccount(
        "sw.south",
        "Casey",
        "Penhallow",
        Role.SOCIAL_WORKER,
        "Social worker",
        "01632 960412",
        team=SOUTH_TEAM,
    ),
    DemoAccount(
        "tm.north",
        "Jordan",
        "Whitlock",
        Role.TEAM_MANAGER,
        "Team manager",
        "01632 960421",
        team=NORTH_TEAM,
    ),
    DemoAccount(
        "tm.south",
        "Morgan",
        "Tregarth",
        Role.TEAM_MANAGER,
        "Team manager",
        "01632 960422",
        team=SOUTH_TEAM,
    ),
    DemoAccount("sl", "Avery", "Castlemain", Role.SERVICE_LEADER, "Service leader", "01632 960431"),
    DemoAccount(
        "chair",
        "Harper",
        "Quillon",
        Role.CONFERENCE_CHAIR,
        "Independent conference chair",
        "01632 960441",
    ),
    DemoAccount(
        "sum",
        "Rowan",
        "Eastleigh",
        Role.SAFEGUARDING_UNIT_MANAGER,
        "Safeguarding unit manager",
        "01632 960451",
    ),
    DemoAccount(
        "cgm",
        "Ellis",
        "Fenwright",
        Role.CORE_GROUP_MEMBER,
        "Designated safeguarding lead",
        "01632 960301",
        agency="Millbeck Primary School",
        in_authority=False,
    ),
    DemoAccount(
        "police",
        "Sam",
        "Brackwater",
        Role.POLICE_ENQUIRER,
        "Police constable, public protection unit",
        "01632 960101",
        agency="Northbrook Constabulary",
        in_authority=False,
    ),
    DemoAccount(
        "health",
        "Jamie",
        "Oakhurst",
        Role.HEALTH_ENQUIRER,
        "Named nurse for safeguarding",
        "01632 960201",
        agency="Northbrook Community Health NHS Trust",
        in_authority=False,
    ),
    DemoAccount(
        "senior",
        "Taylor",
        "Greywell",
        Role.SENIOR_OFFICER,
        "Head of safeguarding and quality",
        "01632 960461",
    ),
    DemoAccount(
        "admin",
        "Alex",
        "Kimber",
        Role.SYSTEM_ADMIN,
        "System administrator",
        "01632 960471",
        is_staff=True,
    ),
)

# The second authority's staff: the same roles for its own teams and children.
SECOND_ACCOUNTS = (
    _southmere(
        "sw.riverside",
        "Dale",
        "Harrowgate",
        Role.SOCIAL_WORKER,
        "Social worker",
        "01632 961411",
        team=RIVERSIDE_TEAM,
    ),
    _southmere(
        "sw.harbour",
        "Frankie",
        "Lindqvist-Hale",
        Role.SOCIAL_WORKER,
        "Social worker",
        "01632 961412",
        team=HARBOUR_TEAM,
    ),
    _southmere(
        "tm.riverside",
        "Emerson",
        "Blackthorne",
        Role.TEAM_MANAGER,
        "Team manager",
        "01632 961421",
        team=RIVERSIDE_TEAM,
    ),
    _southmere(
        "tm.harbour",
        "Reese",
        "Coldharbour",
        Role.TEAM_MANAGER,
        "Team manager",
        "01632 961422",
        team=HARBOUR_TEAM,
    ),
    _southmere(
        "chair.southmere",
        "Marlow",
        "Vennick",
        Role.CONFERENCE_CHAIR,
        "Independent conference chair",
        "01632 961441",
    ),
    _southmere(
        "sum.southmere",
        "Sidney",
        "Throssell",
        Role.SAFEGUARDING_UNIT_MANAGER,
        "Safeguarding unit manager",
        "01632 961451",
    ),
)
ALL_ACCOUNTS = ACCOUNTS + SECOND_ACCOUNTS

# Which team manager records a team's children, and which worker leads them.
TEAM_MANAGER_FOR = {
    NORTH_TEAM: "tm.north",
    SOUTH_TEAM: "tm.south",
    RIVERSIDE_TEAM: "tm.riverside",
    HARBOUR_TEAM: "tm.harbour",
}
SOCIAL_WORKER_FOR = {
    NORTH_TEAM: "sw.north",
    SOUTH_TEAM: "sw.south",
    RIVERSIDE_TEAM: "sw.riverside",
    HARBOUR_TEAM: "sw.harbour",
}

GIRLS = (
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Freya",
    "Lily",
    "Poppy",
    "Ivy",
    "Florence",
    "Willow",
    "Evie",
    "Rosie",
    "Sophia",
    "Maya",
    "Aisha",
    "Zara",
    "Grace",
    "Millie",
    "Ruby",
    "Esme",
)
BOYS = (
    "Noah",
    "Oliver",
    "George",
    "Leo",
    "Arthur",
    "Oscar",
    "Harry",
    "Theo",
    "Jack",
    "Freddie",
    "Alfie",
    "Finley",
    "Archie",
    "Henry",
    "Yusuf",
    "Ibrahim",
    "Reuben",
    "Toby",
    "Louie",
    "Kai",
)
ADULT_WOMEN = (
    "Chloe",
    "Jade",
    "Gemma",
    "Kayleigh",
    "Stacey",
    "Leanne",
    "Danielle",
    "Nadia",
    "Shannon",
    "Bethany",
    "Priya",
    "Lauren",
)
ADULT_MEN = (
    "Dean",
    "Lee",
    "Craig",
    "Ryan",
    "Liam",
    "Wayne",
    "Jamal",
    "Kieran",
    "Darren",
    "Marcus",
    "Scott",
    "Adam",
)
# Invented surnames: ordinary-sounding, and checked not to be in common use.
SURNAMES = (
    "Ashbury",
    "Brennock",
    "Caldwyn",
    "Dunmore",
    "Elsworth",
    "Farrowby",
    "Galloway-Pike",
    "Harcastle",
    "Inchley",
    "Jessamy",
    "Kettleby",
    "Lowestone",
    "Marlowe-Finch",
    "Nettleford",
    "Orrisby",
    "Pendlecombe",
    "Quarrington",
    "Ravensworth",
    "Stainby",
    "Thornaby-Wells",
    "Underhill",
    "Vantage",
    "Wrexley",
    "Yardwell",
)
# Invented streets: the first half in the north of the borough, the second in the south.
NORTH_STREETS = (
    "Fernleigh Road",
    "Hollins Close",
    "Kestrel Way",
    "Larkspur Avenue",
    "Moorcroft Lane",
    "Pennyfold Street",
)
SOUTH_STREETS = (
    "Quayside Walk",
    "Rookery Gardens",
    "Saltmarsh Road",
    "Tanners Row",
    "Willowbank Drive",
    "Yewtree Crescent",
)
# Letters a real inward postcode can end with (never C, I, K, M, O or V).
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Census ethnicity codes, weighted roughly like an English town.
_ETHNICITIES = ("WBRI",) * 10 + ("WOTH", "MWBC", "MWAS", "APKN", "AIND", "BAFR", "BCRB", "NOBT")

# The household shapes: (born children, an unborn baby expected, father or partner at home,
# a grandparent caring). Fifty children in all, four of them unborn.
_HOUSEHOLDS = (
    (3, False, True, False),
    (2, False, True, False),
    (1, True, True, False),
    (4, False, False, True),
    (2, False, False, False),
    (1, False, True, False),
    (2, True, False, False),
    (3, False, True, True),
    (1, False, False, False),
    (2, False, True, False),
    (0, True, True, False),
    (2, False, False, True),
    (3, False, True, False),
    (1, False, False, False),
    (2, False, True, False),
    (1, False, False, True),
    (3, False, False, False),
    (2, False, True, False),
    (0, True, False, False),
    (2, False, True, False),
    (3, False, False, True),
    (1, False, True, False),
    (2, False, False, False),
    (2, False, True, False),
    (1, False, False, False),
)
# The second authority's households: fewer, enough for plans, a transfer and a release.
_SECOND_HOUSEHOLDS = (
    (2, False, True, False),
    (1, False, False, True),
    (2, False, False, False),
    (1, False, True, False),
)
SECOND_NORTH_STREETS = ("Chandlers Quay", "Ropewalk Lane", "Mariners Close")
SECOND_SOUTH_STREETS = ("Beacon Hill Road", "Lighthouse View", "Tidemill Way")


def demo_nhs_numbers(start: int = 500_000) -> Iterator[str]:
    """Valid NHS numbers from the 999 test range, in order, from ``999<start:06d>``.

    The demo starts at 999 500 000x, away from 999 000 000x where the test
    factories begin, so demo data and test data never claim the same number.
    About 900,000 numbers are to be had from 0.
    """
    for n in range(start, 1_000_000):
        candidate = f"999{n:06d}"
        for check in range(10):
            number = candidate + str(check)
            if nhs_number_is_valid(number):
                yield number
                break


def census_year_end(today: dt.date) -> dt.date:
    """The last day (31 March) of the census year running ``today``: its reference date."""
    return dt.date(today.year + 1 if today.month >= 4 else today.year, 3, 31)


def census_due_date_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The due dates the census running ``today`` expects of an unborn child, first and
    last: the DfE's query 8530Q wants them after its reference date less 30 days and
    before it plus 9 months (an unborn child on 31 March is due from March on)."""
    year_end = census_year_end(today)
    return (
        year_end - dt.timedelta(days=29),
        year_end + relativedelta(months=9) - dt.timedelta(days=1),
    )


def due_dates_fit_census(today: dt.date) -> bool:
    """Whether a pregnancy the front door knows of today can be due inside the census's
    window: not from April to mid-September, when every baby known of is due before March
    (and will be born before the census is made)."""
    earliest, _ = census_due_date_window(today)
    return earliest <= today + dt.timedelta(weeks=DUE_IN_WEEKS[1])


def expected_delivery(today: dt.date, weeks: int) -> dt.date:
    """An unborn baby's due date ``weeks`` (within ``DUE_IN_WEEKS``) from today; when that
    falls before the census's window and a later date in ``DUE_IN_WEEKS`` is inside it,
    that later date (spread a few days apart by ``weeks``)."""
    due = today + dt.timedelta(weeks=weeks)
    earliest, _ = census_due_date_window(today)
    if due < earliest and due_dates_fit_census(today):
        last = today + dt.timedelta(weeks=DUE_IN_WEEKS[1])
        due = min(earliest + dt.timedelta(days=3 * (weeks - DUE_IN_WEEKS[0])), last)
    return due


def demo_postcode(rng: random.Random, district: int) -> str:
    """``NB<district> <digit><letter><letter>``: UK postcode syntax, in no real area."""
    return (
        f"NB{district} {rng.randint(1, 9)}"
        f"{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
    )


@dataclass
class DemoPerson:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    kind: str  # a Relationship.Kind value
    parental_responsibility: bool
    lives_with_child: bool
    is_carer: bool
    phone: str = ""


@dataclass
class DemoChild:
    la_child_id: str
    first_name: str
    last_name: str
    sex: str
    ethnicity: str
    nhs_number: str
    date_of_birth: dt.date | None = None
    expected_date_of_delivery: dt.date | None = None
    # The census's codes; None (not recorded) for an unborn baby.
    disabilities: list[str] | None = None
    # A unique pupil number (school age), else the census's reason it is unknown.
    upn: str = ""
    upn_unknown: str = ""


@dataclass
class DemoFamily:
    team: str
    line1: str
    postcode: str
    mother: DemoPerson
    children: list[DemoChild]
    others: list[DemoPerson] = field(default_factory=list)  # father, partner, grandparent


def demo_upn(serial: int, date_of_birth: dt.date) -> str:
    """A made-up UPN with a right check letter: the LA code, a school's number, the
    two-digit year it was issued (the child's fifth year) and a serial."""
    body = f"{UPN_LA_CODE}{2000 + serial % 700:04d}{(date_of_birth.year + 4) % 100:02d}{serial % 1000:03d}"
    return upn_check_letter("X" + body) + body


class _UpnFields(TypedDict):
    upn: str
    upn_unknown: str


def _upn_fields(date_of_birth: dt.date | None, today: dt.date, serial: int) -> _UpnFields:
    if date_of_birth is None:
        return {"upn": "", "upn_unknown": "UN8"}
    age = (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )
    if age >= UPN_FROM_AGE:
        return {"upn": demo_upn(serial, date_of_birth), "upn_unknown": ""}
    return {"upn": "", "upn_unknown": "UN1"}


def demo_families(today: dt.date, *, seed: int = SEED) -> list[DemoFamily]:
    """The fictional families, the same for the same ``seed`` (dates count back from today)."""
    return _families(
        today,
        seed=seed,
        households=_HOUSEHOLDS,
        teams=TEAMS,
        streets=(NORTH_STREETS, SOUTH_STREETS),
        districts=((1, 3), (4, 6)),
        prefix=LA_CHILD_ID_PREFIX,
        nhs_start=500_000,
        phone_start=960500,
        upn_start=1,
    )


def second_authority_families(today: dt.date) -> list[DemoFamily]:
    """The second authority's families (their own NHS numbers, IDs and streets)."""
    return _families(
        today,
        seed=SECOND_SEED,
        households=_SECOND_HOUSEHOLDS,
        teams=SECOND_TEAMS,
        streets=(SECOND_NORTH_STREETS, SECOND_SOUTH_STREETS),
        districts=((7, 8), (8, 9)),
        prefix=SECOND_LA_CHILD_ID_PREFIX,
        nhs_start=600_000,
        phone_start=961500,
        upn_start=501,
    )


@dataclass
class _FamilyMaker:
    """The random source and the running numbers one authority's families share: each
    family takes the next child number, NHS number, UPN serial and phone number."""

    rng: random.Random
    today: dt.date
    prefix: str
    nhs: Iterator[str]
    child_number: Iterator[int]
    upn_serial: Iterator[int]
    disability_profiles: Iterator[tuple[str, ...]]
    phone_number: Iterator[int]

    def la_child_id(self) -> str:
        return f"{self.prefix}{next(self.child_number):04d}"

    def phone(self) -> str:
        return f"01632 {next(self.phone_number)}"

    def mother(self, surname: str, age: int) -> DemoPerson:
        rng = self.rng
        return DemoPerson(
            first_name=rng.choice(ADULT_WOMEN),
            last_name=surname,
            date_of_birth=self.today - dt.timedelta(days=age * 365 + rng.randint(0, 364)),
            kind="mother",
            parental_responsibility=True,
            lives_with_child=True,
            is_carer=True,
            phone=self.phone(),
        )

    def born_children(
        self, count: int, *, surname: str, ethnicity: str, mother_age: int
    ) -> list[DemoChild]:
        rng, today = self.rng, self.today
        children: list[DemoChild] = []
        used_names: set[str] = set()
        oldest = min(mother_age - 17, 16)
        for _ in range(count):
            sex = rng.choice("MF")
            names = [n for n in (BOYS if sex == "M" else GIRLS) if n not in used_names]
            first_name = rng.choice(names)
            used_names.add(first_name)
            age_days = rng.randint(30, max(oldest, 1) * 365 + 300)
            born_on = today - dt.timedelta(days=age_days)
            children.append(
                DemoChild(
                    la_child_id=self.la_child_id(),
                    first_name=first_name,
                    last_name=surname,
                    sex=sex,
                    ethnicity=ethnicity,
                    nhs_number=next(self.nhs),
                    date_of_birth=born_on,
                    disabilities=list(next(self.disability_profiles))
                    if rng.random() < 0.08
                    else ["NONE"],
                    **_upn_fields(born_on, today, next(self.upn_serial)),
                )
            )
        return children

    def unborn_child(self, *, surname: str, ethnicity: str) -> DemoChild:
        return DemoChild(
            la_child_id=self.la_child_id(),
            first_name="",
            last_name=surname,
            sex="U",
            ethnicity=ethnicity,
            nhs_number="",  # an unborn baby has no NHS number yet
            expected_date_of_delivery=expected_delivery(
                self.today, self.rng.randint(*DUE_IN_WEEKS)
            ),
            **_upn_fields(None, self.today, 0),
        )

    def partner(self, *, surname: str, mother_age: int) -> DemoPerson:
        rng = self.rng
        is_father = rng.random() < 0.6
        return DemoPerson(
            first_name=rng.choice(ADULT_MEN),
            last_name=surname if is_father else rng.choice(SURNAMES),
            date_of_birth=self.today - dt.timedelta(days=(mother_age + rng.randint(-2, 6)) * 365),
            kind="father" if is_father else "parents_partner",
            parental_responsibility=is_father,
            lives_with_child=True,
            is_carer=is_father,
            phone=self.phone(),
        )

    def grandparent(self, *, surname: str, mother_age: int) -> DemoPerson:
        rng = self.rng
        return DemoPerson(
            first_name=rng.choice(ADULT_WOMEN[:6]),
            last_name=surname,
            date_of_birth=self.today - dt.timedelta(days=(mother_age + rng.randint(20, 28)) * 365),
            kind="grandparent",
            parental_responsibility=False,
            lives_with_child=False,
            is_carer=True,
            phone=self.phone(),
        )


def _families(
    today: dt.date,
    *,
    seed: int,
    households: tuple[tuple[int, bool, bool, bool], ...],
    teams: tuple[str, str],
    streets: tuple[tuple[str, ...], tuple[str, ...]],
    districts: tuple[tuple[int, int], tuple[int, int]],
    prefix: str,
    nhs_start: int,
    phone_start: int,
    upn_start: int,
) -> list[DemoFamily]:
    rng = random.Random(seed)  # noqa: S311 - made-up data, not security
    maker = _FamilyMaker(
        rng=rng,
        today=today,
        prefix=prefix,
        nhs=demo_nhs_numbers(nhs_start),
        child_number=itertools.count(1),
        upn_serial=itertools.count(upn_start),
        disability_profiles=itertools.cycle(DISABILITY_PROFILES),
        phone_number=itertools.count(phone_start),
    )
    surnames = list(SURNAMES)
    rng.shuffle(surnames)
    families = []
    for index, (born, expecting, partner, grandparent) in enumerate(households):
        # Households alternate between the north and the south of the area.
        side = index % 2
        street = rng.choice(streets[side])
        postcode = demo_postcode(rng, rng.randint(*districts[side]))
        surname = surnames[index % len(surnames)]
        mother_age = rng.randint(19, 41)
        mother = maker.mother(surname, mother_age)
        ethnicity = rng.choice(_ETHNICITIES)
        children = maker.born_children(
            born, surname=surname, ethnicity=ethnicity, mother_age=mother_age
        )
        if expecting:
            children.append(maker.unborn_child(surname=surname, ethnicity=ethnicity))
        others: list[DemoPerson] = []
        if partner:
            others.append(maker.partner(surname=surname, mother_age=mother_age))
        if grandparent:
            others.append(maker.grandparent(surname=surname, mother_age=mother_age))
        families.append(
            DemoFamily(
                team=teams[side],
                line1=f"{rng.randint(1, 120)} {street}",
                postcode=postcode,
                mother=mother,
                children=children,
                others=others,
            )
        )
    return families


def demo_totp_key(username: str) -> str:
    """The published demo key of ``username``, hex (as django-otp stores it)."""
    return hashlib.sha1(f"{DEMO_TOTP_PREFIX}{username}".encode()).hexdigest()  # noqa: S324


def demo_totp_base32(username: str) -> str:
    """The same key as an authenticator app takes it by hand."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode()
