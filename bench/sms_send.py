#!/usr/bin/env python
"""SMS sends per second through Twilio's official SDK (what drip's SMS
channel calls, drip_plugin/channels/sms/twilio.py) against raw httpx posts
of the same requests, both to the tests' local fake of Twilio's Messages API
(tests/fake_twilio.py, in its own process). One message per call, one
connection kept alive, in turns — SDK, raw, raw, SDK, … — so the machine's
drift weighs on both alike. Prints each rate, SDK / raw (recorded, no target
yet) and the load average (bench/loadavg.py):

    .venv/bin/pip install -e ".[bench,sms]"
    .venv/bin/python bench/sms_send.py [--count 2000] [--rounds 4]
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadavg import describe  # noqa: E402

ACCOUNT, TOKEN = "AC" + "0" * 32, "fake-auth-token"
TO, SENDER = "+33612345678", "+15005550006"
BODY = "Hi Cat, your cart waits: https://shop.test/s/AbCd1234/ Reply STOP to opt out."
CALLBACK = "https://shop.test/drip/channels/sms/status/"


def _serve(urls) -> None:
    from tests.fake_twilio import serve

    fake, _ = serve(ACCOUNT, TOKEN)
    urls.put(fake.url)
    while True:
        time.sleep(3600)


def through_sdk(url: str, count: int) -> float:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    client = Client(ACCOUNT, TOKEN, http_client=TwilioHttpClient(timeout=10))
    client.api.base_url = url
    started = time.perf_counter()
    for _ in range(count):
        assert client.messages.create(to=TO, from_=SENDER, body=BODY, status_callback=CALLBACK).sid.startswith("SM")
    return count / (time.perf_counter() - started)


def raw_httpx(url: str, count: int) -> float:
    import httpx

    form = {"To": TO, "From": SENDER, "Body": BODY, "StatusCallback": CALLBACK}
    with httpx.Client(base_url=url, auth=(ACCOUNT, TOKEN), timeout=10) as client:
        started = time.perf_counter()
        for _ in range(count):
            response = client.post(f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json", data=form)
            assert response.status_code == 201 and response.json()["sid"].startswith("SM")
        return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000, help="messages per way (default 2000)")
    parser.add_argument("--rounds", type=int, default=4, help="turns the count is split into (default 4)")
    args = parser.parse_args()
    print(describe())
    urls = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(urls,), daemon=True)
    server.start()
    url = urls.get(timeout=30)
    per_round = max(1, args.count // args.rounds)
    rates: dict[str, list[float]] = {"sdk": [], "raw": []}
    ways = {"sdk": through_sdk, "raw": raw_httpx}
    try:
        for round_number in range(args.rounds):
            order = ("sdk", "raw") if round_number % 2 == 0 else ("raw", "sdk")
            for way in order:
                rates[way].append(ways[way](url, per_round))
            print(f"round {round_number + 1}: SDK {rates['sdk'][-1]:.0f}/s, raw httpx {rates['raw'][-1]:.0f}/s")
    finally:
        server.terminate()
    sdk, raw = (per_round * args.rounds / sum(per_round / r for r in rates[way]) for way in ("sdk", "raw"))
    print(f"{per_round * args.rounds} SMS each way: SDK {sdk:.0f}/s, raw httpx {raw:.0f}/s, "
          f"SDK / raw = {sdk / raw:.2f}")
    print(describe("at end"))


if __name__ == "__main__":
    main()
