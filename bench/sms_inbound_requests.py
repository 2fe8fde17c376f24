"""Signed Twilio inbound webhooks for bench/sms_inbound.sh: `--count` lines of
`<X-Twilio-Signature>\\t<form body>`, each a message of its own (MessageSid), signed with
the auth token for the public URL, as Twilio signs them. wrk replays them in turn.

    uv run python -m bench.sms_inbound_requests --out /tmp/inbound.tsv --url URL --token T
"""

import argparse
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--url", required=True, help="{HERALD_PUBLIC_URL}/webhooks/twilio/inbound")
    parser.add_argument("--token", required=True, help="HERALD_TWILIO_AUTH_TOKEN")
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    validator = RequestValidator(args.token)
    with args.out.open("w") as out:
        for i in range(args.count):
            form = {
                "MessageSid": f"SM{i:032x}",
                "AccountSid": "AC" + "0" * 31 + "1",
                "From": f"+1510{i % 10_000_000:07d}",
                "To": "+15005550006",
                "Body": "YES" if i % 2 else "please stop texting me",
                "NumMedia": "0",
                "NumSegments": "1",
                "SmsStatus": "received",
                "ApiVersion": "2010-04-01",
            }
            signature = validator.compute_signature(args.url, form)
            out.write(f"{signature}\t{urlencode(form)}\n")


if __name__ == "__main__":
    main()
