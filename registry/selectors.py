"""Reads of the register: who is on it, the enquirer's search, the log and the figures."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from dateutil.relativedelta import relativedelta
from django.contrib.postgres.search import TrigramSimilarity, TrigramStrictWordSimilarity
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone

from cpcase import access, read_audit
from cpcase.chronology import Event
from cpcase.compiled_query import CompiledQuery
from cpcase.errors import DomainError, NotPermitted
from cpcase.models import Authority, Child, Residence, Team, User
from cpcase.validators import nhs_number_digits, normalise_postcode
from plans.models import Plan
from plans.selectors import historic_plans_of_child, plans_all, plans_of_child
from registry.models import DesignatedManager, Enquiry, HistoricPlanRequest, PossibleMatch

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# Health services expect a child to stay visible for 12 months after a plan ends.
VISIBLE_AFTER_END = dt.timedelta(days=365)
MAX_MATCHES = 20


class Unaccent(Func):
    function = "unaccent"


@dataclass(frozen=True)
class Search:
    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    postcode: str = ""
    nhs_number: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "postcode": self.postcode,
            "nhs_number": self.nhs_number,
        }


def _checked(search: Search) -> Search:
    """Refuse searches that would hand over the register: one-letter terms, or too few."""
    errors: dict[str, list[str]] = {}
    first, last = search.first_name.strip(), search.last_name.strip()
    for field, value in (("first_name", first), ("last_name", last)):
        if value and len(value) < 2:
            errors[field] = ["Enter at least two letters of the name."]
    postcode = ""
    if search.postcode.strip():
        try:
            postcode = normalise_postcode(search.postcode)
        except Exception:
            errors["postcode"] = ["Enter a full UK postcode, like SW1A 1AA."]
    digits = nhs_number_digits(search.nhs_number)
    if search.nhs_number.strip() and not (digits.isdigit() and len(digits) == 10):
        errors["nhs_number"] = ["Enter the 10 digits of the NHS number."]
    if errors:
        raise DomainError(errors=errors)
    given = sum(bool(x) for x in (first or last, search.date_of_birth, postcode))
    if not digits and given < 2:
        raise DomainError(
            errors={
                "search": [
                    "Search by NHS number, or by at least two of: name, date of birth, postcode."
                ]
            }
        )
    return Search(first, last, search.date_of_birth, postcode, digits)


# Two names are close when pg_trgm finds them alike (typo-tolerant, accent-insensitive):
# the similarity of the whole names, or of either name to one whole word of the other
# (so "Smith" is close to "Pendragon-Smith"), at least this much.
NAME_CLOSE = 0.3


def _closeness(field: str, value: str) -> Greatest:
    stored, asked = Unaccent(F(field)), Unaccent(Value(value))
    # (The stubs say str; Django takes any expression for either side.)
    return Greatest(
        TrigramSimilarity(stored, asked),  # type: ignore[arg-type]
        TrigramStrictWordSimilarity(asked, stored),  # type: ignore[arg-type]
        TrigramStrictWordSimilarity(stored, asked),  # type: ignore[arg-type]
    )


def _strong(search: Search) -> Case:
    """A strong match names the child to the enquirer: the NHS number (with a name close,
    when names are given); or both names close; or the surname close with the postcode and
    the date of birth. Anything less that the search finds (the date of birth and one name,
    say) is only a possible match. (The date of birth, postcode and NHS number, when given,
    filter the search exactly.)"""
    first_close, last_close = Q(first_score__gte=NAME_CLOSE), Q(last_score__gte=NAME_CLOSE)
    rules: list[Q] = []
    if search.nhs_number:
        # The NHS number, unless every name given is unlike the child's.
        named = bool(search.first_name or search.last_name)
        rules.append(first_close | last_close if named else Q(pk__isnull=False))
    if search.first_name and search.last_name:
        rules.append(first_close & last_close)
    if search.last_name and search.postcode and search.date_of_birth:
        rules.append(last_close)
    if not rules:
        return Case(default=Value(False), output_field=BooleanField())
    rule = rules[0]
    for other in rules[1:]:
        rule |= other
    return Case(When(rule, then=Value(True)), default=Value(False), output_field=BooleanField())


class _SearchAnnotations(TypedDict):
    first_score: float
    last_score: float
    address_key: str | None
    strong: bool
    # The child's latest plan, if any (for :func:`register_facts`).
    plan_status: str | None
    plan_category: str | None
    plan_ended_on: dt.date | None


if TYPE_CHECKING:
    # A child found by :func:`register_search`, with its closeness and home address.
    SearchedChild = WithAnnotations[Child, _SearchAnnotations]


def register_search(
    search: Search, *, today: dt.date | None = None
) -> tuple[Search, list[SearchedChild]]:
    """Children matching the search, on the register or not (best first), each marked
    ``strong`` or not (:func:`_strong`).

    Names match typo-tolerantly and accent-insensitively (trigram similarity on
    unaccented names); at least one name given must be close, unless the NHS number is
    given. The date of birth, postcode and NHS number match exactly, each narrowing the
    search through its own index first.

    The query (:func:`search_queryset`) is compiled once for each combination of criteria
    given, and run with this search's values (:mod:`cpcase.compiled_query`).
    """
    search = _checked(search)
    shape = tuple(bool(getattr(search, name)) for name in _SEARCH_FIELDS)
    values = {name: getattr(search, name) for name in _SEARCH_FIELDS}
    return search, _compiled_search(shape).run(values)  # type: ignore[return-value]


# The criteria of a search, and the kind of each (the compiled query's markers).
_SEARCH_FIELDS: dict[str, type] = {
    "first_name": str,
    "last_name": str,
    "date_of_birth": dt.date,
    "postcode": str,
    "nhs_number": str,
}


@functools.cache
def _compiled_search(shape: tuple[bool, ...]) -> CompiledQuery[Child]:
    given = {
        name: kind for (name, kind), on in zip(_SEARCH_FIELDS.items(), shape, strict=True) if on
    }

    def build(markers: Mapping[str, Any]) -> QuerySet[Child]:
        return search_queryset(Search(**markers))

    return CompiledQuery(build, given)


def search_queryset(search: Search) -> QuerySet[Child]:
    """The register's search as a queryset, for a search already checked (:func:`_checked`)."""
    qs = Child.objects.all()
    if search.nhs_number:
        qs = qs.filter(nhs_number=search.nhs_number)
    if search.date_of_birth:
        qs = qs.filter(date_of_birth=search.date_of_birth)
    if search.postcode:
        qs = qs.filter(
            residences__moved_out_on__isnull=True, residences__address__postcode=search.postcode
        )
    qs = qs.annotate(
        first_score=_closeness("first_name", search.first_name)
        if search.first_name
        else Value(0.0, output_field=FloatField()),
        last_score=_closeness("last_name", search.last_name)
        if search.last_name
        else Value(0.0, output_field=FloatField()),
    )
    if search.first_name or search.last_name:
        qs = qs.annotate(score=F("first_score") + F("last_score")).order_by("-score", "last_name")
        if not search.nhs_number:  # the NHS number found the child whatever the names
            qs = qs.filter(Q(first_score__gte=NAME_CLOSE) | Q(last_score__gte=NAME_CLOSE))
    home = Residence.objects.filter(child=OuterRef("pk"), moved_out_on__isnull=True)
    latest_plan = plans_of_child(OuterRef("pk")).order_by("-started_on")
    return (
        qs.select_related("responsible_authority", "lead_social_worker")
        .annotate(
            address_key=Subquery(home.values("address__match_key")[:1]),
            strong=_strong(search),
            # What register_facts needs, in the search's own query (one round trip less).
            plan_status=Subquery(latest_plan.values("status")[:1]),
            plan_category=Subquery(latest_plan.values("latest_category")[:1]),
            plan_ended_on=Subquery(latest_plan.values("ended_on")[:1]),
        )
        .distinct()[: MAX_MATCHES * 2]
    )


def register_facts(children: Sequence[SearchedChild], today: dt.date) -> dict[Any, dict[str, Any]]:
    """For each child found by :func:`register_search` that has a plan: on the register?,
    an active plan?, the category, from its latest plan (read with the search)."""
    facts: dict[Any, dict[str, Any]] = {}
    for child in children:
        if child.plan_status is None:
            continue
        active = child.plan_status == Plan.Status.ACTIVE
        ended_on = child.plan_ended_on
        recent = active or (ended_on is not None and ended_on >= today - VISIBLE_AFTER_END)
        facts[child.pk] = {
            "on_register": recent,
            "has_active_plan": active,
            "category": child.plan_category,
        }
    return facts


def minimum_answer(child: Child, facts: dict[str, Any]) -> dict[str, Any]:
    """What an enquirer may know (DOMAIN.md section 2), and nothing else."""
    authority = child.responsible_authority
    case_open = facts["has_active_plan"] or child.lead_social_worker_id is not None
    lead = child.lead_social_worker if case_open else None
    return {
        "child_ref": str(child.pk),
        "name": child.name,
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
        "has_active_plan": facts["has_active_plan"],
        "category": facts["category"],
        "responsible_authority": {
            "name": authority.name,
            "office_phone": authority.office_phone,
            "out_of_hours_phone": authority.out_of_hours_phone,
        },
        "lead_social_worker": {"name": lead.name, "phone": lead.phone} if lead else None,
        "case_open": case_open,
    }


def enquiries_for(*, user: User) -> QuerySet[Enquiry]:
    """The enquiry log of the safeguarding unit manager's own authority: enquiries that
    answered about its children (resident or responsible) or were made by its staff. An
    enquiry that answered about no child, made by partner-agency staff (who belong to no
    authority), concerns no authority's records and stays in every authority's log, so
    that a fishing search is still reviewed."""
    if not access.may_read_enquiry_log(user):
        raise NotPermitted("Only the safeguarding unit manager reads the enquiry log.")
    return (
        Enquiry.objects.filter(enquiry_log_q(user.authority_id))
        .select_related("enquirer", "reviewed_by")
        .order_by("-created_at")
    )


def enquiry_log_q(authority_id: Any) -> Q:
    """The enquiries of an authority's log (see :func:`enquiries_for`), as a filter."""
    ours = Child.objects.filter(
        Q(responsible_authority_id=authority_id) | Q(resident_authority_id=authority_id)
    )
    matches = Enquiry.matched_children.through.objects
    answered = matches.filter(enquiry_id=OuterRef("pk"))
    return (
        Q(pk__in=matches.filter(child_id__in=ours.values("pk")).values("enquiry_id"))
        | Q(enquirer__authority_id=authority_id)
        | (Q(enquirer__authority__isnull=True) & Q(~Exists(answered)))
    )


def enquiries_with_possible_matches(*, user: User) -> QuerySet[Enquiry]:
    """The enquiry log, each enquiry with the possible matches of the unit manager's own
    authority (another authority's are theirs to review, and name children)."""
    return enquiries_for(user=user).prefetch_related(
        Prefetch(
            "possible_matches",
            queryset=_possible_matches_of(user.authority_id).order_by("pk"),
            to_attr="possible_matches_mine",
        )
    )


def _possible_matches_of(authority_id: Any) -> QuerySet[PossibleMatch]:
    if authority_id is None:
        return PossibleMatch.objects.none()
    return PossibleMatch.objects.filter(
        Q(authority_id=authority_id) | Q(child__resident_authority_id=authority_id)
    ).select_related("child", "reviewed_by")


def possible_matches_for(*, user: User) -> QuerySet[PossibleMatch]:
    """Weak matches of enquiries for the safeguarding unit manager to review: those of
    children their authority is responsible for or that live in its area; awaiting a
    review first, then newest first."""
    if not access.may_review_possible_matches(user):
        raise NotPermitted("Only the safeguarding unit manager reviews possible matches.")
    return (
        _possible_matches_of(user.authority_id)
        .select_related("enquiry", "authority")
        .annotate(
            awaiting=Case(
                When(reviewed_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("awaiting", "-enquiry__created_at", "pk")
    )


def register_statistics(*, authority: Authority | None, today: dt.date) -> dict[str, Any]:
    """Children on the register by category, age and team; plans started and ended per
    month over the last year; repeat plans within two years. No authority (a user with
    none): every figure is nought, as every child has a resident authority."""
    current = plans_all().filter(status=Plan.Status.ACTIVE, child__resident_authority=authority)
    by_category = dict(current.values_list("latest_category").annotate(n=Count("pk")))
    by_team = {
        name or "Not allocated": n
        for name, n in current.values_list("child__team__name").annotate(n=Count("pk"))
    }
    ages = _ages(current, today)
    year_ago = today - dt.timedelta(days=365)
    plans = plans_all().filter(child__resident_authority=authority)
    started = _by_month(plans, "started_on", year_ago)
    ended = _by_month(plans, "ended_on", year_ago)
    repeat = _repeat_plans(plans, year_ago)
    return {
        "total": current.count(),
        "by_category": by_category,
        "by_age": ages,
        "by_team": by_team,
        "started_by_month": started,
        "ended_by_month": ended,
        "repeat_plans_within_two_years": repeat,
    }


def _ages(current: QuerySet[Plan], today: dt.date) -> dict[str, int]:
    """The children on these plans by age band, in one query (bands with none left out)."""
    # Age in whole years, counted in the database: under N on ``today`` means born after
    # the day N years before it.
    bands = (("under 1", 1), ("1-4", 5), ("5-9", 10), ("10-15", 16))
    counted = current.aggregate(
        unborn=Count("pk", filter=Q(child__date_of_birth__isnull=True)),
        **{
            f"band{i}": Count(
                "pk",
                filter=Q(child__date_of_birth__gt=today - relativedelta(years=upper))
                & (
                    Q(child__date_of_birth__lte=today - relativedelta(years=bands[i - 1][1]))
                    if i
                    else Q()
                ),
            )
            for i, (_, upper) in enumerate(bands)
        },
        older=Count("pk", filter=Q(child__date_of_birth__lte=today - relativedelta(years=16))),
    )
    return {
        label: counted[key]
        for label, key in (
            ("unborn", "unborn"),
            *((label, f"band{i}") for i, (label, _) in enumerate(bands)),
            ("16+", "older"),
        )
        if counted[key]
    }


def _by_month(plans: QuerySet[Plan], field: str, since: dt.date) -> dict[str, int]:
    """How many plans ``field`` (started or ended) in each month since ``since``."""
    counts = dict(
        plans.filter(**{f"{field}__gte": since})
        .annotate(month=TruncMonth(field))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    return {k.strftime("%Y-%m"): v for k, v in counts.items()}


def _repeat_plans(plans: QuerySet[Plan], since: dt.date) -> int:
    """Plans started since ``since`` within two years of the end of an earlier plan."""
    return (
        plans.filter(started_on__gte=since)
        .filter(
            Exists(
                plans_of_child(OuterRef("child")).filter(
                    ended_on__isnull=False,
                    ended_on__lt=OuterRef("started_on"),
                    ended_on__gte=OuterRef("started_on") - dt.timedelta(days=730),
                )
            )
        )
        .count()
    )


def record_enquiry_reads(
    *, user: User, enquiries: Iterable[Enquiry], summary: str, export: bool = False
) -> None:
    """The children these enquiries found were shown (one query however many enquiries)."""
    by_pk = {e.pk: e for e in enquiries}
    pairs = Enquiry.matched_children.through.objects.filter(enquiry_id__in=list(by_pk))
    read_audit.record_read(
        user=user,
        shown=(
            (child_id, by_pk[enquiry_id])
            for enquiry_id, child_id in pairs.values_list("enquiry_id", "child_id")
        ),
        summary=summary,
        export=export,
    )


def register_entries(
    *,
    user: User,
    q: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    category: str = "",
    team: str = "",
) -> QuerySet[Child]:
    """The safeguarding unit manager's register: children resident in the authority's area
    with an active plan (placed children included), filtered."""
    active = plans_of_child(OuterRef("pk")).filter(status=Plan.Status.ACTIVE)
    qs = (
        access.children_visible_to(user)
        .filter(resident_authority_id=user.authority_id)
        .filter(Exists(active))
        .annotate(
            category=Subquery(active.values("latest_category")[:1]),
            plan_started_on=Subquery(active.values("started_on")[:1]),
            plan_id=Subquery(active.values("pk")[:1]),
            has_active_plan=Value(True),
        )
        .select_related("lead_social_worker", "team", "responsible_authority")
    )
    if q.strip():
        qs = qs.annotate(
            # (The stubs say str; Django takes any expression for either side.)
            score=Greatest(
                TrigramSimilarity(Unaccent(F("last_name")), Unaccent(Value(q.strip()))),  # type: ignore[arg-type]
                TrigramSimilarity(Unaccent(F("first_name")), Unaccent(Value(q.strip()))),  # type: ignore[arg-type]
            )
        ).filter(Q(score__gte=0.3) | Q(last_name__unaccent__icontains=q.strip()))
    if date_of_birth:
        qs = qs.filter(date_of_birth=date_of_birth)
    if postcode.strip():
        try:
            pc = normalise_postcode(postcode)
        except Exception:
            pc = postcode.strip().upper()
        qs = qs.filter(residences__moved_out_on__isnull=True, residences__address__postcode=pc)
    if category:
        qs = qs.filter(plans__status=Plan.Status.ACTIVE, plans__latest_category=category)
    if team:
        qs = qs.filter(team__name=team)
    return qs.order_by("last_name", "first_name").distinct()


def child_has_historic_plans(child_id: Any) -> bool:
    """Whether a plan of the child's has ended (a historic plan to release)."""
    return historic_plans_of_child(child_id).exists()


def historic_plan_requests_for(*, user: User) -> QuerySet[HistoricPlanRequest]:
    """Requests to release historic plans that the user may see: those they made, and (the
    safeguarding unit manager) those addressed to their authority. Awaiting a decision first."""
    if not user.is_authenticated:
        return HistoricPlanRequest.objects.none()
    mine = Q(requested_by=user)
    if access.may_decide_historic_release(user, user.authority_id):
        mine |= Q(originating_authority_id=user.authority_id)
    return (
        HistoricPlanRequest.objects.filter(mine)
        .select_related(
            "child", "requested_by", "requesting_authority", "originating_authority", "decided_by"
        )
        .annotate(
            awaiting=Case(
                When(status=HistoricPlanRequest.Status.REQUESTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("awaiting", "-created_at")
    )


def designated_managers_for(*, user: User) -> QuerySet[DesignatedManager]:
    """The authority's designated managers over time, the current one first."""
    if not access.may_keep_designated_managers(user):
        raise NotPermitted("Only the safeguarding unit manager keeps the designated managers.")
    assert user.authority_id is not None  # noqa: S101 - a unit manager has an authority
    return (
        DesignatedManager.objects.filter(authority_id=user.authority_id)
        .select_related("manager", "recorded_by")
        .order_by("-from_date")
    )


def unit_managers_of(*, authority_id: Any) -> QuerySet[User]:
    """The authority's safeguarding unit managers (who may be its designated manager)."""
    return (
        User.objects.filter(access.register_keepers(), is_active=True, authority_id=authority_id)
        .distinct()
        .order_by("last_name", "first_name")
    )


def authority_team_names(*, user: User) -> list[str]:
    """The names of the teams of the user's authority, for the register's team filter."""
    if user.authority_id is None:
        return []
    return list(
        Team.objects.filter(authority_id=user.authority_id)
        .order_by("name")
        .values_list("name", flat=True)
    )


def historic_releases_granted(user: User) -> list[tuple[Any, Any]]:
    """(child, originating authority) of every release granted to the user's authority that
    has not run out: the gate lets its staff read those records, and no others."""
    if user.authority_id is None:
        return []
    return list(
        HistoricPlanRequest.objects.filter(
            requesting_authority_id=user.authority_id,
            status=HistoricPlanRequest.Status.GRANTED,
            access_until__gt=timezone.now(),
        ).values_list("child_id", "originating_authority_id")
    )


def enquiry_chronology(child: Child) -> Iterator[Event]:
    """Enquiries to the register that found the child, for the chronology."""
    for enquiry in Enquiry.objects.filter(matched_children=child).order_by("created_at"):
        agency = f" ({enquiry.enquirer_agency})" if enquiry.enquirer_agency else ""
        yield Event(
            on=timezone.localdate(enquiry.created_at),
            at=enquiry.created_at,
            kind="register_enquiry",
            title=f"Enquiry to the register by {enquiry.enquirer_name or 'an enquirer'}{agency}",
            detail=enquiry.reason,
            source="registry",
            object_id=str(enquiry.pk),
            recorded_by=enquiry.enquirer_name,
        )
