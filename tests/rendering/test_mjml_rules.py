"""Issue 17, "MJML rules, checked on save with line numbers": for every
component mjml-python supports, one valid and one invalid case per rule kind
(parent, child, attribute, value), each asserting the message and the line."""
from __future__ import annotations

from collections import deque

import pytest
from django.core.exceptions import ValidationError

from drip_plugin.models import Email
from drip_plugin.rendering.mjml import compile_mjml
from drip_plugin.rendering.mjml_rules import CHILDREN, COMPONENTS, HTML, PARENTS, TEXT
from drip_plugin.rendering.validation import email_problems

# A sample value of each attribute type, valid then invalid.
VALUES = {
    "color": ("#1f6feb", "#12345g"),
    "unit(px)": ("20px", "20"),
    "unit(px,%)": ("50%", "50em"),
    "unit(px,%){1,4}": ("0 25px", "1px 2px 3px 4px 5px"),
    "unit(px,%,)": ("1.5", "1.5em"),
    "unit(px,auto)": ("auto", "50%"),
    "unit(px,%,auto)": ("auto", "auto auto"),
    "unitWithNegative(px,em)": ("-1px", "-1pt"),
    "boolean": ("true", "yes"),
    "integer": ("4", "4px"),
}


def ancestry(name: str) -> list[str]:
    """The shortest chain of components from <mjml> down to `name`'s parent."""
    queue, seen = deque([["mjml"]]), {"mjml"}
    while queue:
        chain = queue.popleft()
        if name in COMPONENTS[chain[-1]].children:
            return chain
        for child in COMPONENTS[chain[-1]].children:
            if child not in seen and COMPONENTS[child].content == CHILDREN:
                seen.add(child)
                queue.append(chain + [child])
    raise AssertionError(f"{name} is unreachable")


def document(chain: list[str], element: str) -> tuple[str, int]:
    """`element` nested in `chain`, one tag a line; returns the source and the element's line."""
    closing = [f"</{name}>" for name in reversed(chain)]
    if "mj-body" not in chain and not element.startswith("<mj-body"):
        closing.insert(-1, "<mj-body></mj-body>")  # mjml-python wants a body after the head
    return "\n".join([f"<{name}>" for name in chain] + [element] + closing), len(chain) + 1


def minimal(name: str, attributes: str = "", inner: str | None = None) -> str:
    spec = COMPONENTS[name]
    if inner is None:
        inner = {HTML: "Hello", TEXT: "Hello", None: ""}.get(spec.content, "")
        if spec.content == CHILDREN and spec.children:
            inner = minimal(spec.children[0])
    return f"<{name}{attributes}>{inner}</{name}>" if inner or spec.content else f"<{name}{attributes} />"


def mjml_messages(source: str) -> list[str]:
    return [str(problem) for problem in email_problems(source, "Hi").get("mjml", [])]


BODY_PARTS = [name for name in COMPONENTS if name not in ("mjml", "mj-head", "mj-body")]
ALL_BUT_ROOT = [name for name in COMPONENTS if name != "mjml"]


@pytest.mark.parametrize("name", ALL_BUT_ROOT)
def test_parent_rule_valid(name):
    source, _ = document(ancestry(name), minimal(name))
    assert mjml_messages(source) == []
    compile_mjml(source)  # and mjml-python agrees


@pytest.mark.parametrize("name", ALL_BUT_ROOT)
def test_parent_rule_invalid_names_the_parents(name):
    wrong = next(p for p in ("mj-head", "mj-body", "mj-column", "mj-carousel") if p not in PARENTS[name])
    source, line = document(ancestry(wrong) + [wrong], minimal(name))
    allowed = " or ".join(f"<{p}>" for p in PARENTS[name])
    assert f"Line {line}: <{name}> cannot be directly inside <{wrong}>: it goes inside {allowed}" in mjml_messages(source)


WITH_CHILDREN = [name for name, spec in COMPONENTS.items() if spec.content == CHILDREN and spec.children]


@pytest.mark.parametrize("name", [n for n in WITH_CHILDREN if n != "mjml"])
def test_child_rule_valid(name):
    for child in COMPONENTS[name].children:
        source, _ = document(ancestry(name), minimal(name, inner=minimal(child)))
        assert mjml_messages(source) == [], child


# <mj-attributes> takes any component, as a set of defaults (tested below).
@pytest.mark.parametrize("name", [n for n in COMPONENTS if n not in ("mjml", "mj-attributes")])
def test_child_rule_invalid(name):
    spec = COMPONENTS[name]
    intruder = "mj-section" if "mj-section" not in spec.children else "mj-column"
    element = f"<{name}>\n{minimal(intruder)}\n</{name}>"
    source, line = document(ancestry(name), element)
    messages = mjml_messages(source)
    if spec.content in (HTML, TEXT):
        expected = (f"Line {line + 1}: <{intruder}> inside <{name}> is not an MJML component there "
                    f"(<{name}> holds text and HTML): close <{name}> before it")
    else:
        expected = f"Line {line + 1}: <{intruder}> cannot be directly inside <{name}>"
    assert any(m.startswith(expected) for m in messages), messages


WITH_ATTRIBUTES = [name for name in COMPONENTS if COMPONENTS[name].attributes]


@pytest.mark.parametrize("name", WITH_ATTRIBUTES)
def test_attribute_rule_valid(name):
    spec = COMPONENTS[name]
    attributes = "".join(f' {a}="{VALUES.get(t, ("x",))[0] if not t.startswith("enum") else t[5:-1].split(",")[0]}"'
                         for a, t in spec.attributes.items()
                         if a not in ("mode", "full-width", "position", "lang", "dir", "owa", "inline"))
    if name == "mjml":
        source = f'<mjml lang="fr">\n<mj-body></mj-body>\n</mjml>'
    else:
        source, _ = document(ancestry(name), minimal(name, attributes + ' css-class="a"'))
    assert mjml_messages(source) == []


@pytest.mark.parametrize("name", WITH_ATTRIBUTES)
def test_attribute_rule_invalid(name):
    if name == "mjml":
        source, line = '<mjml colour="red">\n<mj-body></mj-body>\n</mjml>', 1
    else:
        source, line = document(ancestry(name), minimal(name, ' colour="red"'))
    expected = f"Line {line}: <{name}> has no attribute “colour”"
    assert any(m.startswith(expected) for m in mjml_messages(source)), mjml_messages(source)


TYPED = [(name, attribute, kind) for name, spec in COMPONENTS.items() for attribute, kind in spec.attributes.items()
         if kind != "string" and name != "mjml"]


@pytest.mark.parametrize("name,attribute,kind", TYPED, ids=[f"{n}-{a}" for n, a, _ in TYPED])
def test_value_rule(name, attribute, kind):
    if kind.startswith("enum"):
        good, bad = kind[5:-1].split(",")[0], "sideways"
    else:
        good, bad = VALUES[kind]
    source, line = document(ancestry(name), minimal(name, f' {attribute}="{good}"'))
    assert mjml_messages(source) == [], "valid value"
    source, line = document(ancestry(name), minimal(name, f' {attribute}="{bad}"'))
    messages = mjml_messages(source)
    assert any(m.startswith(f"Line {line}: {attribute}=“{bad}” on <{name}> ") for m in messages), messages


# The messages an editor reads, written out in full.
EXACT = [
    ("<mj-section><mj-column><mj-buton>Buy</mj-buton></mj-column></mj-section>",
     "Line 3: <mj-buton> is not an MJML component — did you mean <mj-button>?"),
    ("Hello there",
     "Line 3: text “Hello there” directly inside <mj-body> is not shown: put it in an <mj-text> inside "
     "<mj-section><mj-column>"),
    ('<mj-section><mj-column><mj-text colour="red">Hi</mj-text></mj-column></mj-section>',
     "Line 3: <mj-text> has no attribute “colour” — did you mean “color”?"),
    ('<mj-section><mj-column><mj-text href="https://shop.test">Hi</mj-text></mj-column></mj-section>',
     "Line 3: <mj-text> has no attribute “href” (it belongs on <mj-button>, <mj-image>, <mj-social-element>…)"),
    ('<mj-section><mj-column><mj-text color="redd">Hi</mj-text></mj-column></mj-section>',
     "Line 3: color=“redd” on <mj-text> is not a colour (use #rrggbb, #rgb, rgb(…), rgba(…) or a CSS colour "
     "name such as “white”)"),
    ('<mj-section padding="10"><mj-column><mj-text>Hi</mj-text></mj-column></mj-section>',
     "Line 3: padding=“10” on <mj-section> needs 1 to 4 values in px or % (e.g. “10px 20px”)"),
    ("<mj-column><mj-text>Hi</mj-text></mj-column>",
     "Line 3: <mj-column> cannot be directly inside <mj-body>: it goes inside <mj-section> or <mj-group>"),
    ("<mj-section><mj-column><p>Hi</p></mj-column></mj-section>",
     "Line 3: HTML <p> cannot be directly inside <mj-column>: put HTML in an <mj-text> or <mj-raw>"),
]


@pytest.mark.parametrize("inner,message", EXACT)
def test_editor_messages_in_full(inner, message):
    source = f"<mjml>\n<mj-body>\n{inner}\n</mj-body>\n</mjml>"
    assert mjml_messages(source) == [message]


def test_template_values_are_not_judged_before_rendering():
    source = ('<mjml>\n<mj-body>\n<mj-section background-color="{{ event.colour }}"><mj-column>'
              '{% for line in cart.lines %}<mj-image src="{{ line.image_url }}" width="{{ line.width }}px" />'
              '{% endfor %}</mj-column></mj-section>\n</mj-body>\n</mjml>')
    assert mjml_messages(source) == []


def test_mj_attributes_defaults_are_checked_by_component(db):
    source = ("<mjml>\n<mj-head>\n<mj-attributes>\n<mj-all font-family=\"Arial\" />\n"
              "<mj-class name=\"blue\" color=\"blue\" />\n<mj-text colour=\"red\" />\n<mj-txt color=\"red\" />\n"
              "</mj-attributes>\n</mj-head>\n<mj-body></mj-body>\n</mjml>")
    assert mjml_messages(source) == [
        "Line 6: <mj-text> has no attribute “colour” — did you mean “color”?",
        "Line 7: <mj-txt> in <mj-attributes> names no component (use <mj-all>, <mj-class> or a component such as "
        "<mj-text>) — did you mean <mj-text>?",
    ]


def test_a_typo_on_a_block_is_reported_on_that_block(db):
    email = Email(name="Typo", subject="Hi", body=[
        {"type": "text", "value": "Hello"},
        {"type": "raw_mjml", "value": "<mj-section><mj-column>\n<mj-buton>Buy</mj-buton>\n</mj-column></mj-section>"},
    ])
    with pytest.raises(ValidationError) as raised:
        email.full_clean()
    [message] = raised.value.message_dict["body"]
    assert message.startswith("Block 2 (")
    assert message.endswith("line 2: <mj-buton> is not an MJML component — did you mean <mj-button>?")
