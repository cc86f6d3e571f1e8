from django.urls import path

from tracking.api import views

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
    path("series/", views.SeriesListApi.as_view(), name="series-list"),
    path("series/<slug:code>/", views.SeriesDetailApi.as_view(), name="series-detail"),
]
