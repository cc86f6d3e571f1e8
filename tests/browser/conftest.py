"""Chromium for the browser tests: one browser a module, a context a test."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.helpers.browser import ARTIFACTS, VIEWPORT


@pytest.fixture(scope="module")
def chromium():
    ARTIFACTS.mkdir(exist_ok=True)
    # Playwright's sync API runs an event loop in this thread for the whole
    # module; the ORM calls of fixtures and tests are still plain
    # synchronous calls. Unset again after the module: child processes of
    # later tests must not see it.
    with pytest.MonkeyPatch.context() as env, sync_playwright() as p:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
