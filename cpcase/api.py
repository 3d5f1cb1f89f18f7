"""The core of the public API (API.md): the caller, staff, children and what is around them.

Thin views: parse the input, call one service or selector, render the result.
Who may see or change what is the access module's and the services' to say; a
child the caller may not see answers 404, the same as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from cpcase import (
    access,
    api_tokens,
    chronology,
    front_door,
    plan_status,
    read_audit,
    selectors,
    services,
    timescales,
)
from cpcase.api_auth import ExpiringTokenAuthentication
from cpcase.api_support import parse
from cpcase.errors import NotFound, NotPermitted
from cpcase.models import ApiToken, AuditEvent, Child, Notification, Relationship, User
from cpcase.serializers import (
    ApiTokenOut,
    ApiTokenQuery,
    AuditEventOut,
    ChildIn,
    ChildOut,
    ChildQuery,
    DeadlineOut,
    EmergencyProtectionIn,
    EmergencyProtectionOut,
    EventOut,
    MeOut,
    NotificationOut,
    RelationshipIn,
    RelationshipOut,
    StaffOut,
    StaffQuery,
    TokenIn,
    TokenOut,
)

CHILD_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)
# What ChildOut reads beyond what the selectors already join.
CHILD_OUT_RELATED = ("resident_authority", "mother")


def _given(params) -> dict[str, str]:
    """Query parameters with a value: ``?q=&date_of_birth=`` means no criteria, not bad ones."""
    return {key: value for key, value in params.items() if value.strip()}


class TokenAPI(APIView):
    """Exchange a username, password and second-factor code for an API token (POST);
    revoke the token this request carries (DELETE)."""

    permission_classes = [AllowAny]
    throttle_scope = "token"

    def get_authenticators(self):
        # Issuing asks for credentials, not a session or a token; revoking needs the token.
        if getattr(self.request, "method", None) == "POST":
            return []
        return [ExpiringTokenAuthentication()]

    def get_permissions(self):
        if getattr(self.request, "method", None) == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        return [ScopedRateThrottle()] if getattr(self.request, "method", None) == "POST" else []

    @extend_schema(request=TokenIn, responses={200: TokenOut}, auth=[])
    def post(self, request):
        data = parse(TokenIn, request.data)
        token, key = api_tokens.api_token_issue(
            username=data["username"],
            password=data["password"],
            otp=data["otp"],
            request=request._request,
        )
        return Response(TokenOut({"token": key, "expires_at": token.expiry}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        api_tokens.api_token_revoke_presented(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokensAPI(GenericAPIView):
    """The caller's live API tokens (a system administrator may ask for another's)."""

    serializer_class = ApiTokenOut
    queryset = ApiToken.objects.none()  # for the schema; the selector decides

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "user", OpenApiTypes.UUID, description="Another member of staff (administrators)."
            )
        ],
        responses=ApiTokenOut(many=True),
    )
    def get(self, request):
        query = parse(ApiTokenQuery, _given(request.query_params))
        owner = request.user
        if query.get("user") and query["user"] != request.user.pk:
            owner = User.objects.filter(pk=query["user"]).first()
            if owner is None:
                raise NotFound("No such member of staff.")
        tokens = api_tokens.api_tokens_visible_to(actor=request.user, user=owner)
        page = self.paginate_queryset(tokens)
        return self.get_paginated_response(ApiTokenOut(page, many=True).data)


class TokenRevokeAPI(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request=None,
        responses={204: None},
    )
    def delete(self, request, pk):
        api_tokens.api_token_revoke(actor=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeAPI(APIView):
    @extend_schema(responses=MeOut)
    def get(self, request):
        return Response(MeOut(request.user).data)


class StaffAPI(GenericAPIView):
    """Staff the caller may choose as a chair, lead social worker or core group member."""

    serializer_class = StaffOut
    queryset = User.objects.none()  # for the schema; the selector decides

    @extend_schema(
        parameters=[
            OpenApiParameter("role", str, description="A role slug, e.g. social_worker."),
            OpenApiParameter("team", str, description="A team's id or name."),
        ],
        responses=StaffOut(many=True),
    )
    def get(self, request):
        query = parse(StaffQuery, _given(request.query_params))
        staff = selectors.staff_assignable(
            user=request.user, role=query.get("role", ""), team=query.get("team") or None
        )
        page = self.paginate_queryset(staff)
        return self.get_paginated_response(StaffOut(page, many=True).data)


def _ordered(qs: QuerySet[Child]) -> QuerySet[Child]:
    """Whatever order the selector chose, with the id last, so pages never overlap."""
    ordering = list(qs.query.order_by) or list(Child._meta.ordering or ())
    return qs.order_by(*ordering, "pk")


def _child_out(children: list[Child]) -> dict[str, Any]:
    return {"with_active_plan": plan_status.children_with_active_plan([c.pk for c in children])}


class ChildrenAPI(GenericAPIView):
    serializer_class = ChildOut
    queryset = Child.objects.none()  # for the schema; the selector decides

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="A name, LA child ID or NHS number."),
            OpenApiParameter("date_of_birth", OpenApiTypes.DATE),
            OpenApiParameter("postcode", str),
            OpenApiParameter("nhs_number", str),
        ],
        responses=ChildOut(many=True),
    )
    def get(self, request):
        if not access.has_case_access(request.user):
            raise NotPermitted("You do not have access to children's records.")
        query = parse(ChildQuery, _given(request.query_params))
        children = selectors.child_search(user=request.user, **query)
        page = self.paginate_queryset(_ordered(children.select_related(*CHILD_OUT_RELATED)))
        read_audit.record_children(user=request.user, children=page, summary="Found in a search")
        return self.get_paginated_response(ChildOut(page, many=True, context=_child_out(page)).data)

    @extend_schema(request=ChildIn, responses={201: ChildOut})
    def post(self, request):
        if not access.can_create_child(request.user):
            raise NotPermitted("You do not have permission to add a child.")
        data = parse(ChildIn, request.data, context={"request": request})
        data.pop("version", None)
        child = services.child_create(actor=request.user, changes=data)
        return Response(
            ChildOut(child, context=_child_out([child])).data, status=status.HTTP_201_CREATED
        )


class ChildAPI(APIView):
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(parameters=[CHILD_ID], responses=ChildOut)
    def get(self, request, pk):
        child = selectors.child_get_for_view(user=request.user, child_id=pk)
        return Response(ChildOut(child, context=_child_out([child])).data)

    @extend_schema(
        parameters=[CHILD_ID],
        request=ChildIn,
        responses={200: ChildOut, 409: OpenApiTypes.OBJECT},
        description="Send back the `version` you read; a stale version is a 409.",
    )
    def patch(self, request, pk):
        # Who may change this child is settled before the input is looked at.
        access.child_for(request.user, pk, access.Action.EDIT)
        data = parse(ChildIn, request.data, partial=True, context={"request": request})
        version = data.pop("version", None)
        child = services.child_update(
            actor=request.user, child_id=pk, version=version, changes=data
        )
        return Response(ChildOut(child, context=_child_out([child])).data)


class ChildPeopleAPI(GenericAPIView):
    serializer_class = RelationshipOut
    queryset = Relationship.objects.none()  # for the schema; the selector decides

    @extend_schema(parameters=[CHILD_ID], responses=RelationshipOut(many=True))
    def get(self, request, pk):
        child = selectors.child_get_for_view(user=request.user, child_id=pk)
        page = self.paginate_queryset(selectors.child_people(child=child))
        return self.get_paginated_response(RelationshipOut(page, many=True).data)

    @extend_schema(parameters=[CHILD_ID], request=RelationshipIn, responses={201: RelationshipOut})
    def post(self, request, pk):
        access.child_for(request.user, pk, access.Action.EDIT)
        data = parse(RelationshipIn, request.data)
        relationship = services.person_add_to_child(
            actor=request.user,
            child_id=pk,
            person=data["person"],
            kind=data["relationship"],
            parental_responsibility=data["parental_responsibility"],
            lives_with_child=data["lives_with_child"],
            is_carer=data["is_carer"],
            address=data["address"],
        )
        return Response(RelationshipOut(relationship).data, status=status.HTTP_201_CREATED)


class ChildEmergencyProtectionAPI(GenericAPIView):
    """Emergency protection orders and police protection of the child."""

    serializer_class = EmergencyProtectionOut
    queryset = Child.objects.none()  # for the schema; the selector decides

    @extend_schema(parameters=[CHILD_ID], responses=EmergencyProtectionOut(many=True))
    def get(self, request, pk):
        child = selectors.child_get_for_view(user=request.user, child_id=pk)
        page = self.paginate_queryset(front_door.emergency_protections_of(child))
        return self.get_paginated_response(EmergencyProtectionOut(page, many=True).data)

    @extend_schema(
        parameters=[CHILD_ID],
        request=EmergencyProtectionIn,
        responses={201: EmergencyProtectionOut},
    )
    def post(self, request, pk):
        access.child_for(request.user, pk, access.Action.EDIT)
        data = parse(EmergencyProtectionIn, request.data)
        protection = front_door.emergency_protection_record(actor=request.user, child_id=pk, **data)
        return Response(EmergencyProtectionOut(protection).data, status=status.HTTP_201_CREATED)


class ChildTimescalesAPI(APIView):
    @extend_schema(parameters=[CHILD_ID], responses=DeadlineOut(many=True))
    def get(self, request, pk):
        child = selectors.child_get_for_view(user=request.user, child_id=pk)
        deadlines = timescales.deadlines_for(child, timezone.localdate())
        return Response(DeadlineOut(deadlines, many=True).data)


class ChildChronologyAPI(GenericAPIView):
    serializer_class = EventOut
    queryset = Child.objects.none()  # for the schema; the events come from the providers

    @extend_schema(parameters=[CHILD_ID], responses=EventOut(many=True))
    def get(self, request, pk):
        child = selectors.child_get_for_view(user=request.user, child_id=pk)
        page = self.paginate_queryset(chronology.events_for(child, request.user))
        return self.get_paginated_response(EventOut(page, many=True).data)


class ChildAccessHistoryAPI(GenericAPIView):
    """Who opened, searched for or changed the child's record: the safeguarding unit manager's."""

    serializer_class = AuditEventOut
    queryset = AuditEvent.objects.none()  # for the schema; the selector decides

    @extend_schema(parameters=[CHILD_ID], responses=AuditEventOut(many=True))
    def get(self, request, pk):
        events = selectors.child_access_history(user=request.user, child_id=pk)
        page = self.paginate_queryset(events.order_by("-at", "-id"))
        return self.get_paginated_response(AuditEventOut(page, many=True).data)


class NotificationsAPI(GenericAPIView):
    """The caller's own notifications, newest first (``?unread=true`` for the unread ones)."""

    serializer_class = NotificationOut
    queryset = Notification.objects.none()  # for the schema; the selector decides

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool)],
        responses=NotificationOut(many=True),  # a page of them, as every list
    )
    def get(self, request):
        unread = request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        qs = selectors.notifications_for(user=request.user, unread_only=unread)
        page = self.paginate_queryset(qs)
        read_audit.record_objects(user=request.user, objects=page, summary="Notifications")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class NotificationReadAPI(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        services.notification_mark_read(user=request.user, notification_id=access.as_uuid(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationsReadAllAPI(APIView):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        return Response({"marked_read": services.notifications_mark_all_read(user=request.user)})
