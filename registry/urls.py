from django.urls import path

from registry import api, measures_views, return_jobs_api, return_jobs_views, views

urlpatterns = [
    path("measures/", measures_views.measures_page, name="measures"),
    path("register/", views.register_home, name="register-home"),
    path("register/children/", views.register_list, name="register-list"),
    path(
        "register/entries/<str:plan_id>/correct/",
        views.register_correct,
        name="register-correct",
    ),
    path("register/log/", views.enquiry_log, name="register-log"),
    path("register/log/export/", views.enquiry_export, name="register-log-export"),
    path("register/annex-a/", views.annex_a_list, name="register-annex-a"),
    path("register/annex-a/workbook/", views.annex_a_workbook, name="register-annex-a-workbook"),
    path(
        "register/log/<str:enquiry_id>/reviewed/", views.enquiry_reviewed, name="register-reviewed"
    ),
    path("register/possible-matches/", views.possible_matches, name="register-possible-matches"),
    path(
        "register/possible-matches/<str:match_id>/",
        views.possible_match_detail,
        name="register-possible-match",
    ),
    path("register/releases/", views.releases, name="register-releases"),
    path("register/releases/<str:request_id>/", views.release_detail, name="register-release"),
    path(
        "register/releases/<str:request_id>/plans/",
        views.release_plans,
        name="register-release-plans",
    ),
    path(
        "children/<str:child_id>/historic-plans/request/",
        views.release_request,
        name="register-release-request",
    ),
    path(
        "register/designated-managers/",
        views.designated_managers,
        name="register-designated-managers",
    ),
    path("register/returns/", return_jobs_views.returns_page, name="register-returns"),
    path(
        "register/returns/<str:job_id>/download/",
        return_jobs_views.return_download,
        name="register-return-download",
    ),
]

api_urlpatterns = [
    path("returns/cin-census/", api.CinCensusAPI.as_view(), name="api-cin-census"),
    path("returns/annex-a/", api.AnnexAAPI.as_view(), name="api-annex-a"),
    path(
        "returns/annex-a/workbook/",
        api.AnnexAWorkbookAPI.as_view(),
        name="api-annex-a-workbook",
    ),
    # After the two above: a job's id is never "cin-census" or "annex-a".
    path("returns/", return_jobs_api.ReturnJobsAPI.as_view(), name="api-return-jobs"),
    path("returns/<str:pk>/", return_jobs_api.ReturnJobAPI.as_view(), name="api-return-job"),
    path(
        "returns/<str:pk>/download/",
        return_jobs_api.ReturnJobDownloadAPI.as_view(),
        name="api-return-job-download",
    ),
    path("register/", api.RegisterAPI.as_view(), name="api-register"),
    path("register/statistics/", api.StatisticsAPI.as_view(), name="api-register-statistics"),
    path("register/enquiries/", api.EnquiriesAPI.as_view(), name="api-enquiries"),
    path("register/enquiries/export/", api.EnquiryExportAPI.as_view(), name="api-enquiries-export"),
    path(
        "register/enquiries/<str:pk>/reviewed/",
        api.EnquiryReviewedAPI.as_view(),
        name="api-enquiry-reviewed",
    ),
    path(
        "register/possible-matches/", api.PossibleMatchesAPI.as_view(), name="api-possible-matches"
    ),
    path(
        "register/possible-matches/<str:pk>/reviewed/",
        api.PossibleMatchReviewedAPI.as_view(),
        name="api-possible-match-reviewed",
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
