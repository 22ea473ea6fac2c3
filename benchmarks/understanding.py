"""Understanding calls per second and latency per turn over the held-out set, one process.

Run: .venv/bin/python benchmarks/understanding.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from fairdial.conversation.nlu.dataset import read_examples
from fairdial.conversation.understanding import understand

HELDOUT = Path(__file__).parents[1] / "eval" / "nlu" / "heldout.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds

    examples = read_examples(HELDOUT)
    started = time.perf_counter()
    understand("warm up", "en-US", examples[0].today)  # trains or loads the model
    print(f"model ready       {1000 * (time.perf_counter() - started):.0f} ms")

    latencies = []
    for round_number in range(rounds):
        for example in examples:
            # A new suffix each round defeats the normalisation cache, as fresh speech would.
            text = example.text if round_number == 0 else f"{example.text} {round_number}"
            began = time.perf_counter()
            understand(text, example.lang, example.today, payday=example.payday)
            latencies.append(time.perf_counter() - began)

    latencies.sort()
    total = sum(latencies)
    print(f"turns             {len(latencies)}")
    print(f"calls per second  {len(latencies) / total:.0f}")
    print(f"p50 latency       {1000 * statistics.median(latencies):.2f} ms")
    print(f"p99 latency       {1000 * latencies[int(0.99 * (len(latencies) - 1))]:.2f} ms")


if __name__ == "__main__":
    main()
