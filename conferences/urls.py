from django.urls import path

from conferences import api

app_name = "conferences"

api_urlpatterns = [
    path(
        "strategy-discussions/",
        api.StrategyDiscussionsAPI.as_view(),
        name="api-strategy-discussions",
    ),
    path("conferences/", api.ConferencesAPI.as_view(), name="api-conferences"),
    path("conferences/<str:pk>/", api.ConferenceAPI.as_view(), name="api-conference"),
    path(
        "conferences/<str:pk>/outcome/",
        api.ConferenceOutcomeAPI.as_view(),
        name="api-conference-outcome",
    ),
    path(
        "conferences/<str:pk>/finalise/",
        api.ConferenceFinaliseAPI.as_view(),
        name="api-conference-finalise",
    ),
    path(
        "conferences/<str:pk>/letters/",
        api.ConferenceLettersAPI.as_view(),
        name="api-conference-letters",
    ),
    path("letters/<str:pk>/pdf/", api.LetterPdfAPI.as_view(), name="api-letter-pdf"),
]
