"""What a caller may set on a child, and the checks every write to a child, a person or
an address makes: the plain inputs, validation turned into domain errors, the audited
snapshot, a move to a new address."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cpcase.errors import DomainError
from cpcase.models import Address, Child, Person, Residence
from cpcase.reference import ETHNICITY_CODES
from cpcase.validators import normalise_nhs_number, normalise_postcode

# Plain fields a caller may set on a child.
CHILD_FIELDS = (
    "la_child_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "expected_date_of_delivery",
    "sex",
    "ethnicity",
    "nhs_number",
    "upn",
    "upn_unknown",
    "disabilities",
    "looked_after",
    "looked_after_since",
    "care_plan_reference",
    "date_of_death",
)
_TEXT_FIELDS = frozenset(
    {
        "la_child_id",
        "first_name",
        "last_name",
        "sex",
        "ethnicity",
        "nhs_number",
        "upn",
        "upn_unknown",
        "care_plan_reference",
    }
)
ALLOCATION_FIELDS = ("lead_social_worker", "team")
RELATION_FIELDS = ("responsible_authority", "resident_authority", "mother")
ALL_CHILD_FIELDS = (*CHILD_FIELDS, *ALLOCATION_FIELDS, *RELATION_FIELDS, "address")


@dataclass(frozen=True)
class AddressInput:
    line1: str
    town: str
    postcode: str
    line2: str = ""

    def is_same_as(self, address: Address | None) -> bool:
        if address is None:
            return False
        try:
            postcode = normalise_postcode(self.postcode)
        except ValidationError:
            return False
        return (self.line1.strip(), self.line2.strip(), self.town.strip(), postcode) == (
            address.line1,
            address.line2,
            address.town,
            address.postcode,
        )


@dataclass(frozen=True)
class PersonInput:
    first_name: str
    last_name: str
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""


def full_clean(obj: models.Model, *, exclude: list[str] | None = None, prefix: str = "") -> None:
    """``obj.full_clean()``, its errors as a domain error (fields named ``prefix.field``)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    except ValidationError as e:
        raise _prefixed(DomainError.from_validation_error(e), prefix) from e


def _prefixed(error: DomainError, prefix: str) -> DomainError:
    if not prefix:
        return error
    return DomainError(
        errors={
            (k if k == "non_field_errors" else f"{prefix}.{k}"): v for k, v in error.errors.items()
        }
    )


def validate_looked_after(child: Child, *, was_looked_after: bool, changes: dict[str, Any]) -> None:
    """Becoming looked after records since when (a date not in the future, not before the
    birth); no longer looked after clears it. The first review conference after that date
    justifies keeping both plans (conferences.services)."""
    if not child.looked_after:
        child.looked_after_since = None
        return
    if child.looked_after_since is None:
        if was_looked_after and "looked_after_since" not in changes:
            return  # recorded before the date was asked for; not changed now
        raise DomainError(
            errors={"looked_after_since": ["Enter the date the child became looked after."]}
        )
    if child.looked_after_since > timezone.localdate():
        raise DomainError(
            errors={
                "looked_after_since": [
                    "The date the child became looked after cannot be in the future."
                ]
            }
        )
    if child.date_of_birth and child.looked_after_since < child.date_of_birth:
        raise DomainError(
            errors={
                "looked_after_since": [
                    "The date the child became looked after cannot be before the date of birth."
                ]
            }
        )


def address_build(data: AddressInput) -> Address:
    address = Address(
        line1=data.line1.strip(),
        line2=data.line2.strip(),
        town=data.town.strip(),
        postcode=data.postcode,
    )
    full_clean(address, exclude=["match_key"], prefix="address")
    return address


def child_snapshot(child: Child) -> dict[str, Any]:
    snap = {f: getattr(child, f) for f in CHILD_FIELDS}
    snap.update(
        lead_social_worker=child.lead_social_worker_id,
        team=child.team_id,
        responsible_authority=child.responsible_authority_id,
        resident_authority=child.resident_authority_id,
        mother=child.mother_id,
    )
    address = child.address if child.pk else None
    snap["address"] = str(address) if address else None
    return snap


def changes_apply(child: Child, changes: dict[str, Any]) -> AddressInput | None:
    unknown = set(changes) - set(ALL_CHILD_FIELDS)
    if unknown:
        raise DomainError(
            errors={f: ["This field cannot be changed here."] for f in sorted(unknown)}
        )
    for field in CHILD_FIELDS:
        if field in changes:
            value = changes[field]
            if isinstance(value, str):
                value = value.strip()
            elif value is None and field in _TEXT_FIELDS:
                value = ""
            setattr(child, field, value)
    for field in (*ALLOCATION_FIELDS, *RELATION_FIELDS):
        if field in changes:
            setattr(child, field, changes[field])
    if child.ethnicity and child.ethnicity not in ETHNICITY_CODES:
        raise DomainError(errors={"ethnicity": ["Choose an ethnicity from the census list."]})
    if child.nhs_number:
        # As typed ("999 765 4323") to the ten digits stored, or a message that says why not.
        try:
            child.nhs_number = normalise_nhs_number(child.nhs_number)
        except ValidationError as e:
            raise DomainError(errors={"nhs_number": list(e.messages)}) from e
    return changes.get("address")


def child_move(child: Child, address_input: AddressInput, *, on: dt.date) -> None:
    current = child.current_residence
    if current is not None and address_input.is_same_as(current.address):
        return
    address = address_build(address_input)
    address.save()
    if current is not None:
        current.moved_out_on = max(on, current.moved_in_on or on)
        current.save(update_fields=["moved_out_on"])
    Residence.objects.create(child=child, address=address, moved_in_on=on)


def person_create(child: Child, data: PersonInput, *, prefix: str) -> Person:
    person = Person(
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        date_of_birth=data.date_of_birth,
        phone=data.phone,
        email=data.email,
        authority_id=child.responsible_authority_id,
    )
    full_clean(person, exclude=["authority"], prefix=prefix)
    person.save()
    return person


def mother_for(child: Child, mother: Person | PersonInput | None) -> Person | None:
    if isinstance(mother, PersonInput):
        return person_create(child, mother, prefix="mother")
    return mother
