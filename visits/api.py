"""The visits part of the public API (API.md)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cpcase import access
from cpcase.api_support import parse
from cpcase.errors import NotPermitted
from cpcase.read_audit import RecordsReads
from cpcase.validators import TEXT_MAX_LENGTH
from visits import selectors, services
from visits.models import CannotVisitNotice, Visit


class VisitIn(serializers.Serializer):
    child = serializers.UUIDField()
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)
    child_seen = serializers.BooleanField(default=False)
    seen_alone = serializers.BooleanField(default=False)
    bedroom_seen = serializers.BooleanField(required=False, allow_null=True, default=None)
    others_present = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    observations = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    childs_views = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    analysis = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    notes = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    next_planned_visit_on = serializers.DateField(required=False, allow_null=True, default=None)
    draft = serializers.BooleanField(default=False, help_text="save as a draft, finished later")


class VisitOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    recorded_by = serializers.UUIDField(source="recorded_by_id")
    is_statutory_visit = serializers.BooleanField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "child",
            "status",
            "kind",
            "visited_at",
            "child_seen",
            "seen_alone",
            "bedroom_seen",
            "others_present",
            "location",
            "observations",
            "childs_views",
            "analysis",
            "notes",
            "next_planned_visit_on",
            "is_statutory_visit",
            "recorded_by",
            "created_at",
            "completed_at",
            "version",
        ]


def _input(d) -> services.VisitInput:
    return services.VisitInput(**{k: d[k] for k in services.VISIT_FIELDS})


class VisitsAPI(RecordsReads, ListAPIView):
    serializer_class = VisitOut
    read_summary = "Listed visits"

    @extend_schema(parameters=[OpenApiParameter("child", str, description="a child's id")])
    def get(self, request, *args, **kwargs):
        if not access.may_list_visits(request.user):
            raise NotPermitted("You do not have access to children's visits.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Visit.objects.none()
        return selectors.visits_visible_to(
            self.request.user, child_id=self.request.query_params.get("child")
        )

    @extend_schema(request=VisitIn, responses={201: VisitOut})
    def post(self, request):
        d = parse(VisitIn, request.data)
        visit = services.visit_save(
            actor=request.user, child_id=d["child"], data=_input(d), complete=not d["draft"]
        )
        return Response(VisitOut(visit).data, status=status.HTTP_201_CREATED)


class DraftIn(VisitIn):
    version = serializers.IntegerField()


class VisitAPI(APIView):
    @extend_schema(responses=VisitOut)
    def get(self, request, pk):
        return Response(VisitOut(selectors.visit_get_for_view(user=request.user, visit_id=pk)).data)

    @extend_schema(request=DraftIn, responses=VisitOut)
    def put(self, request, pk):
        """Save a draft again, or complete it (``draft`` false)."""
        d = parse(DraftIn, request.data)
        visit = services.visit_save(
            actor=request.user,
            child_id=d["child"],
            data=_input(d),
            complete=not d["draft"],
            visit_id=pk,
            version=d["version"],
        )
        return Response(VisitOut(visit).data)


class AmendIn(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    changes = serializers.DictField()


class VisitAmendAPI(APIView):
    @extend_schema(request=AmendIn, responses=VisitOut)
    def post(self, request, pk):
        d = parse(AmendIn, request.data)
        # The changes are parsed by the same rules as a new visit.
        current = selectors.visit_get_for_view(user=request.user, visit_id=pk, audit=False)
        merged = {**VisitOut(current).data, **d["changes"], "child": str(current.child_id)}
        parsed = parse(VisitIn, merged)
        changes = {k: parsed[k] for k in d["changes"] if k in services.VISIT_FIELDS}
        unknown = set(d["changes"]) - set(services.VISIT_FIELDS)
        if unknown:
            return Response({f: ["This cannot be amended."] for f in sorted(unknown)}, status=400)
        visit = services.visit_amend(
            actor=request.user,
            visit_id=pk,
            version=d["version"],
            changes=changes,
            reason=d["reason"],
        )
        return Response(VisitOut(visit).data)


class CannotVisitIn(serializers.Serializer):
    child = serializers.UUIDField()
    due_on = serializers.DateField()
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    expected_visit_on = serializers.DateField(required=False, allow_null=True, default=None)


class CannotVisitOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")

    class Meta:
        model = CannotVisitNotice
        fields = ["id", "child", "due_on", "reason", "expected_visit_on", "created_at"]


class CannotVisitAPI(APIView):
    @extend_schema(request=CannotVisitIn, responses={201: CannotVisitOut})
    def post(self, request):
        d = parse(CannotVisitIn, request.data)
        notice = services.cannot_visit_record(
            actor=request.user,
            child_id=d["child"],
            due_on=d["due_on"],
            reason=d["reason"],
            expected_visit_on=d["expected_visit_on"],
        )
        return Response(CannotVisitOut(notice).data, status=status.HTTP_201_CREATED)
