#!/usr/bin/env python
"""Personalised messages per second on ONE core: a cart-abandonment email
(bench/render_cart_email.mjml: 3 cart lines in a {% for %} around MJML
sections, 22 merge variables) for 10,000 different recipients, three ways:

  (a) drip_plugin: render_email() on merge_context() data — MJML compiled once
      per source, then Django template passes per recipient (subject, HTML, text);
  (b) mjml-python per recipient: the same Django merge into the MJML source,
      then mjml2html for every message (HTML only);
  (c) wagtail-birdsong's way: a Django template wrapped in django-mjml's
      {% mjml %} tag, rendered per recipient, which runs the Node `mjml` CLI
      for every message (HTML only); timed on a sample, extrapolated;
  (d) the same template through django-mjml's server mode ("tcpserver":
      MJML rendered by one long-running Node process, bench/mjml_tcpserver.js,
      a connection per message): the fair peer, no Node start per message.

Targets: (a) >= 2,000 msg/s and >= 20x (c); (a)/(d), the fair ratio, is
printed too. Needs the bench extra and Node/npm (the npm package `mjml` is
installed into bench/.work/ on first run):

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/render.py [--count 10000] [--sample 200] [--server-sample 1000] [--profile] [--quick]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
MJML_NPM = "mjml@5.4.1"
MJML_CLI = WORK / "node_modules" / ".bin" / "mjml"
SUBJECT = "{{ contact.first_name }}, your {{ event.cart.lines|length }} items are still in your cart"
CATALOGUE = [("Linen shirt", "49.00"), ("Canvas tote", "19.00"), ("Espresso cups (2)", "18.00"),
             ("Wool scarf", "35.00"), ("Notebook A5", "9.50"), ("Teapot & strainer", "27.90"),
             ("Desk lamp", "64.00")]
CITIES = ["Paris", "Lyon", "", "Berlin", "Leeds"]
sys.path.insert(0, str(ROOT))

from bench.loadavg import describe  # noqa: E402


def install_node_mjml() -> None:
    if not MJML_CLI.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "--silent", MJML_NPM],
                       check=True)


def configure() -> None:
    import django
    from django.conf import settings

    import tests.settings as base

    names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    names.update(
        # Rendering touches no table; the database is only there for Django to start.
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": WORK / "render.sqlite3"}},
        INSTALLED_APPS=[*base.INSTALLED_APPS, "mjml"],  # django-mjml, as wagtail-birdsong installs it
        MJML_BACKEND_MODE="cmd", MJML_EXEC_CMD=[str(MJML_CLI)],
        DRIP_PLUGIN={**base.DRIP_PLUGIN, "REGISTER_BEAT_SCHEDULE": False},
        DEBUG=False,
    )
    settings.configure(**names)
    django.setup()


def recipients(count: int) -> list[tuple]:
    """(contact, event properties, links) per recipient, as the sender loads them: all different."""
    from drip_plugin.models import Contact

    out = []
    for i in range(count):
        contact = Contact(email=f"customer{i}@example.com", first_name=f"Name{i}", last_name=f"Family{i % 97}",
                          locale="en", attributes={"city": CITIES[i % len(CITIES)]})
        lines = []
        for n in range(3):
            name, price = CATALOGUE[(i + n * 2) % len(CATALOGUE)]
            quantity = 1 + (i + n) % 3
            lines.append({"name": name, "sku": f"SKU-{(i + n * 2) % len(CATALOGUE):03d}", "quantity": quantity,
                          "unit_price": price, "total": f"{quantity * float(price):.2f}",
                          "image_url": f"https://shop.example/img/{n}.png", "product_url": f"https://shop.example/p/{n}"})
        total = f"{sum(float(line['total']) for line in lines):.2f}"
        cart = {"checkout_id": f"chk_{i}", "currency": "EUR", "subtotal": total, "total": total,
                "restore_url": f"https://shop.example/cart/restore/{i}", "lines": lines}
        links = {name: f"https://shop.example/drip/{name}/token{i}/"
                 for name in ("unsubscribe", "preferences", "view_in_browser")}
        out.append((contact, {"checkout_id": f"chk_{i}", "cart": cart}, links))
    return out


def timed(render_one, batch: list[tuple]) -> tuple[float, list]:
    from drip_plugin.rendering.context import merge_context

    start = time.perf_counter()
    out = [render_one(merge_context(contact, event_properties=props, links=links)) for contact, props, links in batch]
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=200, help="messages timed for (c)")
    parser.add_argument("--server-sample", type=int, default=1000, help="messages timed for (d)")
    parser.add_argument("--profile", action="store_true", help="cProfile (a) and print its top functions")
    parser.add_argument("--quick", action="store_true", help="2,000 recipients, samples of 10 and 200")
    args = parser.parse_args()
    if args.quick:
        args.count, args.sample, args.server_sample = 2000, 10, 200
    print(describe())
    os.sched_setaffinity(0, {0})  # one core, inherited by the Node processes of (c)
    install_node_mjml()
    configure()

    from django.template import engines
    from mjml.mjml import mjml2html

    from drip_plugin.models import Email
    from drip_plugin.rendering import render_email
    from drip_plugin.rendering.email import text_template
    from drip_plugin.rendering.mjml import compile_mjml
    from drip_plugin.rendering.sandbox import compile_template, render_template

    source = (ROOT / "bench" / "render_cart_email.mjml").read_text()
    email = Email(name="cart", subject=SUBJECT, mjml=source)
    batch = recipients(args.count)
    for cache in (compile_mjml, compile_template, text_template):
        cache.cache_clear()  # (a) pays its one compile inside the clock

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(timed, lambda merge: render_email(email, merge), batch)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        for cache in (compile_mjml, compile_template, text_template):
            cache.cache_clear()
    ours, ours_out = timed(lambda merge: render_email(email, merge), batch)
    per_message, per_message_out = timed(lambda merge: mjml2html(render_template(source, merge)), batch)
    birdsong = engines["django"].from_string("{% load mjml %}{% mjml %}" + source + "{% endmjml %}")
    node, node_out = timed(birdsong.render, batch[: args.sample])
    with mjml_tcpserver():
        server, server_out = timed(birdsong.render, batch[: args.server_sample])

    assert all(f"Name{i}" in out.html for i, out in enumerate(ours_out))
    assert all(f"token{i}/" in html for i, html in enumerate(node_out))
    same = sum(out.html == html for out, html in zip(ours_out, per_message_out))
    assert all(f"token{i}/" in html for i, html in enumerate(server_out))
    rates = {"a": args.count / ours, "b": args.count / per_message, "c": args.sample / node,
             "d": args.server_sample / server}
    print(f"machine: {platform.machine()} {os.cpu_count()} cores (pinned to 1), Python {platform.python_version()}")
    print(f"email: 3 cart lines, 22 merge variables; {args.count} recipients, all different; "
          f"Node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{MJML_NPM}")
    print(f"{'way':<58} {'messages':>8} {'seconds':>8} {'msg/s':>8} {'ms/msg':>7}")
    for key, label, n, seconds in (
        ("a", "(a) drip_plugin: compile once + merge (subject,html,text)", args.count, ours),
        ("b", "(b) mjml-python compile per recipient (html)", args.count, per_message),
        ("c", "(c) django-mjml + Node mjml CLI per recipient (html)", args.sample, node),
        ("d", "(d) django-mjml server mode (tcpserver) (html)", args.server_sample, server),
    ):
        print(f"{label:<58} {n:>8} {seconds:>8.2f} {rates[key]:>8.1f} {1000 * seconds / n:>7.2f}")
    print(f"(c) extrapolated to {args.count}: {args.count / rates['c']:.0f} s")
    print(f"(a)/(b): {rates['a'] / rates['b']:.1f}x   (a)/(c): {rates['a'] / rates['c']:.0f}x   "
          f"(a)/(d), the fair ratio: {rates['a'] / rates['d']:.1f}x")
    print(f"(a) and (b) produce identical HTML for {same} of {args.count} recipients")
    print(f"targets: (a) >= 2,000 msg/s: {'met' if rates['a'] >= 2000 else 'NOT met'}; "
          f"(a) >= 20x (c): {'met' if rates['a'] >= 20 * rates['c'] else 'NOT met'}")
    print(describe("at end"))


@contextlib.contextmanager
def mjml_tcpserver():
    """django-mjml switched to its tcpserver mode, against bench/mjml_tcpserver.js
    on a spare port (pinned to this process's core, as (c)'s Node processes)."""
    from mjml import settings as mjml_settings

    from tests.factories import free_port

    port = free_port()
    server = subprocess.Popen(["node", str(ROOT / "bench" / "mjml_tcpserver.js"), str(port)],
                              env={**os.environ, "NODE_PATH": str(WORK / "node_modules")},
                              stdout=subprocess.PIPE, text=True)
    saved = mjml_settings.MJML_BACKEND_MODE, mjml_settings.MJML_TCPSERVERS
    try:
        assert "RUN SERVER" in server.stdout.readline()
        # django-mjml reads its settings once, at import: switched as its own tests switch them.
        mjml_settings.MJML_BACKEND_MODE, mjml_settings.MJML_TCPSERVERS = "tcpserver", [("127.0.0.1", port)]
        yield
    finally:
        mjml_settings.MJML_BACKEND_MODE, mjml_settings.MJML_TCPSERVERS = saved
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
