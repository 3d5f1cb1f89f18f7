"""Background jobs of the register: following up an enquiry after the answer is given,
and producing the statutory returns."""

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from registry.return_jobs import return_job_fail, return_job_run, return_jobs_resume_stalled
from registry.services import enquiries_follow_up_missed, enquiry_follow_up


@shared_task(
    name="registry.follow_up_enquiry",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
    time_limit=60,
    soft_time_limit=50,
)
def follow_up_enquiry(enquiry_id: str) -> int:
    return enquiry_follow_up(enquiry_id=enquiry_id)


@shared_task(
    name="registry.follow_up_missed_enquiries",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=240,
)
def follow_up_missed_enquiries() -> int:
    """The safety net (beat): enquiries whose queued follow-up never ran."""
    return enquiries_follow_up_missed()


# A database or broker that is briefly away: tried again, with a growing wait.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)


class ReturnJobTask(Task):
    """A return job whose task fails for good (time limit, retries used up, a bug) is
    marked failed with a message a person can read; the details are in the worker's log."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, SoftTimeLimitExceeded):
            message = "The return took too long and was stopped. Start it again later."
        elif isinstance(exc, TRANSIENT_ERRORS):
            message = (
                "The return could not be produced: the database or the queue was unavailable. "
                "Start it again later."
            )
        else:
            message = f"The return could not be produced because of an error (reference {task_id})."
        job_id = args[0] if args else kwargs.get("job_id")
        return_job_fail(job_id=job_id, message=message)


@shared_task(
    base=ReturnJobTask,
    bind=True,
    name="registry.produce_return",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=900,
    soft_time_limit=840,
)
def produce_return(self: Task, job_id: str) -> str:
    """Produce a return job's file; safe to run twice (the file is produced once)."""
    return return_job_run(job_id=job_id, attempt=self.request.id or f"direct:{job_id}")


@shared_task(
    name="registry.resume_stalled_returns",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
    soft_time_limit=100,
)
def resume_stalled_returns() -> int:
    """The safety net (beat): return jobs whose queueing was lost, or whose task died."""
    return return_jobs_resume_stalled()
