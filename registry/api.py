"""The register part of the public API (API.md)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cpcase import access
from cpcase.api_support import StaffField, parse
from cpcase.errors import NotPermitted
from cpcase.models import Child
from cpcase.read_audit import RecordsReads
from cpcase.validators import TEXT_MAX_LENGTH
from registry import selectors, services
from registry.annex_a import XLSX, annex_a_list_csv, annex_a_workbook
from registry.models import Enquiry, HistoricPlanRequest, PossibleMatch
from registry.returns import cin_census_xml


class EnquirerIn(serializers.Serializer):
    # The same limits as the register page's form and the enquiry log's columns.
    name = serializers.CharField(allow_blank=True, default="", max_length=200)
    agency = serializers.CharField(allow_blank=True, default="", max_length=200)
    role = serializers.CharField(allow_blank=True, default="", max_length=200)
    phone = serializers.CharField(allow_blank=True, default="", max_length=50)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class SearchIn(serializers.Serializer):
    first_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    postcode = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)
    nhs_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)


class EnquiryIn(serializers.Serializer):
    enquirer = EnquirerIn(required=False, allow_null=True, default=None)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.REASON_MAX_LENGTH
    )
    search = SearchIn(required=False, default=dict)


class CallOut(serializers.Serializer):
    name = serializers.CharField()
    out_of_hours_phone = serializers.CharField()


class PossibleAnswerOut(serializers.Serializer):
    """A weak match names no child: how many, and whom to call."""

    count = serializers.IntegerField()
    call = CallOut(allow_null=True)


class EnquiryOut(serializers.ModelSerializer):
    possible_matches = PossibleAnswerOut(source="possible_answer", read_only=True)

    class Meta:
        model = Enquiry
        fields = ["id", "matches", "possible_matches"]


class PossibleMatchOut(serializers.ModelSerializer):
    """A weak match, for the safeguarding unit manager who reviews it."""

    child_ref = serializers.UUIDField(source="child_id")
    name = serializers.CharField(source="child.name")
    date_of_birth = serializers.DateField(source="child.date_of_birth", allow_null=True)
    reviewed_by = serializers.CharField(source="reviewed_by.name", allow_null=True, default=None)

    class Meta:
        model = PossibleMatch
        fields = [
            "id",
            "child_ref",
            "name",
            "date_of_birth",
            "reviewed_at",
            "reviewed_by",
            "review_note",
        ]


class PossibleMatchReviewOut(PossibleMatchOut):
    enquiry = serializers.UUIDField(source="enquiry_id")

    class Meta(PossibleMatchOut.Meta):
        fields = [*PossibleMatchOut.Meta.fields, "enquiry"]


class EnquiryLogOut(serializers.ModelSerializer):
    enquirer = serializers.SerializerMethodField()
    told = serializers.SerializerMethodField()
    possible_matches = serializers.SerializerMethodField()
    call = CallOut(source="possible_answer.call", allow_null=True, read_only=True)

    class Meta:
        model = Enquiry
        fields = [
            "id",
            "created_at",
            "enquirer",
            "reason",
            "search",
            "outcome",
            "matches",
            "possible_matches",
            "call",
            "told",
            "reviewed_at",
        ]

    def get_enquirer(self, obj) -> dict:
        return {
            "user": str(obj.enquirer_id),
            "name": obj.enquirer_name,
            "agency": obj.enquirer_agency,
            "role": obj.enquirer_role,
            "phone": obj.enquirer_phone,
            "reference": obj.enquirer_reference,
        }

    def get_told(self, obj) -> int:
        return len(obj.told)

    @extend_schema_field(PossibleMatchOut(many=True))
    def get_possible_matches(self, obj) -> list:
        # Only the reader's own authority's (prefetched by the selector).
        return PossibleMatchOut(getattr(obj, "possible_matches_mine", []), many=True).data


class EnquiriesAPI(ListAPIView):
    serializer_class = EnquiryLogOut

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Enquiry.objects.none()
        return selectors.enquiries_with_possible_matches(user=self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        selectors.record_enquiry_reads(
            user=self.request.user, enquiries=page, summary="Read the enquiry log"
        )
        return page

    @extend_schema(request=EnquiryIn, responses={201: EnquiryOut})
    def post(self, request):
        if not access.may_search_register(request.user):
            raise NotPermitted(
                "Only a police or health enquirer, or the safeguarding unit, searches the register."
            )
        serializer = EnquiryIn(data=request.data if isinstance(request.data, dict) else {})
        if not serializer.is_valid():
            # Record the refused attempt too, with what could be read of it.
            raw = request.data if isinstance(request.data, dict) else {}
            services.enquiry_make(
                actor=request.user,
                enquirer=_enquirer_as_given(raw.get("enquirer")),
                reason=str(raw.get("reason", "")),
                search=selectors.Search(),
                refusal=serializer.errors,
            )
        d = serializer.validated_data
        e = d["enquirer"]
        enquiry = services.enquiry_make(
            actor=request.user,
            enquirer=services.Enquirer(**e) if e else None,
            reason=d["reason"],
            search=selectors.Search(**d["search"]),
        )
        return Response(EnquiryOut(enquiry).data, status=status.HTTP_201_CREATED)


def _enquirer_as_given(raw: object) -> services.Enquirer | None:
    """The enquirer's details as sent, for the log of a refused enquiry (cut to fit there)."""
    if not isinstance(raw, dict):
        return None
    return services.Enquirer(
        **{f: str(raw.get(f) or "") for f in ("name", "agency", "role", "phone", "reference")}
    )


class EnquiryReviewedAPI(APIView):
    @extend_schema(request=None, responses=EnquiryLogOut)
    def post(self, request, pk):
        return Response(
            EnquiryLogOut(services.enquiry_mark_reviewed(actor=request.user, enquiry_id=pk)).data
        )


class PossibleMatchesAPI(RecordsReads, ListAPIView):
    """Weak matches of enquiries for the safeguarding unit manager to review."""

    serializer_class = PossibleMatchReviewOut
    read_summary = "Listed possible matches of register enquiries"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return PossibleMatch.objects.none()
        return selectors.possible_matches_for(user=self.request.user)


class PossibleMatchReviewIn(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, max_length=4000)


class PossibleMatchReviewedAPI(APIView):
    @extend_schema(request=PossibleMatchReviewIn, responses=PossibleMatchReviewOut)
    def post(self, request, pk):
        if not access.may_review_possible_matches(request.user):  # who, before what was sent
            raise NotPermitted("Only the safeguarding unit manager reviews possible matches.")
        d = parse(PossibleMatchReviewIn, request.data)
        row = services.possible_match_review(
            actor=request.user, possible_match_id=pk, note=d["note"]
        )
        return Response(PossibleMatchReviewOut(row).data)


class EnquiryExportAPI(APIView):
    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request):
        response = HttpResponse(
            services.enquiries_export(actor=request.user), content_type="text/csv"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="enquiry-log-{timezone.localdate()}.csv"'
        )
        return response


class RegisterEntryOut(serializers.Serializer):
    child = serializers.UUIDField(source="pk")
    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    plan_started_on = serializers.DateField(allow_null=True)
    has_active_plan = serializers.BooleanField()
    lead_social_worker = serializers.CharField(
        source="lead_social_worker.name", allow_null=True, default=None
    )
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    responsible_authority = serializers.CharField(source="responsible_authority.code")


class RegisterAPI(RecordsReads, ListAPIView):
    """The safeguarding unit manager's view of the current register."""

    serializer_class = RegisterEntryOut
    read_summary = "Read the register"

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="name (typo-tolerant)"),
            OpenApiParameter("date_of_birth", str),
            OpenApiParameter("postcode", str),
            OpenApiParameter("category", str),
            OpenApiParameter("team", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Child.objects.none()
        user = self.request.user
        if not access.may_keep_register(user):
            raise NotPermitted("Only the safeguarding unit manager reads the register.")
        params = parse(RegisterFilterIn, self.request.query_params)
        return selectors.register_entries(user=user, **params)


class RegisterFilterIn(serializers.Serializer):
    q = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    postcode = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    category = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    team = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class StatisticsAPI(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        if not access.may_read_register_figures(request.user):
            raise NotPermitted("Only the safeguarding unit manager reads the register's figures.")
        return Response(
            selectors.register_statistics(
                authority=request.user.authority, today=timezone.localdate()
            )
        )


class ReleaseIn(serializers.Serializer):
    child = serializers.UUIDField()
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    parents_told = serializers.BooleanField()
    parents_not_told_reason = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ReleaseOut(serializers.ModelSerializer):
    child = serializers.UUIDField(source="child_id")

    class Meta:
        model = HistoricPlanRequest
        fields = [
            "id",
            "child",
            "status",
            "reason",
            "parents_told",
            "parents_not_told_reason",
            "decision_reason",
            "decided_at",
            "access_until",
            "created_at",
        ]


class ReleasesAPI(APIView):
    @extend_schema(request=ReleaseIn, responses={201: ReleaseOut})
    def post(self, request):
        if not access.may_request_historic_plans(request.user):  # who, before what was sent
            raise NotPermitted("A social worker of the receiving authority makes this request.")
        if isinstance(request.data, dict) and request.data.get("child"):
            access.child_for(request.user, request.data["child"])  # unseen: 404, as the page
        d = parse(ReleaseIn, request.data)
        req = services.historic_plan_request(
            actor=request.user,
            child_id=d["child"],
            reason=d["reason"],
            parents_told=d["parents_told"],
            parents_not_told_reason=d["parents_not_told_reason"],
        )
        return Response(ReleaseOut(req).data, status=status.HTTP_201_CREATED)


class ReleaseDecisionIn(serializers.Serializer):
    grant = serializers.BooleanField()
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True)
    days = serializers.IntegerField(required=False, default=30)


class ReleaseDecisionAPI(APIView):
    @extend_schema(request=ReleaseDecisionIn, responses=ReleaseOut)
    def post(self, request, pk):
        d = parse(ReleaseDecisionIn, request.data)
        req = services.historic_plan_decide(
            actor=request.user, request_id=pk, grant=d["grant"], reason=d["reason"], days=d["days"]
        )
        return Response(ReleaseOut(req).data)


class ReleasedPlanOut(serializers.Serializer):
    plan = serializers.UUIDField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField()
    versions = serializers.ListField(child=serializers.DictField())


class ReleasedPlansAPI(APIView):
    @extend_schema(responses=ReleasedPlanOut(many=True))
    def get(self, request, pk):
        return Response(services.historic_plans_read(actor=request.user, request_id=pk))


class DesignatedManagerIn(serializers.Serializer):
    manager = StaffField()
    from_date = serializers.DateField()
    department_notified_on = serializers.DateField(required=False, allow_null=True, default=None)


class DesignatedManagersAPI(APIView):
    @extend_schema(request=DesignatedManagerIn, responses={201: None})
    def post(self, request):
        d = parse(DesignatedManagerIn, request.data)
        entry = services.designated_manager_set(actor=request.user, **d)
        return Response({"id": str(entry.pk)}, status=status.HTTP_201_CREATED)


class ReturnYearIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class CinCensusAPI(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True)],
        responses={(200, "application/xml"): str},
    )
    def get(self, request):
        year = parse(ReturnYearIn, request.query_params)["year"]
        response = HttpResponse(
            cin_census_xml(user=request.user, year=year), content_type="application/xml"
        )
        response["Content-Disposition"] = f'attachment; filename="cin-census-{year}.xml"'
        return response


class AnnexAListIn(serializers.Serializer):
    list = serializers.ChoiceField(choices=[3, 4, 5, 6, 7], default=7, required=False)


class AnnexAAPI(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("list", int, enum=[3, 4, 5, 6, 7], required=False)],
        responses={(200, "text/csv"): str},
    )
    def get(self, request):
        if not access.may_export_returns(request.user):
            raise NotPermitted("Only the safeguarding unit manager produces the returns.")
        number = parse(AnnexAListIn, request.query_params)["list"]
        today = timezone.localdate()
        response = HttpResponse(
            annex_a_list_csv(user=request.user, list_number=number, today=today),
            content_type="text/csv",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="annex-a-list-{number}-{today}.csv"'
        )
        return response


class AnnexAWorkbookAPI(APIView):
    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        today = timezone.localdate()
        response = HttpResponse(annex_a_workbook(user=request.user, today=today), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="annex-a-{today}.xlsx"'
        return response
