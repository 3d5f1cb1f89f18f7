"""Factories for fictional test data. NHS numbers come from the 999 test range."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.contrib.auth.models import Group

from cpcase.models import Address, Agency, Authority, Child, Person, Residence, Team, User
from cpcase.running_deadlines import refresh as refresh_running_deadlines
from cpcase.validators import nhs_number_is_valid

TEST_PASSWORD = "correct-horse-battery-staple"


def _nhs_numbers():
    """Valid NHS numbers in the 999 test range, in order."""
    for n in itertools.count(0):
        candidate = f"999{n:06d}"
        for check in range(10):
            number = candidate + str(check)
            if nhs_number_is_valid(number):
                yield number
                break


_NHS = _nhs_numbers()


def next_nhs_number() -> str:
    return next(_NHS)


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{900 + n % 99:03d}")
    name = factory.LazyAttribute(lambda o: f"Testshire {o.code} Council")
    nation = "england"
    office_phone = "01632 960000"
    out_of_hours_phone = "01632 960999"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    authority = factory.SubFactory(AuthorityFactory)
    name = factory.Sequence(lambda n: f"Safeguarding team {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = "other"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = "Tester"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    phone = "01632 960123"
    authority = factory.SubFactory(AuthorityFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get(name=role))
        if create:
            self.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Parent{n}")
    last_name = "Example"
    authority = factory.SubFactory(AuthorityFactory)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    line1 = factory.Sequence(lambda n: f"{n + 1} Imaginary Road")
    town = "Testford"
    postcode = "ZZ1 1ZZ"


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child
        skip_postgeneration_save = True

    first_name = factory.Sequence(lambda n: f"Sam{n}")
    last_name = "Example"
    date_of_birth = dt.date(2018, 5, 17)
    sex = "U"
    nhs_number = factory.LazyFunction(next_nhs_number)
    responsible_authority = factory.SubFactory(AuthorityFactory)
    resident_authority = factory.SelfAttribute("responsible_authority")
    team = None
    lead_social_worker = None

    @factory.post_generation
    def address(self, create, extracted, **kwargs):
        if create and extracted:
            Residence.objects.create(child=self, address=extracted, moved_in_on=dt.date(2024, 1, 1))

    # A new child has no record a deadline depends on, so no running deadline to store:
    # the factories of those records refresh the child's rows, as the services do.


class StrategyDiscussionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conferences.StrategyDiscussion"
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    held_on = dt.date(2026, 12, 14)
    outcome = "s47_enquiry"
    recorded_by = factory.SubFactory(UserFactory)

    # The services refresh the child's stored running deadlines; so do the factories.
    @factory.post_generation
    def running_deadlines(self, create, extracted, **kwargs):
        if create:
            refresh_running_deadlines([self.child_id])


class ConferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conferences.Conference"
        skip_postgeneration_save = True

    kind = "initial"
    status = "finalised"
    scheduled_for = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.held_on or dt.date(2027, 1, 6), dt.time(10), tzinfo=dt.UTC)
    )
    held_on = dt.date(2027, 1, 6)
    chair = factory.SubFactory(UserFactory)

    @factory.post_generation
    def children(self, create, extracted, **kwargs):
        if create and extracted:
            from conferences.models import ConferenceChild

            for child in extracted:
                ConferenceChild.objects.create(
                    conference=self, child=child, next_review_on=kwargs.get("next_review_on")
                )

    # The services refresh the child's stored running deadlines; so do the factories.
    @factory.post_generation
    def running_deadlines(self, create, extracted, **kwargs):
        if create:
            refresh_running_deadlines([s.child_id for s in self.subjects.all()])


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Plan"
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    started_on = dt.date(2027, 1, 6)
    initial_category = "NEG"
    latest_category = "NEG"

    # The services refresh the child's stored running deadlines; so do the factories.
    @factory.post_generation
    def running_deadlines(self, create, extracted, **kwargs):
        if create:
            refresh_running_deadlines([self.child_id])


class CoreGroupMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.CoreGroupMeeting"
        skip_postgeneration_save = True

    plan = factory.SubFactory(PlanFactory)
    held_on = dt.date(2027, 1, 19)
    recorded_by = factory.SubFactory(UserFactory)

    # The services refresh the child's stored running deadlines; so do the factories.
    @factory.post_generation
    def running_deadlines(self, create, extracted, **kwargs):
        if create:
            refresh_running_deadlines([self.plan.child_id])


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "visits.Visit"
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    status = "completed"
    kind = "statutory"
    child_seen = True
    visited_at = dt.datetime(2027, 1, 20, 14, 30, tzinfo=dt.UTC)
    recorded_by = factory.SubFactory(UserFactory)

    # The services refresh the child's stored running deadlines; so do the factories.
    @factory.post_generation
    def running_deadlines(self, create, extracted, **kwargs):
        if create:
            refresh_running_deadlines([self.child_id])
