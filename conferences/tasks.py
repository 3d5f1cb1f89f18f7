"""Background jobs of the conferences app."""

from celery import shared_task


@shared_task(
    name="conferences.produce_letters",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=240,
)
def produce_letters(conference_id: str) -> int:
    """Produce a finalised conference's letters; safe to run twice (each letter once)."""
    # Imported here: conferences.services.finalise imports this module to queue the task.
    from conferences.services import conference_letters_produce

    return len(conference_letters_produce(conference_id=conference_id))
