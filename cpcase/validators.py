"""Identifiers from DOMAIN.md section 5: NHS number, postcode, LA child ID."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# The longest free text kept in any one field (a plan's part, a visit's observations, a
# reason): generous for the longest honest entry, a bound on any other. Every TextField,
# form field and serializer field of free text says so (tests/core/test_text_limits.py).
TEXT_MAX_LENGTH = 20_000

_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
_LA_CHILD_ID = re.compile(r"^[A-Za-z0-9]{1,20}$")


def nhs_number_digits(value: str) -> str:
    """The digits of an NHS number as typed (spaces and hyphens allowed)."""
    return re.sub(r"[\s-]", "", value or "")


def nhs_number_is_valid(value: str) -> bool:
    digits = nhs_number_digits(value)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def normalise_nhs_number(value: str) -> str:
    """Validate and return the ten digits, or raise ValidationError with a readable message."""
    digits = nhs_number_digits(value)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError("Enter an NHS number of 10 digits, like 999 765 4323.", code="format")
    if not nhs_number_is_valid(digits):
        raise ValidationError(
            "This is not a valid NHS number: the check digit does not match. "
            "Check it against the child's health record.",
            code="check_digit",
        )
    return digits


def format_nhs_number(digits: str) -> str:
    """``9997654323`` as ``999 765 4323``."""
    if not digits or len(digits) != 10:
        return digits or ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code, or ValidationError."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not compact:
        return ""
    if len(compact) < 5 or not _POSTCODE.match(compact):
        raise ValidationError("Enter a real UK postcode, like SW1A 1AA.", code="postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def validate_la_child_id(value: str) -> None:
    if value and not _LA_CHILD_ID.match(value):
        raise ValidationError(
            "The LA child ID can have up to 20 letters and numbers, with no spaces or symbols.",
            code="la_child_id",
        )


_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN = re.compile(r"^[A-Z]\d{11}[0-9ABCDEFGHJKLMNPQRTUVWXYZ]$")


def upn_check_letter(upn: str) -> str:
    """The DfE's check letter of a unique pupil number: characters 2 to 13 weighted 2 to
    13, summed, modulo 23, as a letter (the census's rule 1510). A temporary UPN's
    letter in position 13 counts by its place in the same alphabet."""
    total = 0
    for weight, char in enumerate(upn[1:13], start=2):
        value = int(char) if char.isdigit() else _UPN_CHECK_LETTERS.index(char)
        total += value * weight
    return _UPN_CHECK_LETTERS[total % 23]


def normalise_upn(value: str) -> str:
    """A UPN as stored: 13 characters, upper case, its check letter right."""
    upn = re.sub(r"\s+", "", value or "").upper()
    if not _UPN.match(upn):
        raise ValidationError(
            "A UPN is 13 characters: a check letter, then 11 digits, then a digit or a letter.",
            code="upn",
        )
    if upn_check_letter(upn) != upn[0]:
        raise ValidationError(
            "This UPN's check letter (its first character) is wrong: check the number.",
            code="upn",
        )
    return upn
