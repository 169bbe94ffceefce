"""Browser tests: Playwright drives Debian's chromium against a live server.

No browser is downloaded: the tests launch the `chromium` found on PATH (or CHROMIUM_PATH) and
skip, with the reason, where there is none. Every step's screenshot is saved under
SCREENSHOT_DIR (default `artifacts/screenshots/<test>/`) for people to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; the ORM calls that build each
# test's data run beside it, not inside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which(
    "chromium-browser"
)
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parents[2] / "artifacts"
                                     / "screenshots"))
PASSWORD = "pw"  # the make_user fixture's password


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" not in str(item.fspath).replace(os.sep, "/"):
            continue
        item.add_marker(pytest.mark.browser)
        if CHROMIUM is None:
            item.add_marker(pytest.mark.skip(
                reason="no chromium on PATH (apt-get install chromium, or set CHROMIUM_PATH)"
            ))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    # 1366 x 768: the smallest laptop screen the case list must fit without sideways scrolling.
    return {
        **browser_context_args, "base_url": live_server.url,
        "viewport": {"width": 1366, "height": 768}, "locale": "en-GB",
        "timezone_id": "Asia/Singapore", "accept_downloads": True,
    }


@pytest.fixture
def shot(page, request) -> Callable[..., Path]:
    """Return a function saving a full-page screenshot of the current step."""
    folder = SCREENSHOT_DIR / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    steps = iter(range(1, 1000))

    def take(step: str, part=None) -> Path:
        """Save the page (or only the part, a locator) as the step's screenshot."""
        name = re.sub(r"[^\w.-]+", "-", step)
        path = folder / f"{next(steps):02d}-{name}.png"
        if part is not None:
            part.screenshot(path=str(path))
        else:
            page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page):
    """Return a function that signs a user in through the admin's login form."""

    def sign_in(user, password: str = PASSWORD) -> None:
        page.context.clear_cookies()
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))

    return sign_in
