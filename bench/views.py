"""Baselines mounted only under bench settings, on the same gunicorn."""

import hashlib
import hmac

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
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


_calibration_token: dict[str, str] = {}


@csrf_exempt
def calibration(request):
    """The calibration point the issue names: raw SQL, no DRF, the token
    looked up once per process, one ``INSERT ... nextval()`` per request
    (the table's id default), committed on its own. What any Django endpoint
    that stores a row and checks a token costs at least, on this stack."""
    if request.method != "POST":
        return JsonResponse({"detail": "POST only."}, status=405)
    sent = request.headers.get("Authorization", "").removeprefix("Token ")
    digest = hashlib.sha256(sent.encode()).hexdigest()
    if "hash" not in _calibration_token:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT token_hash FROM tracking_apiclient WHERE token_hash = %s",
                [digest],
            )
            row = cursor.fetchone()
        if row is None:
            return JsonResponse({"detail": "Bad token."}, status=401)
        _calibration_token["hash"] = row[0]
    if not hmac.compare_digest(digest, _calibration_token["hash"]):
        return JsonResponse({"detail": "Bad token."}, status=401)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_naivenumber (uuid, created_at) "
            "VALUES (gen_random_uuid(), now()) RETURNING id, uuid, created_at"
        )
        pk, uid, created = cursor.fetchone()
    return JsonResponse({"id": pk, "uuid": str(uid), "created_at": created}, status=201)
