from django.urls import path

from plans import api, views

urlpatterns = [
    path("children/<str:child_id>/plan/", views.child_plan, name="child-plan"),
    path("plans/<str:plan_id>/", views.plan_detail, name="plan-detail"),
    path("plans/<str:plan_id>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<str:plan_id>/actions/new/", views.action_add, name="plan-action-add"),
    path(
        "plans/<str:plan_id>/actions/<str:action_id>/edit/",
        views.action_change,
        name="plan-action-change",
    ),
    path(
        "plans/<str:plan_id>/actions/<str:action_id>/progress/",
        views.action_progress,
        name="plan-action-progress",
    ),
    path("plans/<str:plan_id>/submit/", views.plan_submit, name="plan-submit"),
    path("plans/<str:plan_id>/authorise/", views.plan_authorise, name="plan-authorise"),
    path("plans/<str:plan_id>/versions/", views.plan_versions, name="plan-versions"),
    path(
        "plans/<str:plan_id>/versions/compare/",
        views.plan_versions_compare,
        name="plan-versions-compare",
    ),
    path(
        "plans/<str:plan_id>/core-group-meetings/new/",
        views.meeting_record,
        name="plan-meeting-record",
    ),
    path("plans/<str:plan_id>/pdf/<str:audience>/", views.plan_pdf, name="plan-pdf"),
    path("plans/<str:plan_id>/end/", views.plan_end, name="plan-end"),
    path("plans/<str:plan_id>/step-down/", views.plan_step_down, name="plan-step-down"),
]

api_urlpatterns = [
    path("plans/", api.PlansAPI.as_view(), name="api-plans"),
    path("plans/<str:pk>/", api.PlanAPI.as_view(), name="api-plan"),
    path("plans/<str:pk>/actions/", api.PlanActionsAPI.as_view(), name="api-plan-actions"),
    path("plans/<str:pk>/submit/", api.PlanSubmitAPI.as_view(), name="api-plan-submit"),
    path("plans/<str:pk>/authorise/", api.PlanAuthoriseAPI.as_view(), name="api-plan-authorise"),
    path("plans/<str:pk>/return/", api.PlanReturnAPI.as_view(), name="api-plan-return"),
    path("plans/<str:pk>/versions/", api.PlanVersionsAPI.as_view(), name="api-plan-versions"),
    path(
        "plans/<str:pk>/core-group-meetings/",
        api.CoreGroupMeetingsAPI.as_view(),
        name="api-core-group-meetings",
    ),
    path("actions/<str:pk>/progress/", api.ActionProgressAPI.as_view(), name="api-action-progress"),
]
