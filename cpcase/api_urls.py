"""The core API under /api/v1/ (API.md)."""

from django.urls import path

from cpcase import api, front_door_api

urlpatterns = [
    path("auth/token/", api.TokenAPI.as_view(), name="api-token"),
    path("auth/tokens/", api.TokensAPI.as_view(), name="api-tokens"),
    path("auth/tokens/<str:pk>/", api.TokenRevokeAPI.as_view(), name="api-token-revoke"),
    path("me/", api.MeAPI.as_view(), name="api-me"),
    path("staff/", api.StaffAPI.as_view(), name="api-staff"),
    path("children/", api.ChildrenAPI.as_view(), name="api-children"),
    # <str:pk>: a malformed id reaches the view and answers 404, like a missing one.
    path("children/<str:pk>/", api.ChildAPI.as_view(), name="api-child"),
    path("children/<str:pk>/people/", api.ChildPeopleAPI.as_view(), name="api-child-people"),
    path(
        "children/<str:pk>/emergency-protection/",
        api.ChildEmergencyProtectionAPI.as_view(),
        name="api-child-emergency-protection",
    ),
    path(
        "children/<str:pk>/timescales/",
        api.ChildTimescalesAPI.as_view(),
        name="api-child-timescales",
    ),
    path(
        "children/<str:pk>/chronology/",
        api.ChildChronologyAPI.as_view(),
        name="api-child-chronology",
    ),
    path(
        "children/<str:pk>/access-history/",
        api.ChildAccessHistoryAPI.as_view(),
        name="api-child-access-history",
    ),
    path(
        "children/<str:pk>/cin-plan/",
        front_door_api.ChildCinPlanAPI.as_view(),
        name="api-child-cin-plan",
    ),
    path(
        "children/<str:pk>/cin-plan/end/",
        front_door_api.ChildCinPlanEndAPI.as_view(),
        name="api-child-cin-plan-end",
    ),
    # The front door: referrals (the child in need episode) and assessments.
    path("referrals/", front_door_api.ReferralsAPI.as_view(), name="api-referrals"),
    path("referrals/<str:pk>/", front_door_api.ReferralAPI.as_view(), name="api-referral"),
    path(
        "referrals/<str:pk>/close/",
        front_door_api.ReferralCloseAPI.as_view(),
        name="api-referral-close",
    ),
    path("assessments/", front_door_api.AssessmentsAPI.as_view(), name="api-assessments"),
    path("assessments/<str:pk>/", front_door_api.AssessmentAPI.as_view(), name="api-assessment"),
    path(
        "assessments/<str:pk>/authorise/",
        front_door_api.AssessmentAuthoriseAPI.as_view(),
        name="api-assessment-authorise",
    ),
    path("notifications/", api.NotificationsAPI.as_view(), name="api-notifications"),
    path(
        "notifications/read-all/",
        api.NotificationsReadAllAPI.as_view(),
        name="api-notifications-read-all",
    ),
    path(
        "notifications/<str:pk>/read/",
        api.NotificationReadAPI.as_view(),
        name="api-notification-read",
    ),
]
