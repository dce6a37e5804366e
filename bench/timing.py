"""Timing a read the same way in every benchmark: one warm-up, then `repeat` runs."""

import statistics
import time


def timed(label: str, fn, repeat: int, *, width: int = 66) -> float:
    """Print median, p95 and max in ms; return the median."""
    fn()  # warm caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    median = statistics.median(samples)
    print(f"{label:<{width}} median {median:8.1f} ms   p95 {p95:8.1f} ms   max {samples[-1]:8.1f} ms")
    return median
