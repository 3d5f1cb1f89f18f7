"""API plumbing shared by every app: one handler for domain errors (pages: cpcase.pagination)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cpcase.errors import DomainError, NotFound
from cpcase.models import User


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = DomainError.from_validation_error(exc)
    if isinstance(exc, NotFound):
        return Response({"detail": exc.message}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DomainError):
        if exc.status_code in (403, 409) and list(exc.errors) == ["non_field_errors"]:
            body = {"detail": exc.message, **exc.errors}
        else:
            body = exc.errors
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    return drf_exception_handler(exc, context)


class StaffField(serializers.PrimaryKeyRelatedField):
    """A member of staff by id; an unknown or inactive id is a 400 that says so.

    Whether they may be chosen for the job (a chair, a lead social worker) is the
    service's to decide.
    """

    default_error_messages = {
        "does_not_exist": "No active member of staff has the id {pk_value}.",
        "incorrect_type": "Give a member of staff's id (a UUID).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise
        except (ValueError, TypeError, DjangoValidationError):
            self.fail("incorrect_type", data_type=type(data).__name__)


def parse(serializer_class, data, **kwargs):
    """Validate request data with a serializer and return its validated data (400 if bad)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
