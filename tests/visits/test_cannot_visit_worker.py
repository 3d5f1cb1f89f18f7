"""'Cannot visit in time' reaches the service leader at once, through a real worker."""

import pytest
from django.utils import timezone

from cpcase.celery import app
from cpcase.models import Notification
from tests.support.worker import Worker, redis_url_for_tests, wait_for
from visits import services

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app_on_test_redis():
    """The application itself publishes to the test Redis, as it does in production."""
    saved = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.broker_transport_options = redis_url_for_tests(), {}
    app.conf.task_always_eager = False
    _reset_connections()
    yield
    app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager = saved
    _reset_connections()


def _reset_connections():
    """Forget pooled broker connections so the next publish uses the current broker_url
    (kombu keeps its pools globally, by connection)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


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
