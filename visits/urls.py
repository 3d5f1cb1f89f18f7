from django.urls import path

from visits import api

api_urlpatterns = [
    path("visits/", api.VisitsAPI.as_view(), name="api-visits"),
    path("visits/<str:pk>/", api.VisitAPI.as_view(), name="api-visit"),
    path("visits/<str:pk>/amend/", api.VisitAmendAPI.as_view(), name="api-visit-amend"),
    path("cannot-visit/", api.CannotVisitAPI.as_view(), name="api-cannot-visit"),
]
