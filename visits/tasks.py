"""Background jobs of the visits app."""

from celery import shared_task

from visits.services import cannot_visit_notify


@shared_task(
    name="visits.notify_cannot_visit",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
    time_limit=60,
    soft_time_limit=50,
)
def notify_cannot_visit(notice_id: str) -> int:
    return cannot_visit_notify(notice_id=notice_id)
