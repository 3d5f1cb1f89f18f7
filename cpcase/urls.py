from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from conferences import urls as conferences_urls
from plans import urls as plans_urls
from registry import urls as registry_urls
from visits import urls as visits_urls

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs' page and its start-up script are both files from here (no inline script);
    # a browser that is not signed in is sent to sign in first.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("api/v1/", include("cpcase.api_urls")),
    # The domain apps' API endpoints (each app's urls.api_urlpatterns).
    path(
        "api/v1/",
        include((conferences_urls.api_urlpatterns, "conferences"), namespace="conferences-api"),
    ),
    path("api/v1/", include((plans_urls.api_urlpatterns, "plans"), namespace="plans-api")),
    path("api/v1/", include((visits_urls.api_urlpatterns, "visits"), namespace="visits-api")),
    path("api/v1/", include((registry_urls.api_urlpatterns, "registry"), namespace="registry-api")),
    path("admin/", admin.site.urls),
    path("", include(registry_urls.urlpatterns)),
    path("", include(visits_urls.urlpatterns)),
    path("", include(conferences_urls.urlpatterns)),
    path("", include(plans_urls.urlpatterns)),
    path("", include("cpcase.web_urls")),
]

handler404 = "cpcase.views.page_not_found"
handler403 = "cpcase.views.permission_denied"
handler500 = "cpcase.views.server_error"
