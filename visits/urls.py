from django.urls import path

from visits import api, views

urlpatterns = [
    path("visits/", views.team_visits, name="team-visits"),
    path("visits/drafts/<str:visit_id>/", views.visit_draft, name="visit-draft"),
    path("children/<str:child_id>/visits/new/", views.visit_record, name="visit-record"),
    path("children/<str:child_id>/cannot-visit/", views.cannot_visit, name="cannot-visit"),
]

api_urlpatterns = [
    path("visits/", api.VisitsAPI.as_view(), name="api-visits"),
    path("visits/<str:pk>/", api.VisitAPI.as_view(), name="api-visit"),
    path("visits/<str:pk>/amend/", api.VisitAmendAPI.as_view(), name="api-visit-amend"),
    path("cannot-visit/", api.CannotVisitAPI.as_view(), name="api-cannot-visit"),
]
