"""Browser tests drive the system Chromium through pytest-playwright (never a downloaded browser).

Tests here are marked ``browser`` and skipped with a reason when /usr/bin/chromium is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if not CHROMIUM.exists() and Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(
                pytest.mark.skip(
                    reason=f"{CHROMIUM} not found: apt-get install -y chromium to run browser tests"
                )
            )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="module")
def browser_context_args():
    """A cheap phone in Việt Nam (replaces the plugin's, which needs the session-wide Playwright)."""
    return {"viewport": PHONE_VIEWPORT, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


# pytest-playwright keeps one Playwright (and its event loop, in the main thread) for the whole session.
# Django refuses ORM calls while an event loop runs in the thread, which would break every database test
# collected after these. So Playwright and the browser live for one module here, and only while they do
# is the ORM allowed next to the loop (fixtures and assertions here are plain synchronous code).


@pytest.fixture(scope="module")
def _orm_next_to_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def playwright(_orm_next_to_playwright, _pw_api_request_contexts):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="module")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args, browser_type):
    def launch(**kwargs):
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="module")
def browser(launch_browser):
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture
def screenshots(request) -> Path:
    """Folder for this run's screenshots (test-artifacts/ is git-ignored)."""
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def tour(request, screenshots):
    """Screenshot, axe-core (WCAG 2.1 AA) and weight of every page a test visits (see browser/a11y.py).

    The figures of each test go to test-artifacts/a11y/<module>.<test>.json.
    """
    from .a11y import Tour

    tour = Tour(folder=screenshots)
    yield tour
    if tour.pages:
        name = f"{request.node.module.__name__}.{request.node.name}.json"
        tour.write(request.config.rootpath / "test-artifacts" / "a11y" / name)
