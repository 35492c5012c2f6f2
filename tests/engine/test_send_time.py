"""Issue 22: send-time optimisation inside flows — each contact's best hour,
learned from their opens and clicks, times "best time" steps."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from drip_plugin import track
from drip_plugin.analytics.send_time import Source, hour_preferences, learn_send_times
from drip_plugin.delivery.tracking import record_message_event
from drip_plugin.engine.simulate import SimulatedEvent, best_time_of, simulate
from drip_plugin.links.signed import EmailLinks
from drip_plugin.models import Contact, ContactSendTime, Enrollment, Message, SendTimeSignal
from drip_plugin.models.enrollments import EnrollmentState
from drip_plugin.scheduling import tick

from tests.factories import window

UTC = dt.UTC
EVERY_DAY = "0123456"
PARIS, NEW_YORK = zoneinfo.ZoneInfo("Europe/Paris"), zoneinfo.ZoneInfo("America/New_York")


def local(zone, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone).astimezone(UTC)


def newsletter_to(flow, clock, *addresses_and_zones) -> dict[str, Message]:
    """One email sent to each contact on 20 February (so that they have something to open), by address."""
    clock.move_to(dt.datetime(2026, 2, 20, 9, 0, tzinfo=UTC))
    flow("newsletter_due", [{"subject": "News"}], name="Newsletter")
    for address, zone in addresses_and_zones:
        Contact.objects.create(email=address, time_zone=zone)
        track("newsletter_due", email=address)
    tick()
    return {m.to_email: m for m in Message.objects.filter(step__sequence__name="Newsletter", status="sent")}


def opens_at(client, clock, message: Message, moments) -> None:
    """The contact opening `message` (our pixel, as a person: not a proxy, not staff) at each moment;
    then a tick, which learns them."""
    pixel = EmailLinks().open(message.pk)
    for moment in moments:
        clock.move_to(moment)
        client.get(pixel)
    tick()


def daily(zone, first_day: dt.date, days: int, hour: int, minute: int = 10) -> list[dt.datetime]:
    return [local(zone, *(first_day + dt.timedelta(days=n)).timetuple()[:3], hour, minute) for n in range(days)]


def best_time_flow(flow, steps=None, **fields):
    steps = steps or [{"subject": "Tonight", "timing": "best_time", "best_time_within_hours": 24},
                      {"subject": "Tomorrow night", "timing": "best_time", "delay_amount": 12, "delay_unit": "hours",
                       "best_time_within_hours": 24}]
    return flow("offer_started", steps, name="Offer",
                send_windows=fields.pop("send_windows", [window(EVERY_DAY, "08:00", "22:00")]), **fields)


def run_journeys(clock, sequence_name: str = "Offer") -> dict[str, dt.datetime]:
    """Tick at each moment a journey of the sequence is due until all ended: its emails' subjects → sent_at."""
    for _ in range(20):
        due = (Enrollment.objects.filter(sequence__name=sequence_name, state=EnrollmentState.ACTIVE)
               .order_by("due_at").values_list("due_at", flat=True).first())
        if due is None:
            break
        clock.move_to(max(due, timezone.now()))
        tick()
    return dict(Message.objects.filter(step__sequence__name=sequence_name, status="sent")
                .values_list("subject", "sent_at"))


@pytest.fixture
def few_events(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SEND_TIME_MIN_EVENTS": 3}


@pytest.mark.parametrize(("zone", "dst_day"), [
    (PARIS, dt.date(2026, 3, 29)),      # CET → CEST
    (NEW_YORK, dt.date(2026, 3, 8)),    # EST → EDT
])
def test_point_sto_contact_opening_at_19_gets_best_time_steps_at_19_local(flow, clock, client, few_events,
                                                                           zone, dst_day):
    news = newsletter_to(flow, clock, ("eve@example.com", str(zone)), ("crowd@example.com", "Asia/Tokyo"))
    learning_from = dst_day - dt.timedelta(days=6)
    # Eve reads in the evening; the crowd (more data) reads at breakfast: her own hour must win.
    opens_at(client, clock, news["crowd@example.com"], daily(zoneinfo.ZoneInfo("Asia/Tokyo"), learning_from, 5, 8))
    opens_at(client, clock, news["eve@example.com"], daily(zone, learning_from, 4, 19))
    best_time_flow(flow)
    clock.move_to(local(zone, *(dst_day - dt.timedelta(days=1)).timetuple()[:3], 10, 0))  # the day before the change
    track("offer_started", email="eve@example.com")

    sent = run_journeys(clock)

    assert {subject: at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") for subject, at in sent.items()} == {
        "Tonight": f"{dst_day - dt.timedelta(days=1)} 19:00 {'CET' if zone is PARIS else 'EST'}",
        "Tomorrow night": f"{dst_day} 19:00 {'CEST' if zone is PARIS else 'EDT'}",
    }
    offset = {PARIS: (18, 17), NEW_YORK: (0, 23)}[zone]  # 19:00 local in UTC before and after the change
    assert [sent["Tonight"].hour, sent["Tomorrow night"].hour] == list(offset)


def test_point_sto_contact_with_too_little_data_gets_population_hour(flow, clock, client, few_events):
    news = newsletter_to(flow, clock, ("new@example.com", "Europe/Paris"), ("a@example.com", "Asia/Tokyo"),
                         ("b@example.com", "America/New_York"))
    first = dt.date(2026, 3, 3)
    opens_at(client, clock, news["new@example.com"], daily(PARIS, first, 2, 11))  # two opens: too few
    for address, zone in (("a@example.com", "Asia/Tokyo"), ("b@example.com", "America/New_York")):
        opens_at(client, clock, news[address], daily(zoneinfo.ZoneInfo(zone), first, 4, 20))  # 20:00, each locally
    best_time_flow(flow, [{"subject": "Tonight", "timing": "best_time", "best_time_within_hours": 24}])
    clock.move_to(local(PARIS, 2026, 3, 10, 9, 0))
    track("offer_started", email="new@example.com")

    sent = run_journeys(clock)

    assert sent == {"Tonight": local(PARIS, 2026, 3, 10, 20, 0)}, "everyone's 20:00, in her own zone"
    preference = hour_preferences([Contact.objects.get(email="new@example.com").pk], timezone.now())
    assert [(p.source, p.best_hour, round(p.own_weight)) for p in preference.values()] == [
        (Source.POPULATION, 20, 2)]


def test_sto_with_no_data_at_all_goes_by_the_send_window(flow, clock):
    best_time_flow(flow, [{"subject": "Tonight", "timing": "best_time", "best_time_within_hours": 24}],
                   send_windows=[window(EVERY_DAY, "09:30", "17:00")])
    Contact.objects.create(email="x@example.com", time_zone="Europe/Paris")
    clock.move_to(local(PARIS, 2026, 3, 10, 7, 0))
    track("offer_started", email="x@example.com")

    assert run_journeys(clock) == {"Tonight": local(PARIS, 2026, 3, 10, 9, 30)}


def test_sto_stays_inside_the_send_windows(flow, clock, client, few_events):
    news = newsletter_to(flow, clock, ("owl@example.com", "Europe/Paris"))
    first = dt.date(2026, 3, 3)
    # Mostly at 23:00 (outside the window), sometimes at 12:00.
    opens_at(client, clock, news["owl@example.com"], daily(PARIS, first, 5, 23) + daily(PARIS, first, 2, 12))
    best_time_flow(flow, [{"subject": "Tonight", "timing": "best_time", "best_time_within_hours": 48}],
                   send_windows=[window(EVERY_DAY, "09:00", "18:00")])
    clock.move_to(local(PARIS, 2026, 3, 10, 14, 0))
    track("offer_started", email="owl@example.com")

    assert run_journeys(clock) == {"Tonight": local(PARIS, 2026, 3, 11, 12, 0)}, "its best hour inside the window"


def test_sto_stays_inside_the_frequency_cap_and_keeps_the_best_hour(flow, clock, client, few_events):
    news = newsletter_to(flow, clock, ("eve@example.com", "Europe/Paris"))
    opens_at(client, clock, news["eve@example.com"], daily(PARIS, dt.date(2026, 3, 3), 4, 19))
    best_time_flow(flow, [{"subject": "Now"},
                          {"subject": "Tonight", "timing": "best_time", "best_time_within_hours": 48}],
                   cap_count=1, cap_days=1)
    clock.move_to(local(PARIS, 2026, 3, 10, 10, 0))
    track("offer_started", email="eve@example.com")

    sent = run_journeys(clock)

    # 19:00 the same day would be a second email within a day: the next 19:00 after the cap frees (10:00).
    assert sent == {"Now": local(PARIS, 2026, 3, 10, 10, 0), "Tonight": local(PARIS, 2026, 3, 11, 19, 0)}


@pytest.mark.parametrize(("half_life_days", "best_in_june"), [(30, 21), (100_000, 8)])
def test_sto_decay_moves_the_best_hour_when_behaviour_changes(flow, clock, settings, half_life_days, best_in_june):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "SEND_TIME_HALF_LIFE_DAYS": half_life_days}
    news = newsletter_to(flow, clock, ("mover@example.com", "Europe/Paris"))["mover@example.com"]
    contact = Contact.objects.get(email="mover@example.com")

    def reads(moments):
        for moment in moments:
            record_message_event(news, "opened", contact.email, occurred_at=moment)  # as an ESP reports it
        learn_send_times(500)

    def best_hour() -> int:
        return hour_preferences([contact.pk], timezone.now())[contact.pk].best_hour

    reads(daily(PARIS, dt.date(2026, 3, 3), 10, 8))  # ten mornings in March
    assert best_hour() == 8
    clock.move_to(local(PARIS, 2026, 6, 1, 12, 0))
    reads(daily(PARIS, dt.date(2026, 6, 1), 5, 21))  # five evenings three months later
    # With a 30-day half-life, ten opens from three half-lives ago weigh 1.25 and five recent ones nearly 5;
    # with (almost) no decay, the ten still outweigh the five.
    assert best_hour() == best_in_june
    assert ContactSendTime.objects.get(contact=contact).scored_at == local(PARIS, 2026, 6, 5, 21, 10)


def test_sto_learns_no_prefetch_no_scanner_no_staff(flow, clock, client):
    news = newsletter_to(flow, clock, ("p@example.com", "Europe/Paris"))["p@example.com"]
    links = EmailLinks()
    client.get(links.click({"m": news.pk, "u": "https://shop.test/"}))  # a link scanner, on arrival
    client.get(links.open(news.pk), REMOTE_ADDR="17.58.63.12")  # Apple's privacy proxy
    assert not SendTimeSignal.objects.exists()
    clock.shift(dt.timedelta(hours=3))
    client.get(links.open(news.pk))  # the person
    assert list(SendTimeSignal.objects.values_list("local_hour", flat=True)) == [13]  # 12:00 UTC, 13:00 in Paris


def _learned_before(count: int) -> None:
    """`count` more opens learned, spread over `count // 4` more contacts."""
    known = Contact.objects.count()
    contacts = Contact.objects.bulk_create(Contact(email=f"old{known + i}@example.com") for i in range(count // 4))
    SendTimeSignal.objects.bulk_create(
        SendTimeSignal(contact=contacts[i % len(contacts)], local_hour=i % 24, occurred_at=timezone.now())
        for i in range(count))
    while learn_send_times(500):
        pass


def _learning_queries() -> list[str]:
    """The queries learning 40 new opens of 20 new contacts takes."""
    known = Contact.objects.count()
    fresh = Contact.objects.bulk_create(Contact(email=f"new{known + i}@example.com") for i in range(20))
    SendTimeSignal.objects.bulk_create(SendTimeSignal(contact=fresh[i % 20], local_hour=19, occurred_at=timezone.now())
                                       for i in range(40))
    with CaptureQueriesContext(connection) as queries:
        assert learn_send_times(500) == 40
    return [query["sql"] for query in queries]


def test_sto_learning_is_incremental_constant_queries_whatever_was_learned_before(db, clock):
    _learned_before(8)
    few = _learning_queries()
    _learned_before(2000)
    many = _learning_queries()
    assert len(many) == len(few) <= 10
    assert not any("messageevent" in sql.lower() for sql in many), "past events are never read again"
    assert not SendTimeSignal.objects.exists()


def test_sto_simulate_shows_when_and_why(flow, clock, client, few_events):
    news = newsletter_to(flow, clock, ("eve@example.com", "Europe/Paris"), ("x@example.com", "Europe/Paris"))
    opens_at(client, clock, news["eve@example.com"], daily(PARIS, dt.date(2026, 3, 3), 4, 19))
    best_time_flow(flow, [{"subject": "Tonight", "timing": "best_time", "best_time_within_hours": 24}])
    start = local(PARIS, 2026, 3, 10, 10, 0)
    timeline = simulate([SimulatedEvent(start, "offer_started", address, {})
                         for address in ("eve@example.com", "x@example.com")], until=start + dt.timedelta(days=2))
    sends = [str(entry) for entry in timeline if "Tonight" in entry.what]
    assert sends == [
        "2026-03-10 18:00 UTC  eve@example.com  email “Tonight” (Offer, step Send an email #1) — best time 19:00 "
        "Europe/Paris: the contact's learned hour, 19:00 (from 3.5 opens and clicks)",  # 4 opens, 4 to 7 days old
        "2026-03-10 18:00 UTC  x@example.com  email “Tonight” (Offer, step Send an email #1) — best time 19:00 "
        "Europe/Paris: everyone's hour, 19:00 (the contact has 0.0 of the 3 opens and clicks needed for their own)",
    ]
    assert best_time_of("x@example.com", timezone.now()) == (
        "Best time steps for x@example.com aim at everyone's hour, 19:00 (the contact has 0.0 of the 3 opens and "
        "clicks needed for their own), in Europe/Paris.")


def test_sto_admin_step_editor_map_and_simulate_page_show_best_time(editor, flow, clock, few_events):
    news = newsletter_to(flow, clock, ("eve@example.com", "Europe/Paris"))["eve@example.com"]
    for moment in daily(PARIS, dt.date(2026, 3, 3), 4, 19):
        record_message_event(news, "opened", "eve@example.com", occurred_at=moment)  # the ESP's webhook
    learn_send_times(500)
    sequence = best_time_flow(flow, [{"subject": "Tonight", "timing": "best_time", "best_time_within_hours": 24}])
    clock.move_to(local(PARIS, 2026, 3, 10, 10, 0))
    track("offer_started", email="eve@example.com")

    form = editor.get(reverse("wagtailsnippets_drip_plugin_sequence:edit", args=[sequence.pk])).content.decode()
    assert '<option value="best_time">after the wait, at the contact&#x27;s best time within N hours</option>' in form
    assert "the hour at which this contact usually opens and clicks (in their time zone)" in form
    assert "at once, then at the contact&#x27;s best time within 24 hours" in editor.get(
        f"/admin/drip/sequences/{sequence.pk}/map/").content.decode()
    page = editor.post("/admin/drip/simulate/", {"mode": "contact", "email": "eve@example.com", "days": 2}
                       ).content.decode()
    assert ("<td>2026-03-10 18:00 UTC</td><td>eve@example.com</td><td>email “Tonight” (Offer, step Send an email #1)"
            " — best time 19:00 Europe/Paris: the contact&#x27;s learned hour, 19:00 (from 3.5 opens and clicks)</td>"
            in page)
    assert ("Best time steps for eve@example.com aim at the contact&#x27;s learned hour, 19:00 (from 3.6 opens and "
            "clicks), in Europe/Paris." in page), "weighed now (10:00), nine hours younger than at the send"
