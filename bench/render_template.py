"""Rendering a typical template: an SMS part and an email part (text and HTML) with a
few variables, the recipient's name and a short loop, as `RenderTemplate` renders them
for one send (compiled once, from the renderer's cache, as in a running process).

    uv run python -m bench.render_template [--rounds 7] [--number 20000]

Prints the median over the rounds of the time per render of all three parts, and per
part; each round times --number renders with timeit.
"""

import argparse
import statistics
import timeit

from adapters.jinja2.templates import JinjaTemplateRenderer
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


if __name__ == "__main__":
    main()
