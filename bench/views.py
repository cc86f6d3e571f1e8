"""Baselines mounted only under bench settings, on the same gunicorn."""

from django.db import transaction
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.models import NaiveNumber


class CeilingApi(APIView):
    """The ceiling: constant JSON through the same DRF stack, no database."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def post(self, request):
        return Response(
            {"id": 1, "uuid": "00000000-0000-0000-0000-000000000000"}, status=201
        )


class NaiveApi(APIView):
    """The naive baseline: one ORM create() per request in atomic()."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def post(self, request):
        with transaction.atomic():
            row = NaiveNumber.objects.create()
        return Response(
            {"id": row.id, "uuid": str(row.uuid), "created_at": row.created_at},
            status=201,
        )
