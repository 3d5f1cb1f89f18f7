"""Background jobs of the register: following up an enquiry after the answer is given."""

from celery import shared_task


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
    from registry.services import enquiry_follow_up

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
    from registry.services import enquiries_follow_up_missed

    return enquiries_follow_up_missed()
