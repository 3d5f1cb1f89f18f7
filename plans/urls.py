from django.urls import path

from plans import api

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
