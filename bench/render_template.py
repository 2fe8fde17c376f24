"""Rendering a typical template: an SMS part and an email part (text and HTML) with a
few variables, the recipient's name and a short loop, as `RenderTemplate` renders them
for one send (compiled once, from the renderer's cache, as in a running process).

    uv run python -m bench.render_template [--rounds 7] [--number 20000]

Prints the median over the rounds of the time per render of all three parts, and per
part; each round times --number renders with timeit. Then the other end: how long the
most expensive templates we know of run before the render's budget or size bound stops
them (the default settings; the median of --rounds runs each).
"""

import argparse
import statistics
import time
import timeit

from adapters.jinja2.templates import JinjaTemplateRenderer
from domain.errors import InvalidValue
from domain.templates import TemplateLimits

SMS = "Hi {{ recipient.name|default('there') }}, your order {{ order_id }} ships {{ day }}."
SUBJECT = "Order {{ order_id }} is on its way"
TEXT = (
    "Hi {{ recipient.name }},\n\nYour order {{ order_id }} ships {{ day }}:\n"
    "{% for item in items %}- {{ item.qty }} x {{ item.name }}\n{% endfor %}"
    "Total: {{ total }}\n"
)
HTML = (
    "<p>Hi {{ recipient.name }},</p><p>Your order <b>{{ order_id }}</b> ships {{ day }}:</p>"
    "<ul>{% for item in items %}<li>{{ item.qty }} x {{ item.name }}</li>{% endfor %}</ul>"
    "<p>Total: {{ total }}</p>"
)
DATA = {
    "order_id": "A-1042",
    "day": "on Tuesday",
    "items": [{"qty": 2, "name": "Tea <green>"}, {"qty": 1, "name": "Cake"}],
    "total": "€12.40",
    "recipient": {"name": "Ann", "locale": "en"},
}
BIG = "x" * 65000
# Each would run for seconds or build gigabytes without the bounds.
COSTLY = {
    "nested loops": "{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}",
    "a sort per item": "{% for x in items %}{{ items|sort|first }}{% endfor %}",
    "a join per item": "{% for x in items %}{% set y = big|join('') %}{% endfor %}",
    "a method per item": "{% for x in items %}{% set y = big.upper() %}{% endfor %}",
    "concatenation": "{% for x in items %}{% set y = big ~ big %}{% endfor %}",
    "2^30 macro calls": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(30) }}"
    ),
    "output": "{% for x in items %}{{ big }}{% endfor %}",
}
PARTS = {
    "sms": (SMS, False),
    "subject": (SUBJECT, False),
    "text": (TEXT, False),
    "html": (HTML, True),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    renderer = JinjaTemplateRenderer(TemplateLimits(32768, 65536, 10000))
    for source, html in PARTS.values():
        renderer.check(source, html=html)  # compiled once, as saving a template does

    def per_render(source: str, html: bool) -> float:
        seconds = timeit.repeat(
            lambda: renderer.render(source, DATA, html=html), number=args.number, repeat=args.rounds
        )
        return statistics.median(seconds) / args.number * 1e6

    timings = {name: per_render(source, html) for name, (source, html) in PARTS.items()}
    for name, micros in timings.items():
        print(f"{name:8} {micros:6.1f} µs")
    email = timings["subject"] + timings["text"] + timings["html"]
    print(f"sms send   {timings['sms']:6.1f} µs  (target < 50 µs)")
    print(f"email send {email:6.1f} µs  (subject + text + html)")
    costly_data = {"items": list(range(10000)), "big": BIG}
    for name, source in COSTLY.items():
        renderer.check(source, html=False)
        runs = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            try:
                renderer.render(source, costly_data, html=False)
                outcome = "rendered"
            except InvalidValue as exc:
                outcome = exc.message
            runs.append(time.perf_counter() - started)
        print(f"{name:18} {statistics.median(runs) * 1e3:6.1f} ms  {outcome}")


if __name__ == "__main__":
    main()
