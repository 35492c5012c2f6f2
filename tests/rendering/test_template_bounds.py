"""Issue 15, point 0b: no template can stall a worker. Tags and filters are
an allow-list; arguments that size output and loops over huge values are
refused when saving (without rendering), capped again when rendering
(content that bypassed validation), and a rendered email over
MAX_RENDERED_BYTES fails that one message while its batch goes on."""
from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from drip_plugin import track
from drip_plugin.models import Email, Message
from drip_plugin.rendering import TemplateProblem, render_email
from drip_plugin.rendering.preview import sample_merge_context
from drip_plugin.rendering.sandbox import render_template
from drip_plugin.rendering.validation import email_problems
from drip_plugin.scheduling import tick
from tests.factories import build_sequence

from .test_validation import GOOD

HUGE_CENTER = "{{ 'a'|center:'999999999' }}"
HUGE_LOOP = "{% for i in 'x'|ljust:'100000000' %}x{% endfor %}"


def with_text(text: str) -> str:
    """GOOD with `text` instead of its greeting (line 4)."""
    return GOOD.replace("Hi {{ contact.first_name }}", text)


def mjml_lines(source: str) -> list[str]:
    return [str(problem) for problem in email_problems(source, "Hi").get("mjml", [])]


def store_bypassing_validation(email: Email, mjml: str) -> None:
    """As rows saved before these rules, or written by an import, are: no clean()."""
    Email.objects.filter(pk=email.pk).update(mjml=mjml)


@pytest.mark.timeout(20, func_only=True)  # the database's setup is not timed
def test_point0b_center_with_huge_width_refused_on_save(db):
    email = Email(name="Stall", subject="Hi", mjml=with_text(HUGE_CENTER))
    with pytest.raises(ValidationError) as raised:
        email.full_clean()
    assert raised.value.message_dict["mjml"] == ["Line 4: “center:999999999” is over the bound: at most 200"]


@pytest.mark.timeout(20, func_only=True)
def test_point0b_center_with_huge_width_refused_in_the_wagtail_admin_form(editor):  # noqa: F811
    response = editor.post(reverse("wagtailsnippets_drip_plugin_email:add"), {
        "name": "Stall", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0",
        "mjml": with_text(HUGE_CENTER), "action-publish": "action-publish",  # a draft saves, with a warning
    })
    assert response.status_code == 200
    assert "Line 4: “center:999999999” is over the bound: at most 200" in response.content.decode()
    assert not Email.objects.exists()


@pytest.mark.timeout(20)
def test_point0b_sizing_arguments_must_be_literal_and_bounded_on_save():
    source = with_text("{{ contact.first_name|ljust:contact.locale }}\n"
                       "{{ cart.total|floatformat:'30' }} {{ cart.total|stringformat:'0999999d' }}\n"
                       "{% if cart.lines|slice:':99999' %}{{ contact.first_name|truncatechars:20 }}{% endif %}\n"
                       "{% with padded=contact.first_name|rjust:'5000' %}{{ padded }}{% endwith %}")
    assert mjml_lines(source) == [
        "Line 4: “ljust:contact.locale”: write the number in the template (at most 200), not a variable",
        "Line 5: “floatformat:30” is over the bound: at most 10",
        "Line 5: “stringformat:0999999d” is over the bound: at most 200",
        "Line 6: “slice::99999” is over the bound: at most 10000",
        "Line 7: “rjust:5000” is over the bound: at most 200",
    ]


@pytest.mark.timeout(20)
def test_point0b_loop_over_a_filter_output_or_a_literal_refused_on_save():
    source = with_text(f"{HUGE_LOOP}\n{{% for c in 'abc' %}}{{{{ c }}}}{{% endfor %}}\n"
                       "{% for line in cart.lines|slice:':3' %}{{ line.name|ljust:20 }}{% endfor %}")
    loop_rule = ("a loop goes over a merge variable (cut down with “slice” or not), never over a literal or a "
                 "filter's output, which can be huge")
    assert mjml_lines(source) == [
        "Line 4: “ljust:100000000” is over the bound: at most 200",
        f"Line 4: {{% for %}} over “'x'|ljust:'100000000'”: {loop_rule}",
        f"Line 5: {{% for %}} over “'abc'”: {loop_rule}",
    ], "the loop over cart.lines|slice on line 6 is fine"


def test_point0b_unlisted_filter_and_tag_refused_with_their_line():
    filter_used = with_text("Hello\n{% if contact %}{{ contact.first_name|safe }}{% endif %}")
    (problem,) = mjml_lines(filter_used)
    assert problem.startswith("Line 5: template error: the filter “safe” is not allowed in emails (allowed: add, ")
    assert ", truncatechars, " in problem
    tag_used = with_text("Hello\n\n{% lorem 99999 w %}")
    assert mjml_lines(tag_used) == [
        "Line 6: template error: the tag {% lorem %} is not allowed in emails "
        "(allowed: comment, cycle, firstof, for, if, now, spaceless, verbatim, with)"]
    with pytest.raises(TemplateProblem, match="the filter “make_list” is not allowed in emails"):
        render_template("{{ contact.first_name|make_list }}", {})
    with pytest.raises(TemplateProblem, match=r"the tag \{% load %\} is not allowed in emails"):
        render_template("{% load static %}", {})


def test_point0b_allowed_tags_and_filters_within_bounds_still_render():
    source = ("{% with name=contact.first_name|default:'there' %}{{ name|capfirst|ljust:8 }}|{% endwith %}"
              "{% for line in cart.lines|slice:':2' %}{% cycle 'odd' 'even' %} {{ line.name|upper|truncatechars:6 }}"
              "{% empty %}none{% endfor %}|{{ cart.total|floatformat:2 }}|{{ cart.lines|length }} "
              "item{{ cart.lines|length|pluralize }}|{{ cart.lines|join:', '|default:'-' }}")
    merge = {"contact": {"first_name": "ada"}, "cart": {"total": "9.5", "lines": [{"name": "Linen shirt"}, {"name": "Mug"}]}}
    assert render_template(source, merge) == "Ada     |odd LINEN…even MUG|9.50|2 items|{&#x27;name&#x27;: &#x27;Linen shirt&#x27;}, {&#x27;name&#x27;: &#x27;Mug&#x27;}"
    assert mjml_lines(with_text(source)) == []


@pytest.mark.timeout(20, func_only=True)
def test_point0b_stored_huge_center_refused_at_render_time(db):
    email = Email.objects.create(name="Old", subject="Hi", mjml=GOOD, live=True)
    store_bypassing_validation(email, with_text(HUGE_CENTER))
    email.refresh_from_db()
    with pytest.raises(TemplateProblem, match="“center:999999999” is over the bound: at most 200"):
        render_email(email, sample_merge_context())


@pytest.mark.timeout(20)
def test_point0b_nested_loops_over_merge_data_stop_at_the_item_budget():
    # 200 + 200 × 200 passes: each inner loop is cheap, their product is not.
    source = "{% for a in event.xs %}{% for b in event.xs %}{% for c in event.xs %}{% endfor %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateProblem, match="loops went through 10,200 items: at most 10,000 per email"):
        render_template(source, {"event": {"xs": list(range(200))}})
    assert render_template("{% for a in event.xs %}{{ a }}{% endfor %}", {"event": {"xs": [1, 2]}}) == "12"


@pytest.mark.timeout(20)
def test_point0b_loop_stops_once_it_has_written_more_than_an_email_may_hold(settings):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "MAX_RENDERED_BYTES": 100_000}
    source = "{% for line in event.lines %}{{ line|center:200 }}{% endfor %}"
    with pytest.raises(TemplateProblem, match="a loop wrote over 100,000 characters"):
        render_template(source, {"event": {"lines": ["x"] * 1000}})  # 200,000 characters


@pytest.mark.timeout(20)
def test_point0b_filters_refuse_huge_values_and_joins():
    with pytest.raises(TemplateProblem, match="“escape” got 200,000 characters or items: at most 100,000"):
        render_template("{{ event.bio|escape }}", {"event": {"bio": "&" * 200_000}})
    # 1,000 one-character items, a 1,000-character separator between each two: a million characters.
    with pytest.raises(TemplateProblem, match="“join” would write 1,000,000 characters: at most 100,000"):
        render_template("{{ event.words|join:event.separator }}", {"event": {"words": ["w"] * 1000, "separator": "-" * 1000}})


@pytest.mark.timeout(20, func_only=True)
def test_point0b_stored_huge_loop_fails_one_message_batch_goes_on(db, clock, caplog):
    build_sequence("Good", steps=[(0, "days", "Welcome")])
    bad = build_sequence("Bad", steps=[(0, "days", "Stalls")]).steps.get().email
    store_bypassing_validation(bad, with_text(HUGE_LOOP))
    for n in range(3):
        track("signed_up", email=f"c{n}@example.com")
    tick()
    assert sorted(m.subject for m in mail.outbox) == ["Welcome"] * 3
    failed = Message.objects.filter(step__email=bad)
    assert {(m.status, m.error) for m in failed} == {
        ("failed", "TemplateProblem: “ljust:100000000” is over the bound: at most 200")}
    assert failed.count() == 3 and "“ljust:100000000” is over the bound" in caplog.text


@pytest.mark.timeout(20, func_only=True)
def test_point0b_rendered_email_over_the_size_cap_fails_one_message_batch_goes_on(db, clock, settings, caplog):
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "MAX_RENDERED_BYTES": 50_000}
    build_sequence("Small", steps=[(0, "days", "Small")])
    # Within every filter bound, no loop: only the whole email is too big.
    build_sequence("Big", steps=[(0, "days", "Big")], mjml=with_text("{{ contact.email|center:200 }}" * 300))
    track("signed_up", email="ada@example.com")
    tick()
    assert [m.subject for m in mail.outbox] == ["Small"]
    big = Message.objects.get(step__email__name="Big #1")
    assert big.status == "failed" and big.error.startswith("TemplateProblem: the rendered email is ")
    assert big.error.endswith(" bytes, over the 50,000 an email may have (MAX_RENDERED_BYTES)")
    assert "over the 50,000 an email may have" in caplog.text


@pytest.mark.timeout(20, func_only=True)
def test_point0b_preview_and_test_send_show_the_error_not_a_500(editor, settings):  # noqa: F811
    email = Email.objects.create(name="Old", subject="Hi", mjml=GOOD, live=True)
    store_bypassing_validation(email, with_text(HUGE_CENTER))
    url = reverse("drip_plugin_email_test_send", args=[email.pk])
    for data, shown in (({"recipients": "qa@shop.test", "preview": "1"}, "Cannot render: "),
                        ({"recipients": "qa@shop.test"}, "Not sent: ")):
        response = editor.post(url, data, follow=True)
        assert response.status_code == 200
        assert f"{shown}“center:999999999” is over the bound: at most 200" in response.content.decode()
    assert mail.outbox == []
    # The editor's preview of a draft that passes every rule but renders too big.
    settings.DRIP_PLUGIN = {**settings.DRIP_PLUGIN, "MAX_RENDERED_BYTES": 50_000}
    big = with_text("{{ contact.first_name|center:200 }}" * 300)
    preview = reverse("wagtailsnippets_drip_plugin_email:preview_on_edit", args=[email.pk])
    form = {"name": "Old", "subject": "Hi", "preheader": "", "layout": "", "body-count": "0", "mjml": big}
    assert editor.post(preview, form).json()["is_valid"]
    page = editor.get(preview, {"mode": "desktop"})
    assert page.status_code == 200
    assert "Cannot preview" in page.content.decode()
    assert "over the 50,000 an email may have (MAX_RENDERED_BYTES)" in page.content.decode()
