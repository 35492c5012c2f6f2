"""Issue 4: sequences as code — YAML round trip, path-precise errors, drafts not live."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from drip_plugin.engine.transfer import ImportProblems, export_yaml, import_yaml
from drip_plugin.models import Sequence

from tests.factories import activity, condition, window


@pytest.fixture
def cart(flow):
    return flow("checkout_updated", [
        {"subject": "Cart 1", "delay_amount": 1, "delay_unit": "hours"},
        {"kind": "branch", "delay_amount": 1, "delay_unit": "days",
         "condition": [activity("order_completed", happened="has_not")], "if_false_goto": "end"},
        {"subject": "Cart 2", "timing": "weekday", "weekday": 1, "at_time": "10:00"},
        {"kind": "exit", "label": "end"},
    ], name="Cart", journey_per="checkout_id", exit_events="order_completed", debounce_minutes=30,
        trigger_filters=[condition("contact.locale", "in", "fr,en")], send_windows=[window("01234", "11:30", "13:30")])


def test_yaml_export_import_export_is_identical(cart):
    first = export_yaml([cart])
    cart.delete()
    (imported,) = import_yaml(first)
    assert not imported.live, "an imported sequence starts as a draft"
    assert export_yaml([Sequence.objects.get(pk=imported.pk)]) == first


def test_yaml_import_of_an_existing_live_sequence_creates_a_draft_revision_only(cart):
    text = export_yaml([cart]).replace("debounce_minutes: 30", "debounce_minutes: 45")
    import_yaml(text)
    cart.refresh_from_db()
    assert cart.live and cart.debounce_minutes == 30, "the live version is untouched"
    assert cart.has_unpublished_changes
    assert cart.latest_revision.as_object().debounce_minutes == 45
    assert export_yaml([cart], latest=True) == text


def test_invalid_yaml_gives_path_precise_errors_and_changes_nothing(cart):
    text = export_yaml([cart])
    broken = (text.replace("delay_unit: hours", "delay_unit: fortnights", 1)
                  .replace("email: Cart 2", "email: No such email")
                  .replace("if_false_goto: end", "if_false_goto: nowhere")
                  .replace("debounce_minutes: 30", "debounce_minutes: 30\n  colour: blue"))
    with pytest.raises(ImportProblems) as raised:
        import_yaml(broken)
    problems = raised.value.problems
    assert "sequences[0].colour: unknown field" in problems
    assert any(p.startswith("sequences[0].steps[0].delay_unit: Value 'fortnights' is not a valid choice") for p in problems)
    assert "sequences[0].steps[2].email: no email named 'No such email'" in problems
    assert "sequences[0].steps[1].if_false_goto: no step is labelled 'nowhere'" in problems
    cart.refresh_from_db()
    assert not cart.has_unpublished_changes and cart.revisions.count() == 0


def test_yaml_syntax_error_reports_line_and_commands_report_problems(cart, tmp_path):
    with pytest.raises(ImportProblems, match=r"^line 3, column 1: not valid YAML"):
        import_yaml("sequences:\n  - name: [unclosed\n")
    path = tmp_path / "s.yaml"
    call_command("drip_export", "Cart", output=str(path))
    out = io.StringIO()
    call_command("drip_import", str(path), stdout=out)
    assert "draft revision saved for “Cart”" in out.getvalue()
    path.write_text("sequences: [{name: X}]")
    with pytest.raises(CommandError, match="steps: a sequence needs at least one step"):
        call_command("drip_import", str(path))
