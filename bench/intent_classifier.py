"""The local intent classifier: time per message over realistic replies (held-out ones
and training examples alike), as a worker runs it.

    uv run python -m bench.intent_classifier [--rounds 7] [--number 20000]

Prints the median over the rounds of the time per message (the target: under 200 µs).
"""

import argparse
import statistics
import timeit

from adapters.local.intents import LocalIntentClassifier, training_file

REPLIES = [
    "YES",
    "Yes please!",
    "no thanks, wrong number",
    "please stop texting me",
    "Stop. Thank you",
    "who is this?",
    "sí, claro",
    "no gracias",
    "maybe later, I'm driving",
    "ok sure, sign me up",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000, help="messages per round")
    args = parser.parse_args()
    classifier = LocalIntentClassifier.from_nlu_file(training_file())
    replies = REPLIES * (args.number // len(REPLIES) + 1)
    batch = replies[: args.number]

    def one_round() -> None:
        for text in batch:
            classifier.read(text)

    times = timeit.repeat(one_round, number=1, repeat=args.rounds)
    per_message = statistics.median(times) / len(batch)
    print(f"local classifier: {per_message * 1e6:.1f} µs per message (median of {args.rounds})")


if __name__ == "__main__":
    main()
