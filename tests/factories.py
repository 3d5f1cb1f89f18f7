"""Factories for fictional test data. NHS numbers come from the 999 test range."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.contrib.auth.models import Group

from cpcase.models import Address, Agency, Authority, Child, Person, Residence, Team, User
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
