"""Playwright on Debian's Chromium (`python3 dev.py test` installs it as root);
Playwright's own browser downloads are not used."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

# A loaded CI machine can take longer than Playwright's 5 s to answer a form post.
expect.set_options(timeout=20_000)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The documentation's screenshots (docs/img/): with DRIP_DOCS_SCREENSHOTS=1
# each of these artifacts is copied there once its test took it (see
# docs/development.md, "Screenshots in the docs"), so the docs build needs no browser.
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
DOCS_SCREENSHOTS = {
    "editor-mjml-error.png", "editor-typo-publish-refused.png", "preview-desktop.png", "preview-mobile.png",
    "test-send-preview.png", "sequence_map.png", "report_with_charts.png", "segment-count.png",
    "contact-import-progress.png", "contact-import-dry-run.png", "operator-failed-messages.png", "operator-contact-timeline.png",
    "operator-dashboard-panel.png", "demo-cart-email.png", "sms-editor-counter.png",
}


@pytest.fixture(scope="module")
def chromium(django_db_setup):
    """One browser per module, started once the test database exists."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: `apt-get install chromium` (python3 dev.py test does it as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while
    # it is open; Django would refuse the tests' own ORM calls as "async"
    # without this (the live server's thread is unaffected).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    # Only the live server is reached: sample images and the like stay offline.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                  else route.abort())
    yield context.new_page()
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    yield ARTIFACTS
    if os.environ.get("DRIP_DOCS_SCREENSHOTS") == "1":
        for name in DOCS_SCREENSHOTS:
            if (ARTIFACTS / name).exists():
                shutil.copyfile(ARTIFACTS / name, DOCS_IMAGES / name)
