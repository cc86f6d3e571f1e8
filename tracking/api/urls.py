from django.urls import path

from tracking.api import batch_views, label_views, series_views, views

app_name = "tracking-api"

urlpatterns = [
    path("generate/", views.TrackingNumberIssueApi.as_view(), name="generate"),
    path("numbers/", views.TrackingNumberListApi.as_view(), name="number-list"),
    path(
        "numbers/<str:number>/",
        views.TrackingNumberDetailApi.as_view(),
        name="number-detail",
    ),
    path(
        "numbers/<str:number>/void/",
        views.TrackingNumberVoidApi.as_view(),
        name="number-void",
    ),
    path("validate/", views.TrackingNumberValidateApi.as_view(), name="validate"),
    path("series/", series_views.SeriesListApi.as_view(), name="series-list"),
    path(
        "series/<str:code>/",
        series_views.SeriesDetailApi.as_view(),
        name="series-detail",
    ),
    path(
        "series/<str:code>/preview/",
        series_views.SeriesPreviewApi.as_view(),
        name="series-preview",
    ),
    path("batches/", batch_views.BatchListApi.as_view(), name="batch-list"),
    path(
        "batches/<int:batch_id>/",
        batch_views.BatchDetailApi.as_view(),
        name="batch-detail",
    ),
    path(
        "batches/<int:batch_id>/numbers.csv",
        batch_views.BatchNumbersCsvApi.as_view(),
        name="batch-numbers-csv",
    ),
    path(
        "batches/<int:batch_id>/cancel/",
        batch_views.BatchCancelApi.as_view(),
        name="batch-cancel",
    ),
    *label_views.FILE_ROUTES,
]
