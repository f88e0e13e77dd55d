"""Run one command and print, as the last stdout line, its exit code, wall time and peak RSS (JSON).

Used as ``python bench/maxrss.py CMD ARGS...``. This wrapper has exactly one child, so
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is that child's own high-water RSS (Linux reports KiB).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    """Run ``argv`` with its stdout sent to our stderr, then report on stdout."""
    if not argv:
        print("usage: maxrss.py CMD [ARGS...]", file=sys.stderr)
        return 2
    started = time.perf_counter()
    returncode = subprocess.call(argv, stdout=sys.stderr)
    seconds = time.perf_counter() - started
    max_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"returncode": returncode, "seconds": seconds, "max_rss": max_rss}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
