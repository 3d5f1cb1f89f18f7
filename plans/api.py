"""The plans part of the public API (API.md)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cpcase import access
from cpcase.api_support import StaffField, parse
from cpcase.errors import NotPermitted
from cpcase.read_audit import RecordsReads
from cpcase.validators import TEXT_MAX_LENGTH
from plans import selectors, services
from plans.models import CoreGroupMeeting, Plan, PlanAction, PlanIssue, PlanVersion
from plans.selectors import DETAIL_FIELDS
from plans.services import DETAIL_LABELS


class IssueOut(serializers.ModelSerializer):
    class Meta:
        model = PlanIssue
        fields = ["id", "description", "risk_type", "desired_outcome", "improvement_required"]


class ActionOut(serializers.ModelSerializer):
    issue = serializers.UUIDField(source="issue_id", allow_null=True)
    responsible_user = serializers.UUIDField(source="responsible_user_id", allow_null=True)

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "issue",
            "description",
            "responsible",
            "responsible_agency",
            "responsible_user",
            "due_on",
            "evidence_of_success",
            "status",
            "rag",
        ]


class PlanOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    lead_social_worker = serializers.UUIDField(source="lead_social_worker_id", allow_null=True)
    issues = IssueOut(many=True)
    actions = ActionOut(many=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "child",
            "status",
            "stage",
            "started_on",
            "ended_on",
            "end_reason",
            "initial_category",
            "latest_category",
            "lead_social_worker",
            "pre_birth",
            "issues",
            "actions",
            "cause_of_harm",
            "short_term_goals",
            "long_term_goals",
            "daily_safety_check",
            "seen_alone_arrangements",
            "seen_with_family_arrangements",
            "contingency_plan",
            "submitted_on",
            "authorised_on",
            "returned_comments",
            "version",
        ]


class PlansAPI(RecordsReads, ListAPIView):
    serializer_class = PlanOut
    read_summary = "Listed plans"

    @extend_schema(parameters=[OpenApiParameter("child", str, description="a child's id")])
    def get(self, request, *args, **kwargs):
        if not access.may_list_plans(request.user):
            raise NotPermitted("Your role has no access to plans.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Plan.objects.none()
        return selectors.plans_visible_to(
            self.request.user, child_id=self.request.query_params.get("child")
        )


class PlanDetailIn(serializers.Serializer):
    """The parts of the detailed plan (PATCH: send only those that change)."""

    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        error_messages={"invalid": "Send back the version as a whole number."},
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in DETAIL_FIELDS:
            fields[name] = serializers.CharField(
                required=False,
                allow_blank=True,
                max_length=TEXT_MAX_LENGTH,
                help_text=DETAIL_LABELS[name].capitalize() + ".",
            )
        return fields


class PlanAPI(APIView):
    @extend_schema(responses=PlanOut)
    def get(self, request, pk):
        return Response(PlanOut(selectors.plan_get_for_view(user=request.user, plan_id=pk)).data)

    @extend_schema(
        request=PlanDetailIn,
        responses={200: PlanOut, 409: OpenApiTypes.OBJECT},
        description="The detailed plan's text, any of its parts. Send back the `version` you "
        "read; a stale version is a 409.",
    )
    def patch(self, request, pk):
        data = request.data if isinstance(request.data, dict) else {}
        serializer = PlanDetailIn(data=data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        # Anything else is the service's to name: "This cannot be changed here."
        changes.update({k: v for k, v in data.items() if k not in serializer.fields})
        plan = services.plan_update_detail(
            actor=request.user, plan_id=pk, version=version, changes=changes
        )
        return Response(PlanOut(plan).data)


class ActionIn(serializers.Serializer):
    issue = serializers.UUIDField(required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    responsible = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    responsible_agency = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    responsible_user = StaffField(required=False, allow_null=True, default=None)
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        error_messages={
            "invalid": "Give the date by which this will be done, like 2027-01-15. "
            "“As soon as possible” or “ongoing” is not a timescale."
        },
    )
    evidence_of_success = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class PlanActionsAPI(APIView):
    @extend_schema(request=ActionIn, responses={201: ActionOut})
    def post(self, request, pk):
        d = parse(ActionIn, request.data)
        action = services.plan_action_add(
            actor=request.user,
            plan_id=pk,
            version=None,
            data=services.ActionInput(
                description=d["description"],
                responsible=d["responsible"],
                due_on=d["due_on"],
                evidence_of_success=d["evidence_of_success"],
                issue_id=d["issue"],
                responsible_agency=d["responsible_agency"],
                responsible_user=d["responsible_user"],
            ),
        )
        return Response(ActionOut(action).data, status=status.HTTP_201_CREATED)


class ProgressIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlanAction.Status.choices)
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ActionProgressAPI(APIView):
    @extend_schema(request=ProgressIn, responses={201: None})
    def post(self, request, pk):
        d = parse(ProgressIn, request.data)
        services.plan_action_progress(
            actor=request.user, action_id=pk, status=d["status"], note=d["note"]
        )
        return Response(status=status.HTTP_201_CREATED)


class VersionIn(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    comments = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class _PlanStepAPI(APIView):
    """A step of the plan's journey (submit, authorise, return): the version sent back, or
    the current one for a client that sends none (API.md's submit and authorise)."""

    def step(self, request, pk, data):
        raise NotImplementedError

    @extend_schema(request=VersionIn, responses=PlanOut)
    def post(self, request, pk):
        d = parse(VersionIn, request.data)
        if d["version"] is None:
            d["version"] = selectors.current_version(request.user, pk)
        return Response(PlanOut(self.step(request, pk, d)).data)


class PlanSubmitAPI(_PlanStepAPI):
    def step(self, request, pk, d):
        return services.plan_submit(actor=request.user, plan_id=pk, version=d["version"])


class PlanAuthoriseAPI(_PlanStepAPI):
    def step(self, request, pk, d):
        return services.plan_authorise(actor=request.user, plan_id=pk, version=d["version"])


class PlanReturnAPI(_PlanStepAPI):
    def step(self, request, pk, d):
        return services.plan_return(
            actor=request.user, plan_id=pk, version=d["version"], comments=d["comments"]
        )


class VersionOut(serializers.ModelSerializer):
    created_by = serializers.UUIDField(source="created_by_id")

    class Meta:
        model = PlanVersion
        fields = ["number", "reason", "created_at", "created_by", "content"]


class PlanVersionsAPI(APIView):
    @extend_schema(responses=VersionOut(many=True))
    def get(self, request, pk):
        return Response(
            VersionOut(selectors.plan_versions(user=request.user, plan_id=pk), many=True).data
        )


class ActionUpdateIn(serializers.Serializer):
    action = serializers.UUIDField()
    status = serializers.ChoiceField(choices=PlanAction.Status.choices)
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class MeetingIn(serializers.Serializer):
    held_on = serializers.DateField()
    attendees = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    notes = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    action_updates = ActionUpdateIn(many=True, required=False, default=list)


class MeetingOut(serializers.ModelSerializer):
    class Meta:
        model = CoreGroupMeeting
        fields = ["id", "held_on", "attendees", "notes", "created_at"]


class CoreGroupMeetingsAPI(APIView):
    @extend_schema(responses=MeetingOut(many=True))
    def get(self, request, pk):
        return Response(
            MeetingOut(selectors.core_group_meetings(user=request.user, plan_id=pk), many=True).data
        )

    @extend_schema(request=MeetingIn, responses={201: MeetingOut})
    def post(self, request, pk):
        d = parse(MeetingIn, request.data)
        meeting = services.core_group_meeting_record(
            actor=request.user,
            plan_id=pk,
            held_on=d["held_on"],
            attendees=d["attendees"],
            notes=d["notes"],
            action_updates=[
                services.ActionProgressInput(u["action"], u["status"], u["note"])
                for u in d["action_updates"]
            ],
        )
        return Response(MeetingOut(meeting).data, status=status.HTTP_201_CREATED)
