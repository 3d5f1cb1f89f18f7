"""An enquiry's follow-up runs after the answer, in a real worker on Redis: the lead social
worker of the child asked about, and of a child with a plan at the same address, are told."""

import datetime as dt

import pytest
from django.utils import timezone

from cpcase.models import Notification, Residence
from registry import services
from registry.models import Enquiry
from registry.selectors import Search
from registry.services import Enquirer
from tests.factories import AddressFactory, ChildFactory, PlanFactory
from tests.support.worker import Worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()
POLICE = Enquirer(
    name="PC Alex Example",
    agency="Testshire Police",
    role="Response officer",
    phone="01632 960555",
    reference="TP1234",
)


def test_the_worker_tells_the_lead_social_workers(
    app_on_test_redis, child, social_worker, police_enquirer, authority
):
    PlanFactory(child=child, started_on=TODAY - dt.timedelta(days=60))
    neighbour = ChildFactory(
        first_name="Oliver",
        last_name="Neighbour",
        responsible_authority=authority,
        date_of_birth=dt.date(2015, 1, 9),
    )
    home = child.address
    Residence.objects.create(
        child=neighbour, address=AddressFactory(line1=home.line1, postcode=home.postcode)
    )
    worker = Worker("celery")
    try:
        asked = [
            services.enquiry_make(
                actor=police_enquirer,
                enquirer=POLICE,
                reason="Domestic incident reported at the address",
                search=Search(**search),
            )
            for search in (
                {
                    "first_name": child.first_name,
                    "last_name": child.last_name,
                    "date_of_birth": child.date_of_birth,
                },
                {
                    "first_name": "Oliver",
                    "last_name": "Neighbour",
                    "date_of_birth": dt.date(2015, 1, 9),
                },
            )
        ]
        # The answer was given before anyone was told: the enquiries wait for the worker.
        wait_for(
            lambda: (
                Enquiry.objects.filter(
                    pk__in=[e.pk for e in asked], followed_up_at__isnull=False
                ).count()
                == 2
            ),
            timeout=60,
            message=f"the enquiries' follow-up; worker log:\n{worker.output()}",
        )
    finally:
        worker.stop()
    told = Notification.objects.filter(recipient=social_worker)
    assert told.filter(kind="register_enquiry", child_id=child.pk).count() == 1
    same = told.get(kind="register_enquiry_same_address")
    assert "Oliver Neighbour" in same.body and "Testshire Police" in same.body
