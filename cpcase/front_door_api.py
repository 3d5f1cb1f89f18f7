"""The front door part of the public API (API.md "Front door"): referrals (each opens a
child in need episode), assessments, the child in need plan and the episode's closure.
Thin views over cpcase.front_door; the section 47 enquiries are the conferences'."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cpcase import access, front_door, read_audit
from cpcase.api_support import parse
from cpcase.errors import NotPermitted
from cpcase.models import Assessment, Child, ChildInNeedPlan, Referral
from cpcase.reference import (
    ASSESSMENT_FACTOR_CHOICES,
    CLOSURE_REASON_CHOICES,
    PRIMARY_NEED_CHOICES,
    REFERRAL_SOURCE_CHOICES,
)
from cpcase.validators import TEXT_MAX_LENGTH

ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CHILD_FILTER = OpenApiParameter("child", OpenApiTypes.UUID, description="A child's id.")


class ChildFilter(serializers.Serializer):
    child = serializers.UUIDField(required=False)


def child_filtered(qs: QuerySet[Any], params: Any) -> QuerySet[Any]:
    """A list narrowed to ``?child=`` when given (a bad id is a 400 naming ``child``)."""
    given = {k: v for k, v in params.items() if k == "child" and v.strip()}
    query = parse(ChildFilter, given)
    return qs.filter(child_id=query["child"]) if "child" in query else qs


# --- Referrals ---------------------------------------------------------------------------


class ReferrerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    agency = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ReferralIn(serializers.Serializer):
    child = serializers.UUIDField()
    received_on = serializers.DateField()
    source = serializers.ChoiceField(choices=REFERRAL_SOURCE_CHOICES)
    primary_need = serializers.ChoiceField(
        choices=PRIMARY_NEED_CHOICES,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed unless the referral is NFA.",
    )
    nfa = serializers.BooleanField(default=False)
    next_step = serializers.ChoiceField(choices=Referral.NextStep.choices)
    referrer = ReferrerSerializer(required=False)
    details = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ReferrerOut(serializers.Serializer):
    name = serializers.CharField(source="referrer_name")
    role = serializers.CharField(source="referrer_role")
    agency = serializers.CharField(source="referrer_agency")
    phone = serializers.CharField(source="referrer_phone")


class ReferralOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    referrer = ReferrerOut(source="*")
    is_re_referral = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "child",
            "received_on",
            "source",
            "primary_need",
            "nfa",
            "next_step",
            "referrer",
            "details",
            "closed_on",
            "closure_reason",
            "is_re_referral",
            "created_at",
        ]

    def get_is_re_referral(self, obj: Referral) -> bool:
        known = self.context.get("re_referrals")
        if known is not None:
            return obj.pk in known
        return front_door.is_re_referral(obj)


class ReferralsAPI(read_audit.RecordsReads, ListAPIView):
    serializer_class = ReferralOut
    read_summary = "Listed referrals"

    @extend_schema(parameters=[CHILD_FILTER])
    def get(self, request, *args, **kwargs):
        if not access.may_list_front_door(request.user):
            raise NotPermitted("You do not have access to children's records.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Referral.objects.none()
        qs = front_door.referrals_visible_to(self.request.user).order_by(
            "-received_on", "-created_at", "pk"
        )
        return child_filtered(qs, self.request.query_params)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._re_referrals = front_door.re_referral_ids(page or [])
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["re_referrals"] = getattr(self, "_re_referrals", None)
        return context

    @extend_schema(request=ReferralIn, responses={201: ReferralOut})
    def post(self, request):
        d = parse(ReferralIn, request.data)
        referrer = d.get("referrer") or {}
        referral = front_door.referral_record(
            actor=request.user,
            child_id=d["child"],
            received_on=d["received_on"],
            source=d["source"],
            primary_need=d["primary_need"],
            nfa=d["nfa"],
            next_step=d["next_step"],
            referrer=front_door.ReferrerInput(**referrer),
            details=d["details"],
        )
        return Response(ReferralOut(referral).data, status=status.HTTP_201_CREATED)


class ReferralAPI(APIView):
    @extend_schema(parameters=[ID], responses=ReferralOut)
    def get(self, request, pk):
        referral = front_door.episode_for(user=request.user, referral_id=pk)
        read_audit.record_objects(user=request.user, objects=[referral], summary="Read a referral")
        return Response(ReferralOut(referral).data)


class EpisodeCloseIn(serializers.Serializer):
    closed_on = serializers.DateField()
    reason = serializers.ChoiceField(choices=CLOSURE_REASON_CHOICES)


class ReferralCloseAPI(APIView):
    @extend_schema(parameters=[ID], request=EpisodeCloseIn, responses=ReferralOut)
    def post(self, request, pk):
        referral = front_door.episode_for(user=request.user, referral_id=pk)
        if not access.may_record_front_door(request.user, referral.child):
            raise NotPermitted("You may not close this child's episode.")
        d = parse(EpisodeCloseIn, request.data)
        referral = front_door.episode_close(
            actor=request.user, referral_id=pk, closed_on=d["closed_on"], reason=d["reason"]
        )
        return Response(ReferralOut(referral).data)


# --- Assessments -------------------------------------------------------------------------


class FactorsField(serializers.ListField):
    child = serializers.ChoiceField(choices=ASSESSMENT_FACTOR_CHOICES)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", len(ASSESSMENT_FACTOR_CHOICES))
        super().__init__(**kwargs)


class AssessmentIn(serializers.Serializer):
    child = serializers.UUIDField()
    referral = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The child's open episode if not given.",
    )
    started_on = serializers.DateField()
    authorised_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Given: recorded and authorised in one go (the team manager's alone).",
    )
    factors = FactorsField(required=False, default=list)
    outcome = serializers.ChoiceField(
        choices=Assessment.Outcome.choices, required=False, allow_blank=True, default=""
    )
    summary = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["authorised_on"] is None and attrs["outcome"]:
            raise serializers.ValidationError(
                {"outcome": ["The outcome is given when the assessment is authorised."]}
            )
        return attrs


class AssessmentOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    referral = serializers.UUIDField(source="referral_id")
    factors = serializers.ListField(
        child=serializers.ChoiceField(choices=ASSESSMENT_FACTOR_CHOICES)
    )
    authorised_by = serializers.UUIDField(source="authorised_by_id", allow_null=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "child",
            "referral",
            "started_on",
            "authorised_on",
            "authorised_by",
            "factors",
            "outcome",
            "summary",
            "created_at",
        ]


class AssessmentsAPI(read_audit.RecordsReads, ListAPIView):
    serializer_class = AssessmentOut
    read_summary = "Listed assessments"

    @extend_schema(parameters=[CHILD_FILTER])
    def get(self, request, *args, **kwargs):
        if not access.may_list_front_door(request.user):
            raise NotPermitted("You do not have access to children's records.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Assessment.objects.none()
        qs = front_door.assessments_visible_to(self.request.user).order_by(
            "-started_on", "-created_at", "pk"
        )
        return child_filtered(qs, self.request.query_params)

    @extend_schema(request=AssessmentIn, responses={201: AssessmentOut})
    def post(self, request):
        d = parse(AssessmentIn, request.data)
        if d["authorised_on"] is None:
            assessment = front_door.assessment_record(
                actor=request.user,
                child_id=d["child"],
                referral_id=d["referral"],
                started_on=d["started_on"],
                factors=d["factors"],
                summary=d["summary"],
            )
        else:
            assessment = front_door.assessment_record_authorised(
                actor=request.user,
                child_id=d["child"],
                referral_id=d["referral"],
                started_on=d["started_on"],
                authorised_on=d["authorised_on"],
                factors=d["factors"],
                outcome=d["outcome"],
                summary=d["summary"],
            )
        return Response(AssessmentOut(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentAPI(APIView):
    @extend_schema(parameters=[ID], responses=AssessmentOut)
    def get(self, request, pk):
        assessment = front_door.assessment_for(user=request.user, assessment_id=pk)
        read_audit.record_objects(
            user=request.user, objects=[assessment], summary="Read an assessment"
        )
        return Response(AssessmentOut(assessment).data)


class AuthoriseIn(serializers.Serializer):
    authorised_on = serializers.DateField()
    factors = FactorsField()
    outcome = serializers.ChoiceField(choices=Assessment.Outcome.choices)
    summary = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, allow_null=True, default=None
    )


class AssessmentAuthoriseAPI(APIView):
    @extend_schema(parameters=[ID], request=AuthoriseIn, responses=AssessmentOut)
    def post(self, request, pk):
        assessment = front_door.assessment_for(user=request.user, assessment_id=pk)
        if not access.may_authorise_assessment(request.user, assessment.child):
            raise NotPermitted("Only a team manager of the child's team authorises an assessment.")
        d = parse(AuthoriseIn, request.data)
        assessment = front_door.assessment_authorise(
            actor=request.user,
            assessment_id=pk,
            authorised_on=d["authorised_on"],
            factors=d["factors"],
            outcome=d["outcome"],
            summary=d["summary"],
        )
        return Response(AssessmentOut(assessment).data)


# --- The child in need plan --------------------------------------------------------------


class CinPlanStartIn(serializers.Serializer):
    started_on = serializers.DateField()


class CinPlanEndIn(serializers.Serializer):
    ended_on = serializers.DateField()


class CinPlanOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    referral = serializers.UUIDField(source="referral_id")

    class Meta:
        model = ChildInNeedPlan
        fields = ["id", "child", "referral", "started_on", "ended_on", "created_at"]


def _front_door_child(request: Any, pk: str) -> Child:
    """Who may is answered before what is wrong: a child out of sight is a 404 and one
    the caller may not change a 403, whatever the body."""
    child = access.child_for(request.user, pk)
    if not access.may_record_front_door(request.user, child):
        raise NotPermitted("You may not change this child's child in need plan.")
    return child


class ChildCinPlanAPI(APIView):
    @extend_schema(parameters=[ID], request=CinPlanStartIn, responses={201: CinPlanOut})
    def post(self, request, pk):
        _front_door_child(request, pk)
        d = parse(CinPlanStartIn, request.data)
        plan = front_door.cin_plan_start(
            actor=request.user, child_id=pk, started_on=d["started_on"]
        )
        return Response(CinPlanOut(plan).data, status=status.HTTP_201_CREATED)


class ChildCinPlanEndAPI(APIView):
    @extend_schema(parameters=[ID], request=CinPlanEndIn, responses=CinPlanOut)
    def post(self, request, pk):
        _front_door_child(request, pk)
        d = parse(CinPlanEndIn, request.data)
        plan = front_door.cin_plan_end(actor=request.user, child_id=pk, ended_on=d["ended_on"])
        return Response(CinPlanOut(plan).data)
