"""The statutory returns as background jobs: asked for, produced once, downloaded.

The safeguarding unit manager asks for a return (:func:`return_job_start`); a Celery task
(``registry.produce_return``) runs :func:`return_job_run`, which produces the file once,
as the user who asked and with their permission checked again, committing its progress
as it goes; the file is kept (``ReturnFile``) and each download (:func:`return_job_download`)
serves those same bytes, audited as an export naming every child in it.

A job belongs to its authority: its unit managers see and download it; a unit manager of
another authority is answered 404, and anybody who produces no returns 403.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cpcase import access, read_audit
from cpcase.audit import audit_record
from cpcase.errors import DomainError, NotFound, NotPermitted
from cpcase.models import AuditEvent, User
from cpcase.validators import TEXT_MAX_LENGTH
from registry.models import ReturnFile, ReturnJob
from registry.return_producers import PRODUCERS, ProducedReturn, Progress

FIRST_YEAR = 2000
# How long a running job is left to the task that holds it before another may take it
# over, or the safety net calls it failed: well past the task's hard time limit (15
# minutes, registry.tasks) and the longest wait before a retry (10 minutes).
LEASE = dt.timedelta(minutes=30)
# Queued this long and not started: the queueing was lost (the broker was down).
STALLED = dt.timedelta(minutes=10)


def collection_year(today: dt.date | None = None) -> int:
    """The census year (ending 31 March) that holds ``today``: the current collection."""
    today = today or timezone.localdate()
    return today.year + 1 if today.month >= 4 else today.year


def _producing_authority(user: User) -> uuid.UUID:
    """The authority whose returns ``user`` produces (the unit manager's own)."""
    if not access.may_export_returns(user) or user.authority_id is None:
        raise NotPermitted("Only the safeguarding unit manager produces the returns.")
    return user.authority_id


# --- Selectors ----------------------------------------------------------------------


def return_jobs_for(*, user: User) -> QuerySet[ReturnJob]:
    """The return jobs of the user's authority, newest first (the unit manager's only)."""
    return (
        ReturnJob.objects.filter(authority_id=_producing_authority(user))
        .select_related("requested_by")
        .order_by("-created_at")
    )


def return_job_for(*, user: User, job_id: Any) -> ReturnJob:
    """One of them; another authority's (or none) is not found."""
    jobs = return_jobs_for(user=user)
    pk = access.as_uuid(job_id)
    job = jobs.filter(pk=pk).first() if pk is not None else None
    if job is None:
        raise NotFound("No such return.")
    return job


# --- Services -----------------------------------------------------------------------


def return_job_start(*, actor: User, kind: str, year: int | None = None) -> ReturnJob:
    """Queue a return for the actor's authority; ``year`` defaults to the current
    collection year. The job runs once the asking is committed."""
    authority_id = _producing_authority(actor)
    errors: dict[str, list[str]] = {}
    if kind not in PRODUCERS:
        errors["kind"] = ["Choose the return to produce: the census or Annex A."]
    latest = collection_year()
    if year is None:
        year = latest
    elif not FIRST_YEAR <= year <= latest:
        errors["year"] = [
            f"Give the year the census ends in (31 March), from {FIRST_YEAR} to {latest}."
        ]
    if errors:
        raise DomainError(errors=errors)
    with transaction.atomic():
        job = ReturnJob.objects.create(
            authority_id=authority_id, requested_by=actor, kind=kind, year=year
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=job,
            summary=f"Asked for the {job.get_kind_display()} for the year ending 31 March {year}",
            changes={"kind": kind, "year": year},
        )
        _queue(job.pk)
    return job


def _queue(job_id: uuid.UUID) -> None:
    # registry.tasks imports this module (its tasks run the jobs): a cycle.
    from registry.tasks import produce_return

    # robust: the job is recorded; a broker that is down must not turn that into an error
    # (the safety net queues it again a little later).
    transaction.on_commit(lambda: produce_return.delay(str(job_id)), robust=True)


def return_job_run(*, job_id: Any, attempt: str) -> str:
    """Produce the job's file, once. ``attempt`` names the task running it (its retries
    keep the name). Safe to run twice: a job done or failed is left alone, and so is one
    another task is running; the file is stored under the job's lock, once. Not atomic on
    purpose: the progress is committed as it goes, for the page and the API to show."""
    job = _claim(job_id, attempt)
    if job is None:
        return "skipped"
    try:
        user = User.objects.get(pk=job.requested_by_id)  # as they are now
        if not (access.may_export_returns(user) and user.authority_id == job.authority_id):
            raise NotPermitted(
                f"{user.name} no longer produces the returns of this authority, so the "
                "return was not produced."
            )
        produced = PRODUCERS[job.kind](
            user=user, year=job.year, progress=_progress_of(job.pk, attempt)
        )
    except DomainError as error:
        return_job_fail(job_id=job.pk, message=error.message)
        return ReturnJob.Status.FAILED
    return _store(job.pk, attempt, produced)


@transaction.atomic
def _claim(job_id: Any, attempt: str) -> ReturnJob | None:
    job = ReturnJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status in (ReturnJob.Status.DONE, ReturnJob.Status.FAILED):
        return None
    now = timezone.now()
    if (
        job.status == ReturnJob.Status.RUNNING
        and job.claimed_by != attempt
        and job.started_at is not None
        and job.started_at > now - LEASE
    ):
        return None  # another task is producing it
    job.status = ReturnJob.Status.RUNNING
    job.claimed_by = attempt[:255]
    job.started_at = now
    job.progress = 0
    job.save(update_fields=["status", "claimed_by", "started_at", "progress"])
    return job


def _progress_of(job_id: uuid.UUID, attempt: str) -> Progress:
    def progress(percent: int) -> None:
        # Committed at once (the run is not atomic); 100 is for the stored file alone.
        value = max(0, min(99, int(percent)))
        ReturnJob.objects.filter(
            pk=job_id,
            status=ReturnJob.Status.RUNNING,
            claimed_by=attempt[:255],
            progress__lt=value,
        ).update(progress=value)

    return progress


@transaction.atomic
def _store(job_id: uuid.UUID, attempt: str, produced: ProducedReturn) -> str:
    job = ReturnJob.objects.select_for_update().get(pk=job_id)
    if job.status != ReturnJob.Status.RUNNING or job.claimed_by != attempt[:255]:
        return "skipped"  # finished by another task meanwhile: its file stands
    ReturnFile.objects.create(
        job=job,
        filename=produced.filename[:200],
        content_type=produced.content_type[:200],
        content=produced.content,
        sha256=hashlib.sha256(produced.content).hexdigest(),
        children=sorted(str(pk) for pk in produced.child_ids),
    )
    job.status = ReturnJob.Status.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "progress", "finished_at"])
    return ReturnJob.Status.DONE


@transaction.atomic
def return_job_fail(*, job_id: Any, message: str) -> bool:
    """Mark a job that has not finished as failed, with a message a person can read."""
    job = ReturnJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status in (ReturnJob.Status.DONE, ReturnJob.Status.FAILED):
        return False
    job.status = ReturnJob.Status.FAILED
    job.error = message[:TEXT_MAX_LENGTH]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return True


@dataclasses.dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


def return_job_download(*, actor: User, job_id: Any) -> Download:
    """The job's file as it was produced; each download is an export naming every child
    in it. A job not done yet has no file (not found)."""
    job = return_job_for(user=actor, job_id=job_id)
    file = (
        ReturnFile.objects.filter(job=job).first() if job.status == ReturnJob.Status.DONE else None
    )
    if file is None:
        raise NotFound("The return is not ready yet.")
    what = f"the {job.get_kind_display()} for the year ending 31 March {job.year}"
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            obj=job,
            summary=f"Downloaded {what} ({file.filename})",
            changes={"kind": job.kind, "year": job.year, "children": len(file.children)},
        )
        read_audit.record_children(
            user=actor, children=file.children, summary=f"In {what} (downloaded)", export=True
        )
    return Download(file.filename, file.content_type, bytes(file.content))


def return_jobs_resume_stalled(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """The safety net (Celery beat): queue again the jobs whose queueing was lost, and
    fail those whose task died without saying so (past its hard time limit)."""
    now = now or timezone.now()
    stalled = list(
        ReturnJob.objects.filter(
            status=ReturnJob.Status.QUEUED, created_at__lt=now - STALLED
        ).values_list("pk", flat=True)[:limit]
    )
    for pk in stalled:
        with transaction.atomic():
            _queue(pk)
    for pk in ReturnJob.objects.filter(
        status=ReturnJob.Status.RUNNING, started_at__lt=now - LEASE
    ).values_list("pk", flat=True)[:limit]:
        return_job_fail(
            job_id=pk,
            message="The return was stopped before it finished. Start it again; "
            "if it stops again, tell the service desk.",
        )
    return len(stalled)
