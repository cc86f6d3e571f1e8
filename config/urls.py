from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tracking.api.site_views import HealthApi, LiveApi, index, metrics, not_found

urlpatterns = [
    path("", index, name="index"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("tracking/", include("tracking.api.urls")),
    path("livez", LiveApi.as_view(), name="livez"),
    path("healthz", HealthApi.as_view(), name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    # Last: any other API path is a JSON 404, DEBUG or not (handler404 only
    # answers with DEBUG off).
    re_path(r"^(?:tracking|api)/", not_found),
]

# Unknown /tracking/ and /api/ paths answer JSON like the rest of the API.
handler404 = "tracking.api.site_views.not_found"
