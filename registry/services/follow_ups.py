"""Following up an enquiry once it is answered: telling the lead social workers, the
same-address rule, the cluster alert, and the safety net for follow-ups that never ran."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from cpcase import access
from cpcase.models import Child, Notification, User
from cpcase.services import NotificationRequest, notifications_raise
from plans.models import Plan
from registry.models import Enquiry

CLUSTER_WINDOW = dt.timedelta(days=14)
CLUSTER_SIZE = 3
FOLLOW_UP_GRACE = dt.timedelta(minutes=2)


@transaction.atomic
def enquiry_follow_up(*, enquiry_id: Any) -> int:
    """Tell the people an enquiry concerns, once: the lead social worker of each child found
    on the register, the lead social worker of any child with a plan at the same address as
    a child asked about, and (three or more enquiries about one child in 14 days) the
    safeguarding unit managers and the lead social worker. A fixed handful of queries,
    however many children were found. Safe to run twice (the task and the safety net):
    the enquiry is locked and marked, and each notification has its own key."""
    enquiry = (
        Enquiry.objects.select_for_update()
        .filter(pk=enquiry_id, followed_up_at__isnull=True)
        .first()
    )
    if enquiry is None:
        return 0  # followed up already
    asked = {a["child"]: a for a in enquiry.asked_about}
    matched = Enquiry.matched_children.through.objects.filter(
        enquiry_id=enquiry.pk, child_id=OuterRef("pk")
    )
    found = {
        str(c.pk): c
        for c in Child.objects.filter(pk__in=list(asked))
        .only(
            "first_name",
            "last_name",
            "date_of_birth",
            "lead_social_worker_id",
            "responsible_authority_id",
            "resident_authority_id",
        )
        .annotate(on_register=Exists(matched))
    }
    children = [found[pk] for pk in asked if pk in found]
    on_register = [c for c in children if c.on_register]
    requests = _follow_up(enquiry, children, on_register)
    enquiry.told = sorted({str(r.recipient_id) for r in requests})
    requests += _cluster_alerts(enquiry, on_register)
    notifications_raise(requests=requests)
    enquiry.followed_up_at = timezone.now()
    enquiry.save(update_fields=["told", "followed_up_at"])
    return len(requests)


def enquiries_follow_up_missed(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The safety net (Celery beat): follow up enquiries whose queued follow-up never ran
    (the broker was down, or a worker was lost), oldest first."""
    before = (now or timezone.now()) - FOLLOW_UP_GRACE
    pending = list(
        Enquiry.objects.filter(followed_up_at__isnull=True, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pending:
        enquiry_follow_up(enquiry_id=pk)
    return len(pending)


def _enquirer(enquiry: Enquiry) -> str:
    return (
        f"{enquiry.enquirer_name} ({enquiry.enquirer_role}, {enquiry.enquirer_agency}, "
        f"{enquiry.enquirer_phone})"
    )


def _follow_up(
    enquiry: Enquiry, children: Sequence[Child], on_register: Sequence[Child]
) -> list[NotificationRequest]:
    """The lead social worker of each child found, and of any child with a plan living at
    the same address as a child asked about (one query for all the addresses)."""
    who = _enquirer(enquiry)
    return [
        *_lead_social_workers_told(enquiry, on_register, who),
        *_same_address_told(enquiry, children, who),
    ]


def _lead_social_workers_told(
    enquiry: Enquiry, on_register: Sequence[Child], who: str
) -> list[NotificationRequest]:
    """The lead social worker of each child found on the register."""
    return [
        NotificationRequest(
            recipient_id=child.lead_social_worker_id,
            kind=Notification.Kind.REGISTER_ENQUIRY,
            title="An enquiry of the register about a child you are lead social worker for",
            body=f"{child.name}: {who} asked because: {enquiry.reason}",
            url=reverse("child-detail", args=[child.pk]),
            child_id=child.pk,
            dedupe_key=f"enquiry:{enquiry.pk}:child:{child.pk}",
        )
        for child in on_register
        if child.lead_social_worker_id
    ]


def _same_address_told(
    enquiry: Enquiry, children: Sequence[Child], who: str
) -> list[NotificationRequest]:
    """The lead social worker of any child with a plan living at the same address as a
    child asked about (one query for all the addresses)."""
    by_pk = {str(c.pk): c for c in children}
    asked_at = {
        a["address"]: by_pk[a["child"]]
        for a in enquiry.asked_about
        if a.get("address") and a["child"] in by_pk
    }
    if not asked_at:
        return []
    neighbours = (
        Child.objects.filter(
            residences__moved_out_on__isnull=True,
            residences__address__match_key__in=list(asked_at),
            plans__status=Plan.Status.ACTIVE,
            lead_social_worker__isnull=False,
        )
        .exclude(pk__in=[a["child"] for a in enquiry.asked_about])
        .values_list(
            "pk",
            "first_name",
            "last_name",
            "lead_social_worker_id",
            "residences__address__match_key",
        )
        .distinct()
    )
    return [
        NotificationRequest(
            recipient_id=lead_id,
            kind=Notification.Kind.REGISTER_ENQUIRY_SAME_ADDRESS,
            title="An enquiry about a child at the same address as a child with a plan",
            body=f"{who} asked about {asked_at[key].name}, who lives at the same address as "
            f"{first} {last}. Reason: {enquiry.reason}",
            url=reverse("child-detail", args=[pk]),
            child_id=pk,
            dedupe_key=f"enquiry:{enquiry.pk}:same_address:{pk}",
        )
        for pk, first, last, lead_id, key in neighbours
    ]


def _cluster_alerts(enquiry: Enquiry, on_register: Sequence[Child]) -> list[NotificationRequest]:
    """Three or more enquiries about one child within 14 days alert the safeguarding unit
    manager and the lead social worker (two queries, however many children)."""
    if not on_register:
        return []
    since = enquiry.created_at - CLUSTER_WINDOW
    counts = {
        row["child_id"]: row["n"]
        for row in Enquiry.matched_children.through.objects.filter(
            child_id__in=[c.pk for c in on_register], enquiry__created_at__gte=since
        )
        .values("child_id")
        .annotate(n=Count("id"))
    }
    clustered = [c for c in on_register if counts.get(c.pk, 0) >= CLUSTER_SIZE]
    if not clustered:
        return []
    managers = _register_keepers_by_authority(clustered)
    requests: list[NotificationRequest] = []
    for child in clustered:
        count = counts[child.pk]
        recipients = {
            *managers.get(child.responsible_authority_id, ()),
            *managers.get(child.resident_authority_id, ()),
            child.lead_social_worker_id,
        } - {None}
        for recipient in recipients:
            requests.append(
                NotificationRequest(
                    recipient_id=recipient,
                    kind=Notification.Kind.REGISTER_ENQUIRY_CLUSTER,
                    title=f"{count} enquiries of the register about one child in 14 days",
                    body=f"{child.name} has been asked about {count} times since {since:%d %B %Y}.",
                    url=reverse("child-detail", args=[child.pk]),
                    child_id=child.pk,
                    dedupe_key=f"enquiry:{enquiry.pk}:cluster:{child.pk}:{recipient}",
                )
            )
    return requests


def _register_keepers_by_authority(children: Sequence[Child]) -> dict[Any, set[Any]]:
    """The safeguarding unit managers of the children's authorities (responsible or
    resident), by authority, in one query."""
    authorities = {
        a for c in children for a in (c.responsible_authority_id, c.resident_authority_id) if a
    }
    managers: dict[Any, set[Any]] = {}
    for pk, authority_id in (
        User.objects.filter(access.register_keepers(), is_active=True, authority_id__in=authorities)
        .values_list("pk", "authority_id")
        .distinct()
    ):
        managers.setdefault(authority_id, set()).add(pk)
    return managers
