"""The conference part of the public API (API.md): thin views over the services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from conferences import disagreements, selectors, services, transfers
from conferences.models import (
    Conference,
    ConferenceAttendee,
    Disagreement,
    Letter,
    Section47Enquiry,
    StrategyDiscussion,
    TransferNotice,
)
from cpcase import access
from cpcase.api_support import StaffField, parse
from cpcase.errors import NotPermitted
from cpcase.front_door_api import CHILD_FILTER, child_filtered
from cpcase.read_audit import RecordsReads, record_objects
from cpcase.serializers import AddressSerializer
from cpcase.validators import TEXT_MAX_LENGTH
from plans.models import CORE_GROUP_INTERVAL_MAX, PlanIssue
from plans.services import CoreGroupInput, IssueInput


class StrategyDiscussionIn(serializers.Serializer):
    child = serializers.UUIDField()
    held_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=StrategyDiscussion.Outcome.choices)
    notes = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class StrategyDiscussionOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")

    class Meta:
        model = StrategyDiscussion
        fields = ["id", "child", "held_on", "outcome", "notes", "created_at"]


class StrategyDiscussionsAPI(APIView):
    @extend_schema(request=StrategyDiscussionIn, responses={201: StrategyDiscussionOut})
    def post(self, request):
        data = parse(StrategyDiscussionIn, request.data)
        discussion = services.strategy_discussion_record(
            actor=request.user,
            child_id=data["child"],
            held_on=data["held_on"],
            outcome=data["outcome"],
            notes=data["notes"],
        )
        return Response(StrategyDiscussionOut(discussion).data, status=status.HTTP_201_CREATED)


class InvitationIn(serializers.Serializer):
    """A professional invited: a member of staff by id, or a name with an agency."""

    user = StaffField(required=False, allow_null=True, default=None)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    agency = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class InvitedOut(serializers.Serializer):
    user = serializers.UUIDField(source="user_id", allow_null=True)
    name = serializers.CharField()
    agency = serializers.CharField()
    role = serializers.CharField()
    attendance = serializers.CharField()


class ConferenceIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Conference.Kind.choices)
    children = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)
    scheduled_for = serializers.DateTimeField()
    chair = StaffField()
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    invitations = InvitationIn(many=True, required=False, default=list)


class ConferenceOut(serializers.ModelSerializer):
    children = serializers.SerializerMethodField()
    chair = serializers.UUIDField(source="chair_id")
    attendees = InvitedOut(many=True, read_only=True)

    class Meta:
        model = Conference
        fields = [
            "id",
            "kind",
            "status",
            "children",
            "scheduled_for",
            "venue",
            "chair",
            "attendees",
            "held_on",
            "quorate",
            "finalised_at",
            "version",
        ]

    def get_children(self, obj) -> list[str]:
        return [str(s.child_id) for s in obj.subjects.all()]


class ConferencesAPI(ListAPIView):
    serializer_class = ConferenceOut

    def get(self, request, *args, **kwargs):
        if not access.may_list_conferences(request.user):
            raise NotPermitted("Your role has no access to conferences.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Conference.objects.none()
        return selectors.conferences_visible_to(self.request.user).prefetch_related(
            "subjects", "attendees"
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        selectors.record_conference_reads(
            user=self.request.user, conferences=page, summary="Listed conferences"
        )
        return page

    @extend_schema(request=ConferenceIn, responses={201: ConferenceOut})
    def post(self, request):
        data = parse(ConferenceIn, request.data)
        conference = services.conference_schedule(
            actor=request.user,
            kind=data["kind"],
            child_ids=data["children"],
            scheduled_for=data["scheduled_for"],
            chair=data["chair"],
            venue=data["venue"],
            invitations=[
                services.AttendeeInput(
                    name=i["name"],
                    agency=i["agency"],
                    role=i["role"],
                    user=i["user"],
                    attendance="invited",
                )
                for i in data["invitations"]
            ],
        )
        return Response(ConferenceOut(conference).data, status=status.HTTP_201_CREATED)


class ConferenceAPI(APIView):
    @extend_schema(responses=ConferenceOut)
    def get(self, request, pk):
        conference = selectors.conference_get_for_view(user=request.user, conference_id=pk)
        return Response(ConferenceOut(conference).data)


class IssueIn(serializers.Serializer):
    description = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    risk_type = serializers.ChoiceField(choices=PlanIssue.RiskType.choices)
    desired_outcome = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    improvement_required = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)


class OutlinePlanIn(serializers.Serializer):
    issues = IssueIn(many=True)


class DecisionIn(serializers.Serializer):
    child = serializers.UUIDField()
    decision = serializers.CharField(max_length=20)
    category = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    latest_category = serializers.CharField(
        max_length=3, required=False, allow_blank=True, default=""
    )
    step_down = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="With discontinue: child_in_need, girfec (Scotland) or none.",
    )
    core_group_interval_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=CORE_GROUP_INTERVAL_MAX,
        help_text="With plan: the working days between this child's later core groups, where "
        "the conference sets an interval different from the timescale profile's.",
    )


class AttendeeIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    user = StaffField(required=False, allow_null=True, default=None)
    agency = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendance = serializers.ChoiceField(
        choices=ConferenceAttendee.Attendance.choices, default="attended"
    )
    report_submitted = serializers.BooleanField(default=False)


class ParentIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    person = serializers.UUIDField(required=False, allow_null=True, default=None)
    relationship = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    invited = serializers.BooleanField(default=True)
    attended = serializers.BooleanField(default=False)
    excluded = serializers.BooleanField(default=False)
    exclusion_reason = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    exclusion_explained = serializers.BooleanField(default=False)


class CoreGroupMemberIn(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["professional", "parent_or_carer", "child"], default="professional"
    )
    user = StaffField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    agency = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    person = serializers.UUIDField(required=False, allow_null=True, default=None)

    def to_internal_value(self, data):
        # A bare staff id stands for a professional member.
        if isinstance(data, str):
            data = {"user": data}
        return super().to_internal_value(data)


def _decision_input(x: dict[str, Any]) -> services.DecisionInput:
    return services.DecisionInput(
        child_id=x["child"],
        decision=x["decision"],
        category=x["category"],
        latest_category=x["latest_category"],
        step_down=x["step_down"],
        core_group_interval_days=x["core_group_interval_days"],
    )


def _attendee_input(a: dict[str, Any]) -> services.AttendeeInput:
    return services.AttendeeInput(
        name=a["name"] or (a["user"].name if a["user"] else ""),
        agency=a["agency"],
        role=a["role"],
        user=a["user"],
        attendance=a["attendance"],
        report_submitted=a["report_submitted"],
    )


def _parent_input(p: dict[str, Any]) -> services.ParentInput:
    return services.ParentInput(
        name=p["name"],
        person_id=p["person"],
        relationship=p["relationship"],
        invited=p["invited"],
        attended=p["attended"],
        excluded=p["excluded"],
        exclusion_reason=p["exclusion_reason"],
        exclusion_explained=p["exclusion_explained"],
    )


class OutcomeIn(serializers.Serializer):
    held_on = serializers.DateField()
    attendees = AttendeeIn(many=True, required=False, default=list)
    parents = ParentIn(many=True, required=False, default=list)
    decisions = DecisionIn(many=True)
    outline_plan = OutlinePlanIn(required=False, default=None, allow_null=True)
    lead_social_worker = StaffField(required=False, allow_null=True, default=None)
    core_group = CoreGroupMemberIn(many=True, required=False, default=list)
    unmet_needs = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    reasons = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    next_review_on = serializers.DateField(required=False, allow_null=True, default=None)
    quorate = serializers.BooleanField(required=False, allow_null=True, default=None)
    childs_views = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    views_given = serializers.ChoiceField(
        choices=["", "directly", "advocate", "in_writing", "not_given"], default=""
    )
    parents_informed = serializers.BooleanField(required=False, allow_null=True, default=None)
    parents_not_informed_reason = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    child_informed = serializers.BooleanField(required=False, allow_null=True, default=None)
    child_not_informed_reason = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    dual_plan_justification = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    visit_interval_days = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1
    )

    def to_outcome(self) -> services.OutcomeInput:
        d = self.validated_data
        return services.OutcomeInput(
            held_on=d["held_on"],
            decisions=[_decision_input(x) for x in d["decisions"]],
            attendees=[_attendee_input(a) for a in d["attendees"]],
            parents=[_parent_input(p) for p in d["parents"]],
            outline_plan=[IssueInput(**i) for i in (d["outline_plan"] or {}).get("issues", [])],
            lead_social_worker=d["lead_social_worker"],
            core_group=[
                CoreGroupInput(
                    kind=m["kind"],
                    name=m["name"],
                    user=m["user"],
                    person_id=m["person"],
                    agency=m["agency"],
                )
                for m in d["core_group"]
            ],
            unmet_needs=d["unmet_needs"],
            reasons=d["reasons"],
            next_review_on=d["next_review_on"],
            quorate=d["quorate"],
            childs_views=d["childs_views"],
            views_given=d["views_given"],
            parents_informed=d["parents_informed"],
            parents_not_informed_reason=d["parents_not_informed_reason"],
            child_informed=d["child_informed"],
            child_not_informed_reason=d["child_not_informed_reason"],
            dual_plan_justification=d["dual_plan_justification"],
            visit_interval=(d["visit_interval_days"], "working_days")
            if d["visit_interval_days"]
            else None,
        )


class ConferenceOutcomeAPI(APIView):
    @extend_schema(request=OutcomeIn, responses=ConferenceOut)
    def post(self, request, pk):
        # Who may, before what they sent: the same answer as the outcome page.
        if not access.may_record_outcome(request.user, selectors.conference_for(request.user, pk)):
            raise NotPermitted("Only the conference's chair records its outcome.")
        serializer = OutcomeIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        conference = services.conference_record_outcome(
            actor=request.user, conference_id=pk, data=serializer.to_outcome()
        )
        return Response(ConferenceOut(conference).data)


class ConferenceFinaliseAPI(APIView):
    @extend_schema(request=None, responses=ConferenceOut)
    def post(self, request, pk):
        conference = services.conference_finalise(actor=request.user, conference_id=pk)
        return Response(ConferenceOut(conference).data)


class LetterOut(serializers.ModelSerializer):
    class Meta:
        model = Letter
        fields = ["id", "kind", "recipient", "created_at", "sent_on", "sent_by", "sha256"]


class ConferenceLettersAPI(APIView):
    @extend_schema(responses=LetterOut(many=True))
    def get(self, request, pk):
        letters = selectors.conference_letters(user=request.user, conference_id=pk)
        return Response(LetterOut(letters, many=True).data)


class LetterPdfAPI(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk):
        letter, data = services.letter_pdf(actor=request.user, letter_id=pk)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="letter-{letter.pk}.pdf"'
        return response


# --- Section 47 enquiries (the front door) -----------------------------------------------


class Section47In(serializers.Serializer):
    child = serializers.UUIDField()
    strategy_discussion = serializers.UUIDField(
        help_text="The strategy discussion that decided on the enquiry."
    )
    started_on = serializers.DateField()
    conference_required = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Null while the enquiry runs."
    )
    reason_not_required = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class Section47OutcomeIn(serializers.Serializer):
    conference_required = serializers.BooleanField()
    reason_not_required = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class Section47Out(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    strategy_discussion = serializers.UUIDField(source="strategy_discussion_id")
    referral = serializers.UUIDField(source="referral_id")

    class Meta:
        model = Section47Enquiry
        fields = [
            "id",
            "child",
            "strategy_discussion",
            "referral",
            "started_on",
            "conference_required",
            "reason_not_required",
            "outcome_recorded_on",
            "created_at",
        ]


class Section47EnquiriesAPI(RecordsReads, ListAPIView):
    serializer_class = Section47Out
    read_summary = "Listed section 47 enquiries"

    @extend_schema(parameters=[CHILD_FILTER])
    def get(self, request, *args, **kwargs):
        if not access.may_list_front_door(request.user):
            raise NotPermitted("You do not have access to children's records.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Section47Enquiry.objects.none()
        qs = selectors.section47_enquiries_visible_to(self.request.user).order_by(
            "-started_on", "-created_at", "pk"
        )
        return child_filtered(qs, self.request.query_params)

    @extend_schema(request=Section47In, responses={201: Section47Out})
    def post(self, request):
        d = parse(Section47In, request.data)
        enquiry = services.section47_start(
            actor=request.user,
            child_id=d["child"],
            strategy_discussion_id=d["strategy_discussion"],
            started_on=d["started_on"],
            conference_required=d["conference_required"],
            reason_not_required=d["reason_not_required"],
        )
        return Response(Section47Out(enquiry).data, status=status.HTTP_201_CREATED)


class Section47EnquiryAPI(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses=Section47Out,
    )
    def get(self, request, pk):
        enquiry = selectors.section47_for(user=request.user, enquiry_id=pk)
        record_objects(user=request.user, objects=[enquiry], summary="Read a section 47 enquiry")
        return Response(Section47Out(enquiry).data)


class Section47OutcomeAPI(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request=Section47OutcomeIn,
        responses=Section47Out,
    )
    def post(self, request, pk):
        enquiry = selectors.section47_for(user=request.user, enquiry_id=pk)
        if not access.may_record_front_door(request.user, enquiry.child):
            raise NotPermitted("You may not record this enquiry's outcome.")
        d = parse(Section47OutcomeIn, request.data)
        enquiry = services.section47_record_outcome(
            actor=request.user,
            enquiry_id=pk,
            conference_required=d["conference_required"],
            reason_not_required=d["reason_not_required"],
        )
        return Response(Section47Out(enquiry).data)


# --- Professional disagreements (the statutory guidance) -----------------------------


class DisagreementIn(serializers.Serializer):
    conference = serializers.UUIDField(required=False, allow_null=True, default=None)
    plan = serializers.UUIDField(required=False, allow_null=True, default=None)
    child = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="With a conference about several children: whose plan it is about.",
    )
    what_is_disagreed = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    wanted_instead = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    raised_on = serializers.DateField(required=False, allow_null=True, default=None)


class DisagreementOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    conference = serializers.UUIDField(source="conference_id", allow_null=True)
    plan = serializers.UUIDField(source="plan_id", allow_null=True)
    chair = serializers.UUIDField(source="chair_id", allow_null=True)
    raised_by = serializers.UUIDField(source="raised_by_id")
    resolved_by = serializers.UUIDField(source="resolved_by_id", allow_null=True)

    class Meta:
        model = Disagreement
        fields = [
            "id",
            "child",
            "conference",
            "plan",
            "chair",
            "raised_by",
            "raised_on",
            "what_is_disagreed",
            "wanted_instead",
            "status",
            "outcome",
            "outcome_reasons",
            "resolved_by",
            "resolved_on",
            "created_at",
        ]


class DisagreementsAPI(ListAPIView):
    serializer_class = DisagreementOut

    def get(self, request, *args, **kwargs):
        if not access.may_list_disagreements(request.user):
            raise NotPermitted("Your role has no access to disagreements.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Disagreement.objects.none()
        return disagreements.disagreements_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        disagreements.record_disagreement_reads(
            user=self.request.user,
            disagreements=page if page is not None else queryset,
            summary="Listed professional disagreements",
        )
        return page

    @extend_schema(request=DisagreementIn, responses={201: DisagreementOut})
    def post(self, request):
        data = parse(DisagreementIn, request.data)
        disagreement = disagreements.disagreement_raise(
            actor=request.user,
            conference_id=data["conference"],
            plan_id=data["plan"],
            child_id=data["child"],
            what_is_disagreed=data["what_is_disagreed"],
            wanted_instead=data["wanted_instead"],
            raised_on=data["raised_on"],
        )
        return Response(DisagreementOut(disagreement).data, status=status.HTTP_201_CREATED)


class DisagreementAPI(APIView):
    @extend_schema(responses=DisagreementOut)
    def get(self, request, pk):
        disagreement = disagreements.disagreement_get_for_view(
            user=request.user, disagreement_id=pk
        )
        return Response(DisagreementOut(disagreement).data)


class DisagreementOutcomeIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Disagreement.Outcome.choices)
    reasons = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    resolved_on = serializers.DateField(required=False, allow_null=True, default=None)


class DisagreementOutcomeAPI(APIView):
    @extend_schema(request=DisagreementOutcomeIn, responses=DisagreementOut)
    def post(self, request, pk):
        # Who may, before what they sent (the same answer as the page).
        found = disagreements.disagreement_for(request.user, pk)
        if not access.may_resolve_disagreement(request.user, found.child):
            raise NotPermitted(
                "Only the service leader of the child's responsible authority resolves a "
                "disagreement."
            )
        data = parse(DisagreementOutcomeIn, request.data)
        disagreement = disagreements.disagreement_resolve(
            actor=request.user,
            disagreement_id=pk,
            outcome=data["outcome"],
            reasons=data["reasons"],
            resolved_on=data["resolved_on"],
        )
        return Response(DisagreementOut(disagreement).data)


# --- Transfer-in: notice of a move ----------------------------------------------------


class TransferNoticeIn(serializers.Serializer):
    child = serializers.UUIDField(help_text="The child's id (the register's child_ref).")
    notified_on = serializers.DateField()
    from_authority = serializers.CharField(
        max_length=3, help_text="The code of the authority the child moved from."
    )
    address = AddressSerializer(
        required=False, allow_null=True, default=None, help_text="The new address, if known."
    )


class TransferNoticeOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")
    from_authority = serializers.CharField(source="from_authority.code", default=None)
    authority = serializers.CharField(source="authority.code", default=None)

    class Meta:
        model = TransferNotice
        fields = [
            "id",
            "child",
            "notified_on",
            "from_authority",
            "authority",
            "status",
            "completed_on",
            "created_at",
        ]


class TransferNoticesAPI(APIView):
    @extend_schema(request=TransferNoticeIn, responses={201: TransferNoticeOut})
    def post(self, request):
        if not access.may_record_transfer_notices(request.user):
            raise NotPermitted(
                "Only a safeguarding unit manager or a team manager records a notice of a move."
            )
        data = parse(TransferNoticeIn, request.data)
        notice = transfers.transfer_notice_record(
            actor=request.user,
            child_id=data["child"],
            notified_on=data["notified_on"],
            from_authority=data["from_authority"],
            address=data["address"],
        )
        return Response(TransferNoticeOut(notice).data, status=status.HTTP_201_CREATED)
