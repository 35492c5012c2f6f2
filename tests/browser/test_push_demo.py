"""Issue 26, browser: the demo store's opt-in button in headless Chromium,
the service worker it registers, the subscription the store keeps, and a
notification shown by the service worker from a push the demo's own tick
sent (real pywebpush, to the local push service).

The demo store runs as itself (example_site, its settings on a throwaway
database: push_demo_settings.py) with `runserver`. Two stand-ins, because
headless Chromium's push service is Google's FCM, unreachable offline:
- the browser's registration with its push service: an init script gives
  `pushManager.subscribe()` a subscription to the local push service, with
  keys the test generated (so that service can decrypt what drip sends);
- the push service's delivery to the browser: the payload the local service
  decrypted goes to the service worker through the DevTools protocol
  (`ServiceWorker.deliverPushMessage`), which runs its push handler.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.delivery.services import wait_for
from tests.factories import free_port

from ..channels.push.push_service import LocalPushService
from ..example_site.conftest import EXAMPLE_SITE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
ROOT = Path(__file__).resolve().parents[2]

# Replaces the browser's registration with FCM (see the module's docstring).
SUBSCRIPTION_STAND_IN = """
(subscription) => {
  const stored = () => localStorage.getItem("test-push-subscribed") === "1";
  const standIn = {
    endpoint: subscription.endpoint,
    toJSON: () => subscription,
    unsubscribe: async () => { localStorage.removeItem("test-push-subscribed"); return true; },
  };
  PushManager.prototype.subscribe = async function (options) {
    if (!options.userVisibleOnly || options.applicationServerKey.byteLength !== 65) throw new Error("bad options");
    localStorage.setItem("test-push-subscribed", "1");
    return standIn;
  };
  PushManager.prototype.getSubscription = async function () { return stored() ? standIn : null; };
}
"""


class DemoStore:
    def __init__(self, folder: Path):
        self.url = f"http://127.0.0.1:{free_port()}"
        self.env = {**os.environ, "DEMO_DB": str(folder / "demo.sqlite3"), "DEMO_PUSH_ORIGIN": "http://127.0.0.1:*",
                    "DEMO_SITE_URL": self.url,
                    "PYTHONPATH": os.pathsep.join([str(ROOT), str(EXAMPLE_SITE)]),
                    "DJANGO_SETTINGS_MODULE": "tests.browser.push_demo_settings"}
        self.db = folder / "demo.sqlite3"

    def manage(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=EXAMPLE_SITE, env=self.env, check=True,
                              capture_output=True, text=True, timeout=600, **kwargs)

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = DemoStore(tmp_path_factory.mktemp("push-demo"))
    store.manage("migrate", "-v0")
    store.manage("seed_demo")
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", store.url.removeprefix("http://"),
                               "--noreload"], cwd=EXAMPLE_SITE, env=store.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)

    def answers():
        try:
            return urllib.request.urlopen(store.url + "/", timeout=5).status == 200
        except OSError:
            return False

    wait_for(answers, "the demo store's runserver", seconds=120)
    yield store
    server.terminate()
    server.wait(30)


def test_point_browser_demo_opt_in_and_notification(chromium, demo_store, artifacts):
    keys = json.loads((EXAMPLE_SITE / "var" / "vapid-keys.json").read_text())
    push_service = LocalPushService(keys["public_key"]).start()
    browser = push_service.new_browser()
    context = chromium.new_context(base_url=demo_store.url, viewport={"width": 1000, "height": 800})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(demo_store.url)
                  else route.abort())
    context.grant_permissions(["notifications"], origin=demo_store.url)
    context.add_init_script(f"({SUBSCRIPTION_STAND_IN})({json.dumps(browser.subscription_json())})")
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    registrations = []
    devtools.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    devtools.send("ServiceWorker.enable")
    try:
        page.goto("/")
        page.locator("#LS-01 input[name=email]").fill("cat@example.com")
        page.locator("#LS-01 button").click()
        expect(page.get_by_role("heading", name="Your cart")).to_be_visible()

        # Nothing asked of the browser before the shopper clicks.
        assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
        assert demo_store.rows("SELECT count(*) FROM drip_plugin_pushsubscription") == [(0,)]

        page.get_by_role("button", name="Notify me in this browser").click()
        expect(page.get_by_text("Notifications are on in this browser.")).to_be_visible()
        expect(page.get_by_role("button", name="Stop browser notifications")).to_be_visible()
        page.screenshot(path=artifacts / "push-demo-opt-in.png")

        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == demo_store.url + "/"
        assert demo_store.rows("SELECT endpoint, consent_text, consent_source FROM drip_plugin_pushsubscription") == [
            (browser.endpoint, "Get a browser notification if you leave this cart behind.", "/cart/")]

        # The demo's own tick, 3 minutes on: the cart sequence's push step goes
        # through pywebpush to the local push service, which decrypts it.
        demo_store.manage("shell", "-c", "import datetime as dt, time_machine\n"
                          "from django.utils import timezone\nfrom drip_plugin.scheduling import tick\n"
                          "with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=False):\n"
                          "    print(tick())")
        (push,) = push_service.received
        assert push.payload["title"] == "Hello, your cart is waiting"
        assert push.payload["body"] == "1 item, €49.00: back to your cart?"

        registration = next(r["registrationId"] for r in registrations if r["scopeURL"] == scope)
        devtools.send("ServiceWorker.deliverPushMessage", {"origin": demo_store.url, "registrationId": registration,
                                                           "data": json.dumps(push.payload)})
        shown = wait_for(lambda: page.evaluate("""async () => (await (await navigator.serviceWorker.ready)
            .getNotifications()).map(n => ({title: n.title, body: n.body, url: n.data.url, icon: n.icon}))"""),
            "the service worker's notification")
        assert shown == [{"title": push.payload["title"], "body": push.payload["body"], "url": push.payload["url"],
                          "icon": demo_store.url + "/static/shop/canvas-tote.png"}]
        assert push.payload["url"].startswith(demo_store.url + "/drip/c/")  # the tracked link to the cart
        page.evaluate("""(n) => { const d = document.createElement("pre"); d.id = "received";
            d.style.whiteSpace = "pre-wrap"; d.style.wordBreak = "break-all";
            d.textContent = "Notification shown by the service worker:\\n" + JSON.stringify(n, null, 2);
            document.body.append(d); }""", shown[0])
        page.screenshot(path=artifacts / "push-demo-notification.png", full_page=True)

        # Unsubscribe from the page.
        page.get_by_role("button", name="Stop browser notifications").click()
        expect(page.get_by_role("button", name="Notify me in this browser")).to_be_visible()
        assert demo_store.rows("SELECT count(*) FROM drip_plugin_pushsubscription") == [(0,)]
    finally:
        context.close()
        push_service.stop()
