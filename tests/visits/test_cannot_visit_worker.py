"""'Cannot visit in time' reaches the service leader at once, through a real worker."""

import pytest
from django.utils import timezone

from cpcase.models import Notification
from tests.support.worker import Worker, wait_for
from visits import services

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_notice_is_delivered_by_the_worker(
    app_on_test_redis, child, social_worker, team_manager, service_leader
):
    worker = Worker("celery")
    try:
        services.cannot_visit_record(
            actor=social_worker,
            child_id=child.pk,
            due_on=timezone.localdate(),
            reason="The family has moved to a refuge; address not yet known.",
        )
        wait_for(
            lambda: Notification.objects.filter(
                recipient=service_leader, kind="cannot_visit"
            ).exists(),
            timeout=60,
            message=f"the service leader's notification; worker log:\n{worker.output()}",
        )
    finally:
        worker.stop()
    assert Notification.objects.filter(recipient=team_manager, kind="cannot_visit").count() == 1
