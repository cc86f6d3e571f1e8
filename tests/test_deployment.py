"""What a deployment gets by default: compose file and production settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers.child import run_python

ROOT = Path(__file__).resolve().parents[1]
SECRETS = {"DJANGO_SECRET_KEY": "k" * 50, "TRACKING_SCRAMBLE_KEY": "s" * 40}


def _compose_config(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``docker-compose config`` with only ``env`` set (and an empty .env)."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    return subprocess.run(
        [
            "docker-compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(empty),
            "config",
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_a_secret(tmp_path, missing):
    env = {k: v for k, v in SECRETS.items() if k != missing}

    result = _compose_config(tmp_path, **env)

    assert result.returncode != 0
    assert f"{missing} is not set. Put one in .env, made with: python3 -c" in (
        result.stderr
    )


def test_compose_default_rate_lets_a_client_ask_for_the_largest_batch(tmp_path):
    from tracking.services import BATCH_QUANTITY_MAX, api_rate_validate

    result = _compose_config(tmp_path, **SECRETS)

    assert result.returncode == 0, result.stderr
    env = yaml.safe_load(result.stdout)["services"]["web"]["environment"]
    limit, _ = api_rate_validate(env["TRACKING_DEFAULT_RATE"])
    assert limit >= BATCH_QUANTITY_MAX


def test_compose_with_secrets_migrates_once_and_shares_exports(tmp_path):
    result = _compose_config(tmp_path, **SECRETS)

    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert services["migrate"]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert "migrate" not in " ".join(service["command"])
        assert service["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        env = service["environment"]
        assert env["DJANGO_SECRET_KEY"] == SECRETS["DJANGO_SECRET_KEY"]
        assert env["REDIS_URL"] != env["CELERY_BROKER_URL"]
    for name in ("web", "worker"):
        assert "media:/app/media:rw" in services[name]["volumes"]
        assert services[name]["environment"]["DJANGO_MEDIA_ROOT"] == "/app/media"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "beat_health" in services["beat"]["healthcheck"]["test"]


def _production_check(**env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "CELERY_BROKER_URL"}
    }
    return run_python(
        "manage.py",
        "check",
        env={
            **base,
            **SECRETS,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            **env,
        },
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "redis://r:6379/0"}, "CELERY_BROKER_URL is not set"),
        ({"CELERY_BROKER_URL": "redis://r:6379/1"}, "REDIS_URL is not set"),
        (
            {"REDIS_URL": "redis://r:6379", "CELERY_BROKER_URL": "redis://r:6379/0"},
            "are the same Redis database",
        ),
    ],
)
def test_production_refuses_a_missing_broker_or_a_per_process_cache(env, message):
    result = _production_check(**env)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " in result.stderr
    assert message in result.stderr


def test_production_starts_with_a_broker_and_a_shared_cache():
    result = _production_check(
        REDIS_URL="redis://r:6379/0", CELERY_BROKER_URL="redis://r:6379/1"
    )

    assert result.returncode == 0, result.stderr


def test_the_images_health_check_is_liveness():
    dockerfile = (ROOT / "Dockerfile").read_text()
    healthcheck = dockerfile.split("HEALTHCHECK", 1)[1].split("\n\n", 1)[0]
    assert "/livez" in healthcheck
    assert "/healthz" not in healthcheck
