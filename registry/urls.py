from django.urls import path

from registry import api

api_urlpatterns = [
    path("register/", api.RegisterAPI.as_view(), name="api-register"),
    path("register/statistics/", api.StatisticsAPI.as_view(), name="api-register-statistics"),
    path("register/enquiries/", api.EnquiriesAPI.as_view(), name="api-enquiries"),
    path("register/enquiries/export/", api.EnquiryExportAPI.as_view(), name="api-enquiries-export"),
    path(
        "register/enquiries/<str:pk>/reviewed/",
        api.EnquiryReviewedAPI.as_view(),
        name="api-enquiry-reviewed",
    ),
    path("register/releases/", api.ReleasesAPI.as_view(), name="api-releases"),
    path(
        "register/releases/<str:pk>/decision/",
        api.ReleaseDecisionAPI.as_view(),
        name="api-release-decision",
    ),
    path(
        "register/releases/<str:pk>/plans/",
        api.ReleasedPlansAPI.as_view(),
        name="api-released-plans",
    ),
    path(
        "register/designated-managers/",
        api.DesignatedManagersAPI.as_view(),
        name="api-designated-managers",
    ),
]
