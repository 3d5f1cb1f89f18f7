from django.urls import path

from conferences import api, section47_views, views

app_name = "conferences"

# The browser pages (included at the top level, next to the core pages).
urlpatterns = [
    path("conferences/", views.conference_list, name="conference-list"),
    path("conferences/<str:conference_id>/", views.conference_detail, name="conference-detail"),
    path(
        "conferences/<str:conference_id>/outcome/",
        views.conference_outcome,
        name="conference-outcome",
    ),
    path(
        "conferences/<str:conference_id>/finalise/",
        views.conference_finalise,
        name="conference-finalise",
    ),
    path(
        "conferences/<str:conference_id>/letters/",
        views.conference_letters,
        name="conference-letters",
    ),
    path(
        "conferences/<str:conference_id>/complaints/new/",
        views.complaint_record,
        name="complaint-record",
    ),
    path(
        "conferences/<str:conference_id>/disagreements/new/",
        views.disagreement_raise_from_conference,
        name="disagreement-raise-conference",
    ),
    path(
        "plans/<str:plan_id>/disagreements/new/",
        views.disagreement_raise_from_plan,
        name="disagreement-raise-plan",
    ),
    path("disagreements/", views.disagreement_list, name="disagreement-list"),
    path(
        "disagreements/<str:disagreement_id>/",
        views.disagreement_detail,
        name="disagreement-detail",
    ),
    path(
        "children/<str:child_id>/transfer-notices/new/",
        views.transfer_notice_record,
        name="transfer-notice-record",
    ),
    path("letters/<str:letter_id>/pdf/", views.letter_pdf, name="letter-pdf"),
    path("letters/<str:letter_id>/print/", views.letter_print, name="letter-print"),
    path("letters/<str:letter_id>/sent/", views.letter_sent, name="letter-sent"),
    path("complaints/<str:complaint_id>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<str:complaint_id>/letter/", views.complaint_letter, name="complaint-letter"),
    path("children/<str:child_id>/conferences/", views.child_conferences, name="child-conferences"),
    path(
        "children/<str:child_id>/conferences/new/",
        views.conference_schedule,
        name="conference-schedule",
    ),
    path(
        "children/<str:child_id>/strategy-discussions/new/",
        views.strategy_discussion_record,
        name="strategy-discussion-record",
    ),
    path(
        "children/<str:child_id>/section47-enquiries/new/",
        section47_views.section47_record,
        name="section47-record",
    ),
    path(
        "section47-enquiries/<str:enquiry_id>/outcome/",
        section47_views.section47_outcome,
        name="section47-outcome",
    ),
    path(
        "children/<str:child_id>/looked-after-events/new/",
        views.looked_after_event_record,
        name="looked-after-event-record",
    ),
]

api_urlpatterns = [
    path(
        "strategy-discussions/",
        api.StrategyDiscussionsAPI.as_view(),
        name="api-strategy-discussions",
    ),
    path(
        "section47-enquiries/",
        api.Section47EnquiriesAPI.as_view(),
        name="api-section47-enquiries",
    ),
    path(
        "section47-enquiries/<str:pk>/",
        api.Section47EnquiryAPI.as_view(),
        name="api-section47-enquiry",
    ),
    path(
        "section47-enquiries/<str:pk>/outcome/",
        api.Section47OutcomeAPI.as_view(),
        name="api-section47-outcome",
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
    path("disagreements/", api.DisagreementsAPI.as_view(), name="api-disagreements"),
    path("disagreements/<str:pk>/", api.DisagreementAPI.as_view(), name="api-disagreement"),
    path(
        "disagreements/<str:pk>/outcome/",
        api.DisagreementOutcomeAPI.as_view(),
        name="api-disagreement-outcome",
    ),
    path("transfer-notices/", api.TransferNoticesAPI.as_view(), name="api-transfer-notices"),
]
