"""What the Chromium tests share: where screenshots go and the portal login."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PORTAL_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1440, "height": 900}


def login(page, base: str, user) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PORTAL_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")
