"""The register answers only about the child asked for.

A strong match (both names close, or the NHS number, or the surname with the postcode and
the date of birth) is answered with the minimum; a weak one (the date of birth and one name,
say) names no child: the enquirer is told to call the duty team, the unit manager reviews it,
and nobody else is told.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from cpcase.models import AuditEvent, Notification
from registry import services
from registry.models import Enquiry, PossibleMatch
from registry.selectors import Search
from registry.services import Enquirer
from tests.factories import AddressFactory, ChildFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
BORN = dt.date(2017, 3, 4)
POLICE = Enquirer(
    name="PC Alex Example",
    agency="Testshire Police",
    role="Response officer",
    phone="01632 960555",
    reference="TP1234",
)
ENQUIRER = {
    "name": "PC Alex Example",
    "agency": "Testshire Police",
    "role": "Response officer",
    "phone": "01632 960555",
}


def _on_plan(authority, social_worker, first, last, born=BORN, postcode="ZZ2 2ZZ", **kw):
    child = ChildFactory(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        responsible_authority=authority,
        lead_social_worker=social_worker,
        address=AddressFactory(line1="4 Invented Row", postcode=postcode),
        **kw,
    )
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=40), latest_category="PHY")
    return child


@pytest.fixture
def kerensa(authority, social_worker):
    """Kerensa Bokatunarth, born 4 March 2017, at ZZ2 2ZZ, with a plan."""
    return _on_plan(authority, social_worker, "Kerensa", "Bokatunarth")


@pytest.fixture
def jago(authority, social_worker):
    """Jago Pendragon-Smith (a double-barrelled surname), born 4 March 2017, with a plan."""
    return _on_plan(authority, social_worker, "Jago", "Pendragon-Smith", postcode="ZZ3 3ZZ")


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """An enquiry, with its follow-up run after the commit as the worker runs it."""

    def _ask(actor, **search):
        with django_capture_on_commit_callbacks(execute=True):
            return services.enquiry_make(
                actor=actor, enquirer=POLICE, reason="Concern for welfare", search=Search(**search)
            )

    return _ask


# --- The rules -------------------------------------------------------------------------

STRONG = "strong"
WEAK = "weak"
NONE = "none"


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        # Both names close, typo-tolerant and accent-insensitive.
        ({"first_name": "Kerensa", "last_name": "Bokatunarth", "date_of_birth": BORN}, STRONG),
        ({"first_name": "Kerenza", "last_name": "Bokatunarth", "date_of_birth": BORN}, STRONG),
        ({"first_name": "Kerensa", "last_name": "Bokatumarth", "date_of_birth": BORN}, STRONG),
        ({"first_name": "Kérensa", "last_name": "Bokatunarth", "postcode": "zz22zz"}, STRONG),
        # The NHS number alone, or with a name that is right.
        ({"nhs_number": "kerensa"}, STRONG),
        ({"nhs_number": "kerensa", "first_name": "Kerensa", "last_name": "Pendragon"}, STRONG),
        # The NHS number with names quite unlike the child's: something is wrong, call.
        ({"nhs_number": "kerensa", "first_name": "Morwenna", "last_name": "Pendragon"}, WEAK),
        # The surname with the postcode and the date of birth.
        ({"last_name": "Bokatunarth", "postcode": "ZZ2 2ZZ", "date_of_birth": BORN}, STRONG),
        # A changed surname (she was Kerensa Pendragon): the first name and date of birth only.
        ({"first_name": "Kerensa", "last_name": "Pendragon", "date_of_birth": BORN}, WEAK),
        (
            {
                "first_name": "Kerensa",
                "last_name": "Pendragon",
                "date_of_birth": BORN,
                "postcode": "ZZ2 2ZZ",
            },
            WEAK,
        ),
        # One name and the date of birth, or a postcode, and no more.
        ({"first_name": "Kerensa", "date_of_birth": BORN}, WEAK),
        ({"last_name": "Bokatunarth", "date_of_birth": BORN}, WEAK),
        ({"last_name": "Bokatunarth", "postcode": "ZZ2 2ZZ"}, WEAK),
        ({"first_name": "Kerensa", "postcode": "ZZ2 2ZZ", "date_of_birth": BORN}, WEAK),
        ({"date_of_birth": BORN, "postcode": "ZZ2 2ZZ"}, WEAK),
        # Neither name close: nothing at all.
        ({"first_name": "Morwenna", "last_name": "Pendragon", "date_of_birth": BORN}, NONE),
        (
            {
                "first_name": "Kerensa",
                "last_name": "Bokatunarth",
                "date_of_birth": BORN.replace(day=5),
            },
            NONE,
        ),
    ],
)
def test_strong_weak_or_nothing(ask, police_enquirer, kerensa, search, expected):
    if search.get("nhs_number") == "kerensa":
        search = {**search, "nhs_number": kerensa.nhs_number}
    enquiry = ask(police_enquirer, **search)
    got = (
        STRONG
        if [m["child_ref"] for m in enquiry.matches] == [str(kerensa.pk)]
        else WEAK
        if enquiry.possible_match_count == 1 and not enquiry.matches
        else NONE
        if not enquiry.matches and not enquiry.possible_match_count
        else f"unexpected: {enquiry.matches} {enquiry.possible_match_count}"
    )
    assert got == expected
    assert (
        enquiry.outcome
        == {
            STRONG: "matched",
            WEAK: "possible_match",
            NONE: "no_match",
        }[expected]
    )


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Jago", "Pendragon-Smith"),
        ("Jago", "Smith"),
        ("Jago", "Pendragon"),
        ("Jago", "Pendragon Smith"),
        ("Jago", "Smyth"),  # one part, one letter off
        ("Jago", "Smith-Trelawny"),  # the enquirer's double-barrelled name shares a part
    ],
)
def test_either_part_of_a_double_barrelled_surname_is_close(
    ask, police_enquirer, jago, first, last
):
    enquiry = ask(police_enquirer, first_name=first, last_name=last, date_of_birth=BORN)
    assert [m["child_ref"] for m in enquiry.matches] == [str(jago.pk)]


def test_a_double_barrelled_name_asked_of_a_child_with_one_part(
    ask, police_enquirer, authority, social_worker
):
    morwenna = _on_plan(authority, social_worker, "Morwenna", "Tregear")
    enquiry = ask(
        police_enquirer, first_name="Morwenna", last_name="Tregear-Jones", date_of_birth=BORN
    )
    assert [m["child_ref"] for m in enquiry.matches] == [str(morwenna.pk)]


def test_names_that_are_not_alike_are_not_close(ask, police_enquirer, authority, social_worker):
    """Short different names (Tom and Tim) are not a typing slip of each other."""
    _on_plan(authority, social_worker, "Tom", "Pascoe")
    enquiry = ask(police_enquirer, first_name="Tim", last_name="Pascoe", date_of_birth=BORN)
    assert enquiry.matches == [] and enquiry.possible_match_count == 1


# --- A weak match names nobody, and nobody is told --------------------------------------


def test_a_different_child_with_the_same_first_name_and_birthday_names_nobody(
    api_as, police_enquirer, kerensa, social_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        r = api_as(police_enquirer).post(
            "/api/v1/register/enquiries/",
            {
                "enquirer": ENQUIRER,
                "reason": "Concern for welfare",
                "search": {
                    "first_name": "Kerensa",
                    "last_name": "Pendragon",
                    "date_of_birth": BORN.isoformat(),
                },
            },
            format="json",
        )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["matches"] == []
    assert body["possible_matches"] == {
        "count": 1,
        "call": {"name": "Northbrook Borough Council", "out_of_hours_phone": "01632 960999"},
    }
    text = json.dumps(body)
    for secret in (
        "Bokatunarth",
        str(kerensa.pk),
        kerensa.nhs_number,
        "PHY",
        social_worker.name,
        social_worker.phone,
        "ZZ2",
    ):
        assert secret not in text
    # Nothing was queued: the lead social worker is not told as if it were their child.
    assert queued == []
    assert not Notification.objects.exists()
    enquiry = Enquiry.objects.get()
    assert enquiry.outcome == "possible_match" and enquiry.told == []
    assert enquiry.followed_up_at is not None and enquiry.matched_children.count() == 0
    # The weak match is kept, linked to the enquiry, for the unit manager.
    (row,) = PossibleMatch.objects.filter(enquiry=enquiry)
    assert row.child_id == kerensa.pk and row.reviewed_at is None
    # The enquiry and the child it touched are in the audit trail.
    event = AuditEvent.objects.get(action="search", object_id=str(enquiry.pk))
    assert event.child_id == kerensa.pk and "possible match" in event.summary


def test_a_strong_and_a_weak_match_together(
    ask, police_enquirer, kerensa, authority, social_worker
):
    other_worker = UserFactory(username="sw.other", authority=authority, roles=["social_worker"])
    pendragon = _on_plan(authority, other_worker, "Kerensa", "Pendragon", postcode="ZZ4 4ZZ")
    enquiry = ask(police_enquirer, first_name="Kerensa", last_name="Pendragon", date_of_birth=BORN)
    assert [m["child_ref"] for m in enquiry.matches] == [str(pendragon.pk)]
    assert enquiry.possible_match_count == 1
    assert "Bokatunarth" not in json.dumps(enquiry.matches)
    # Only the lead social worker of the child asked for is told.
    told = Notification.objects.filter(kind__startswith="register_enquiry")
    assert {(n.recipient_id, n.child_id) for n in told} == {(other_worker.pk, pendragon.pk)}
    assert "Bokatunarth" not in " ".join(n.body + n.title for n in Notification.objects.all())


def test_a_weak_match_is_not_counted_in_a_cluster(
    ask, police_enquirer, kerensa, unit_manager, social_worker
):
    for _ in range(3):
        ask(police_enquirer, first_name="Kerensa", date_of_birth=BORN)
    assert not Notification.objects.exists()
    assert PossibleMatch.objects.count() == 3


def test_a_weak_match_off_the_register_is_nothing(ask, police_enquirer, authority):
    ChildFactory(
        first_name="Kerensa", last_name="Nevis", date_of_birth=BORN, responsible_authority=authority
    )
    enquiry = ask(police_enquirer, first_name="Kerensa", last_name="Pendragon", date_of_birth=BORN)
    assert enquiry.outcome == "no_match" and enquiry.possible_match_count == 0
    assert not PossibleMatch.objects.exists()


@pytest.mark.parametrize(
    ("first_name", "queries"),
    [("Demelza", 3), ("Nobody", 3)],
    ids=["strong-and-weak", "weak-only"],
)
@pytest.mark.parametrize("found", [1, 4])
def test_the_enquiry_is_a_fixed_few_queries_with_possible_matches(
    api_as,
    police_enquirer,
    authority,
    social_worker,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    first_name,
    queries,
    found,
):
    for name in ["Demelza", "Tamsin", "Loveday", "Bryok", "Hedra"][: found + 1]:
        _on_plan(authority, social_worker, name, "Samehouse", postcode="ZZ9 9ZZ")
    body = {
        "enquirer": ENQUIRER,
        "reason": "Welfare",
        "search": {
            "first_name": first_name,
            "last_name": "Samehouse",
            "date_of_birth": BORN.isoformat(),
        },
    }
    # The roles, the search (with each child's latest plan), then in one statement the
    # enquiry, the children matched (when any), the possible matches and the audit events.
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_num_queries(queries),
    ):
        r = api_as(police_enquirer).post("/api/v1/register/enquiries/", body, format="json")
    strong = 1 if first_name == "Demelza" else 0
    assert len(r.json()["matches"]) == strong
    assert r.json()["possible_matches"]["count"] == found + 1 - strong


# --- The unit manager reviews the weak matches -------------------------------------------


@pytest.fixture
def weak(ask, police_enquirer, kerensa):
    ask(police_enquirer, first_name="Kerensa", last_name="Pendragon", date_of_birth=BORN)
    return PossibleMatch.objects.get()


def test_the_unit_manager_reviews_a_possible_match_in_the_api(api_as, unit_manager, weak, kerensa):
    api = api_as(unit_manager)
    listed = api.get("/api/v1/register/possible-matches/").json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert row["child_ref"] == str(kerensa.pk) and row["name"] == "Kerensa Bokatunarth"
    assert row["reviewed_at"] is None and row["enquiry"] == str(weak.enquiry_id)
    log = api.get("/api/v1/register/enquiries/").json()["results"][0]
    assert log["outcome"] == "possible_match" and log["matches"] == []
    assert [m["child_ref"] for m in log["possible_matches"]] == [str(kerensa.pk)]
    assert log["call"]["out_of_hours_phone"] == "01632 960999"
    url = f"/api/v1/register/possible-matches/{weak.pk}/reviewed/"
    bad = api.post(url, {"note": "  "}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()
    weak.refresh_from_db()
    assert weak.reviewed_at is None
    note = "Called PC Example back at 03:10: a different child, born the same day."
    done = api.post(url, {"note": note}, format="json")
    assert done.status_code == 200 and done.json()["review_note"] == note
    weak.refresh_from_db()
    assert weak.reviewed_by == unit_manager and weak.review_note == note
    audited = AuditEvent.objects.get(object_id=str(weak.pk), action="update")
    assert audited.child_id == kerensa.pk and audited.changes["note"] == note
    assert api.post(url, {"note": "again"}, format="json").status_code == 409


def test_who_sees_possible_matches(
    api_as,
    weak,
    social_worker,
    police_enquirer,
    team_manager,
    system_admin,
    other_authority,
):
    other_manager = UserFactory(
        username="sum.south", authority=other_authority, roles=["safeguarding_unit_manager"]
    )
    for persona in (social_worker, police_enquirer, team_manager, system_admin):
        api = api_as(persona)
        assert api.get("/api/v1/register/possible-matches/").status_code == 403
        r = api.post(
            f"/api/v1/register/possible-matches/{weak.pk}/reviewed/", {"note": "x"}, format="json"
        )
        assert r.status_code == 403
    api = api_as(other_manager)
    assert api.get("/api/v1/register/possible-matches/").json()["count"] == 0
    r = api.post(
        f"/api/v1/register/possible-matches/{weak.pk}/reviewed/", {"note": "x"}, format="json"
    )
    assert r.status_code == 404
    for entry in api.get("/api/v1/register/enquiries/").json()["results"]:
        assert entry["possible_matches"] == []
        assert "Bokatunarth" not in json.dumps(entry)
    weak.refresh_from_db()
    assert weak.reviewed_at is None


def test_the_resident_authoritys_unit_manager_reviews_too(
    api_as, ask, police_enquirer, authority, other_authority, social_worker
):
    """A child placed in another authority's area: both unit managers see the weak match."""
    placed = _on_plan(authority, social_worker, "Kerensa", "Bokatunarth")
    placed.resident_authority = other_authority
    placed.save(update_fields=["resident_authority"])
    ask(police_enquirer, first_name="Kerensa", date_of_birth=BORN)
    there = UserFactory(
        username="sum.south", authority=other_authority, roles=["safeguarding_unit_manager"]
    )
    assert api_as(there).get("/api/v1/register/possible-matches/").json()["count"] == 1


# --- The browser ------------------------------------------------------------------------


@pytest.fixture
def web(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_the_enquirer_is_told_to_call_the_duty_team_on_the_page(web, police_enquirer, kerensa):
    r = web(police_enquirer).post(
        "/register/",
        {
            **ENQUIRER,
            "reason": "Concern for welfare",
            "first_name": "Kerensa",
            "last_name": "Pendragon",
            "date_of_birth_0": "4",
            "date_of_birth_1": "3",
            "date_of_birth_2": "2017",
        },
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert "A possible match: call the duty team" in page
    assert "01632 960999" in page and "Northbrook Borough Council" in page
    for secret in ("Bokatunarth", str(kerensa.pk), "PHY", "Has a plan now", "Robin Allocated"):
        assert secret not in page


def test_the_unit_manager_reviews_a_possible_match_on_the_page(
    web, unit_manager, weak, social_worker, police_enquirer
):
    for persona in (social_worker, police_enquirer):
        assert web(persona).get("/register/possible-matches/").status_code == 403
        assert web(persona).get(f"/register/possible-matches/{weak.pk}/").status_code == 403
    client = web(unit_manager)
    listing = client.get("/register/possible-matches/").content.decode()
    assert "Kerensa Bokatunarth" in listing and "To review" in listing
    detail = client.get(f"/register/possible-matches/{weak.pk}/").content.decode()
    assert "01632 960555" in detail and "Pendragon" in detail  # call back; what was asked
    r = client.post(f"/register/possible-matches/{weak.pk}/", {"note": ""})
    assert r.status_code == 200 and "Say what was done" in r.content.decode()
    r = client.post(f"/register/possible-matches/{weak.pk}/", {"note": "Called back: not her."})
    assert r.status_code == 302
    weak.refresh_from_db()
    assert weak.review_note == "Called back: not her."
    assert (
        "Called back: not her."
        in client.get(f"/register/possible-matches/{weak.pk}/").content.decode()
    )
    assert client.get("/register/possible-matches/nonsense/").status_code == 404
    log = client.get("/register/log/").content.decode()
    assert "1 possible match" in log
