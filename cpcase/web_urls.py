from django.contrib.auth import views as auth_views
from django.urls import path

from cpcase import chronology_views, front_door_views, second_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "accounts/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path(
        "accounts/second-factor/",
        second_factor_views.second_factor_verify,
        name="second-factor",
    ),
    path(
        "accounts/second-factor/set-up/",
        second_factor_views.second_factor_enrol,
        name="second-factor-enrol",
    ),
    path("my-week/", views.my_week, name="my-week"),
    path("children/", views.child_search, name="child-search"),
    path("children/new/", views.child_create, name="child-create"),
    path("children/<str:child_id>/", views.child_detail, name="child-detail"),
    path("children/<str:child_id>/edit/", views.child_edit, name="child-edit"),
    path(
        "children/<str:child_id>/chronology/",
        chronology_views.child_chronology,
        name="child-chronology",
    ),
    path(
        "children/<str:child_id>/chronology/significant/",
        chronology_views.child_chronology_mark,
        name="child-chronology-mark",
    ),
    path(
        "children/<str:child_id>/chronology.pdf",
        chronology_views.child_chronology_pdf,
        name="child-chronology-pdf",
    ),
    path("children/<str:child_id>/people/new/", views.person_add, name="person-add"),
    path(
        "children/<str:child_id>/referrals/new/",
        front_door_views.referral_record,
        name="referral-record",
    ),
    path(
        "children/<str:child_id>/assessments/new/",
        front_door_views.assessment_record,
        name="assessment-record",
    ),
    path(
        "assessments/<str:assessment_id>/authorise/",
        front_door_views.assessment_authorise,
        name="assessment-authorise",
    ),
    path(
        "children/<str:child_id>/cin-plan/start/",
        front_door_views.cin_plan_start,
        name="cin-plan-start",
    ),
    path(
        "children/<str:child_id>/cin-plan/end/", front_door_views.cin_plan_end, name="cin-plan-end"
    ),
    path(
        "referrals/<str:referral_id>/close/", front_door_views.episode_close, name="episode-close"
    ),
    path("children/<str:child_id>/access-history/", views.access_history, name="access-history"),
    path(
        "children/<str:child_id>/emergency-protection/new/",
        views.emergency_protection_add,
        name="emergency-protection-add",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path(
        "notifications/<str:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
]
