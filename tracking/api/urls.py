from django.urls import include, path

from tracking.api.batch_views import (
    BatchCancelApi,
    BatchDetailApi,
    BatchListApi,
    BatchNumbersCsvApi,
)
from tracking.api.label_views import FILE_ROUTES
from tracking.api.series_views import SeriesDetailApi, SeriesListApi, SeriesPreviewApi
from tracking.api.views import (
    TrackingNumberDetailApi,
    TrackingNumberIssueApi,
    TrackingNumberListApi,
    TrackingNumberValidateApi,
    TrackingNumberVoidApi,
)

app_name = "tracking-api"

numbers = [
    path("", TrackingNumberListApi.as_view(), name="number-list"),
    path("<str:number>/", TrackingNumberDetailApi.as_view(), name="number-detail"),
    path("<str:number>/void/", TrackingNumberVoidApi.as_view(), name="number-void"),
]
series = [
    path("", SeriesListApi.as_view(), name="series-list"),
    path("<str:code>/", SeriesDetailApi.as_view(), name="series-detail"),
    path("<str:code>/preview/", SeriesPreviewApi.as_view(), name="series-preview"),
]
batches = [
    path("", BatchListApi.as_view(), name="batch-list"),
    path("<int:batch_id>/", BatchDetailApi.as_view(), name="batch-detail"),
    path("<int:batch_id>/cancel/", BatchCancelApi.as_view(), name="batch-cancel"),
    path(
        "<int:batch_id>/numbers.csv",
        BatchNumbersCsvApi.as_view(),
        name="batch-numbers-csv",
    ),
]

urlpatterns = [
    path("generate/", TrackingNumberIssueApi.as_view(), name="generate"),
    path("validate/", TrackingNumberValidateApi.as_view(), name="validate"),
    path("numbers/", include(numbers)),
    path("series/", include(series)),
    path("batches/", include(batches)),
    *FILE_ROUTES,  # barcodes and labels
]
