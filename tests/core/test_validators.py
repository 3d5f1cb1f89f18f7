"""Identifiers from DOMAIN.md section 5."""

import pytest
from django.core.exceptions import ValidationError

from cpcase.validators import (
    format_nhs_number,
    nhs_number_is_valid,
    normalise_nhs_number,
    normalise_postcode,
    validate_la_child_id,
)
from tests.factories import next_nhs_number


@pytest.mark.parametrize("number", ["9997654323", "999 765 4323", "999-765-4323"])
def test_the_domain_example_nhs_number_is_valid(number):
    assert nhs_number_is_valid(number)
    assert normalise_nhs_number(number) == "9997654323"


@pytest.mark.parametrize("number", ["9997654324", "999765432", "99976543230", "abcdefghij", ""])
def test_bad_nhs_numbers_are_refused(number):
    assert not nhs_number_is_valid(number)
    with pytest.raises(ValidationError):
        normalise_nhs_number(number)


def test_a_check_digit_of_ten_is_invalid():
    # 000000010: weights 10..2 give 2; 11 - 2 = 9... find one whose remainder gives 10.
    for n in range(1000):
        stem = f"999{n:06d}"
        total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
        if 11 - total % 11 == 10:
            assert not any(nhs_number_is_valid(stem + str(d)) for d in range(10))
            return
    pytest.fail("no stem with check digit 10 found")


def test_test_range_generator_gives_valid_999_numbers():
    numbers = [next_nhs_number() for _ in range(20)]
    assert all(n.startswith("999") and nhs_number_is_valid(n) for n in numbers)
    assert len(set(numbers)) == 20


def test_nhs_number_display():
    assert format_nhs_number("9997654323") == "999 765 4323"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("sw1a1aa", "SW1A 1AA"), (" zz1  1zz ", "ZZ1 1ZZ"), ("M1 1AE", "M1 1AE"), ("", "")],
)
def test_postcodes_are_normalised(typed, stored):
    assert normalise_postcode(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "SW1A", "NOT A POSTCODE", "1AA 1AA"])
def test_bad_postcodes_are_refused(typed):
    with pytest.raises(ValidationError, match="postcode"):
        normalise_postcode(typed)


def test_la_child_id():
    validate_la_child_id("ABC123")
    with pytest.raises(ValidationError):
        validate_la_child_id("ABC 123")
    with pytest.raises(ValidationError):
        validate_la_child_id("A" * 21)
