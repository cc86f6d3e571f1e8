from django.urls import path

from bench.views import CeilingApi, NaiveApi, calibration
from config.urls import urlpatterns as product_urls

urlpatterns = [
    *product_urls,
    path("bench/ceiling/", CeilingApi.as_view()),
    path("bench/naive/", NaiveApi.as_view()),
    path("bench/calibration/", calibration),
]
