"""The TemplateRenderer port: what every renderer must do (Jinja2's sandbox is the one
adapter): variables found at save time, escaping in HTML only, missing values named,
template injection refused, size and work bounded."""

from collections.abc import Callable

import pytest

from adapters.jinja2.templates import JinjaTemplateRenderer
from application.ports.templates import MissingValue, TemplateRenderer
from domain.errors import InvalidValue
from domain.templates import TemplateLimits

LIMITS = TemplateLimits(max_part_bytes=32768, max_rendered_bytes=4096, max_steps=1000)
RENDERERS: dict[str, Callable[[], TemplateRenderer]] = {
    "jinja2": lambda: JinjaTemplateRenderer(LIMITS, cache_size=8),
}


@pytest.fixture(params=list(RENDERERS))
def renderer(request: pytest.FixtureRequest) -> TemplateRenderer:
    return RENDERERS[request.param]()


def test_check_names_the_variables_read(renderer: TemplateRenderer) -> None:
    source = "Hi {{ recipient.name }}, {% for item in order.items %}{{ item }}{% endfor %}"
    assert renderer.check(source, html=False) == {"recipient", "order"}
    assert renderer.check("{% set x = 1 %}{{ x }}", html=False) == set()


def test_renders_text_as_is_and_html_escaped(renderer: TemplateRenderer) -> None:
    data = {"name": "<b>Ann & co</b>"}
    assert renderer.render("Hi {{ name }}", data, html=False) == "Hi <b>Ann & co</b>"
    assert (
        renderer.render("<p>Hi {{ name }}</p>", data, html=True)
        == "<p>Hi &lt;b&gt;Ann &amp; co&lt;/b&gt;</p>"
    )


def test_common_constructs_render(renderer: TemplateRenderer) -> None:
    source = (
        "{% for line in lines %}{{ loop.index }}. {{ line.name|title }} x{{ line.qty }}\n"
        "{% endfor %}Total: {{ '%.2f'|length }} {{ total|round(2) }}"
        "{% if vip %} (VIP){% endif %} {{ tags|join(', ') }} {{ nickname|default('friend') }}"
    )
    data = {
        "lines": [{"name": "tea", "qty": 2}, {"name": "cake", "qty": 1}],
        "total": 7.456,
        "vip": True,
        "tags": ["a", "b"],
    }
    assert renderer.render(source, data, html=False) == (
        "1. Tea x2\n2. Cake x1\nTotal: 4 7.46 (VIP) a, b friend"
    )


def test_a_missing_value_is_named(renderer: TemplateRenderer) -> None:
    with pytest.raises(InvalidValue, match="'code' is undefined"):
        renderer.render("Your code: {{ code }}", {}, html=False)
    with pytest.raises(InvalidValue, match="total"):
        renderer.render("{{ order.total }}", {"order": {}}, html=False)


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("Your code: {{ code }}", "code"),
        ("Call {{ recipient.phone }}", "recipient.phone"),
        ("{{ recipient['phone'] }}", "recipient.phone"),
        ("{% if recipient.phone %}call{% endif %}", "recipient.phone"),
        ("{{ recipient.phone ~ '!' }}", "recipient.phone"),
        ("{% for d in recipient.phone %}{{ d }}{% endfor %}", "recipient.phone"),
        ("{{ order.total }}", "order.total"),
        ("{{ order.lines.first }}", None),  # deeper than one step
        ("{{ a.x }}", None),  # 1 is held by a and b alike
    ],
)
def test_a_missing_value_says_where_it_was_read_from(
    renderer: TemplateRenderer, source: str, path: str | None
) -> None:
    variables = {"recipient": {"name": "Ann"}, "order": {"lines": {}}, "a": 1, "b": 1}
    with pytest.raises(MissingValue) as raised:
        renderer.render(source, variables, html=False)
    assert raised.value.path == path


def test_a_value_absent_on_purpose_still_renders(renderer: TemplateRenderer) -> None:
    variables = {"recipient": {"name": "Ann"}}
    source = "{{ recipient.phone|default('-') }} {{ recipient.phone is defined }}"
    assert renderer.render(source, variables, html=False) == "- False"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ self }}",
        "{{ self._TemplateReference__context }}",
        "{{ x['__class__'] }}",
        "{{ range.__self__ }}",
        "{% include '/etc/passwd' %}",
        "{% import 'x' as y %}",
        "{% extends 'base' %}",
        "{{ __herald_concat }}",
        "{{ x|center(100000) }}",
        "{{ '{0.__class__}'|format(x) }}",
        "{{ {{",
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
    ],
)
def test_template_injection_is_refused_at_save_time(
    renderer: TemplateRenderer, source: str
) -> None:
    with pytest.raises(InvalidValue):
        renderer.check(source, html=False)


@pytest.mark.parametrize(
    "source",
    [
        "{{ cycler }}",  # not a global any more
        "{{ namespace(a=1) }}",
        "{{ x|attr('__class__') }}",  # the sandbox's getattr refuses it: undefined
        "{{ x.ljust(100000) }}",  # methods other than a few harmless ones
        "{{ x.format(x) }}",
        "{{ x.replace('a', 'bbbb') }}",
        "{{ '%s' % x }}",
        "{{ x|dictsort }}",  # a filter given what it cannot take
        "{{ x + 1 }}",
    ],
)
def test_what_fails_at_render_time_is_refused(renderer: TemplateRenderer, source: str) -> None:
    with pytest.raises(InvalidValue):
        renderer.render(source, {"x": "a"}, html=False)


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
        "{% for x in items %}{% endfor %}",  # 5000 items: over the budget of 1000 steps
        "{{ range(100000)|list|length }}",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(30) }}",  # 2^30 calls
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    ],
)
def test_work_is_bounded(renderer: TemplateRenderer, source: str) -> None:
    with pytest.raises(InvalidValue):
        renderer.render(source, {"items": list(range(5000))}, html=False)


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 5000 }}",
        "{% set a = 'x' * 4000 %}{{ a ~ a }}",
        "{% set a = 'x' * 4000 %}{{ (a + a)|length }}",
        "{{ range(900)|join(x * 100) }}",
        "{{ 9999999 ** 9999999 }}",
        "{% for i in range(900) %}{{ x * 10 }}{% endfor %}",  # output past 4096 bytes
        "{{ big }}",
        "{{ 'é' * 2100 }}",  # under 4096 characters, over 4096 bytes
    ],
)
def test_size_is_bounded(renderer: TemplateRenderer, source: str) -> None:
    with pytest.raises(InvalidValue):
        renderer.render(source, {"x": "a", "big": "b" * 5000}, html=False)


def test_within_the_bounds_renders(renderer: TemplateRenderer) -> None:
    # range() makes 450 numbers and the loop takes 450: 900 steps of the 1000.
    source = "{% for i in range(450) %}{{ i % 10 }}{% endfor %}"
    assert len(renderer.render(source, {}, html=False)) == 450


def test_filters_pay_for_their_input(renderer: TemplateRenderer) -> None:
    # 30 iterations, each sorting 300 items: 9000 steps, more than the 1000 of a render.
    source = "{% for x in items[:30] %}{{ items|sort|first }}{% endfor %}"
    with pytest.raises(InvalidValue, match="too much work"):
        renderer.render(source, {"items": list(range(300))}, html=False)
    assert renderer.render("{{ items|sort|first }}", {"items": [3, 1, 2]}, html=False) == "1"


def test_a_syntax_error_says_where(renderer: TemplateRenderer) -> None:
    with pytest.raises(InvalidValue, match="line 2"):
        renderer.check("ok\n{% if %}", html=False)


def test_compiled_templates_are_reused_and_bounded() -> None:
    renderer = JinjaTemplateRenderer(LIMITS, cache_size=2)
    for n in range(5):
        assert renderer.render(f"{n} {{{{ x }}}}", {"x": "y"}, html=False) == f"{n} y"
    info = renderer.cache_info()
    assert info.currsize == 2
    renderer.render("4 {{ x }}", {"x": "z"}, html=False)
    assert renderer.cache_info().hits == info.hits + 1
