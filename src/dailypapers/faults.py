"""Fault injection for the crash tests: `DAILYPAPERS_FAULT=point:N` kills the process (SIGKILL)
the N-th time it passes `point` (several: `a:3,b:7`). Unset, a fault point costs one lookup.

Points: `import-batch` (after a batch of an import is committed), `lexical-commit` (before the
keyword index commits), `vectors-chunk` (before a chunk of vectors is stored); in `digest send`:
`digest-intent` (after a batch of intents is committed), `digest-sending` (after the "sending"
mark, before SMTP), `digest-data` (the message is with the server, before the "sent" commit
and the end of data), `digest-sent` (after the server's 250).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_passes: Counter[str] = Counter()


def fault_point(name: str) -> None:
    """Kill this process here if DAILYPAPERS_FAULT asks for it at this pass."""
    spec = os.environ.get("DAILYPAPERS_FAULT")
    if not spec:
        return
    _passes[name] += 1
    for part in spec.split(","):
        point, _, count = part.partition(":")
        if point == name and count.isdigit() and _passes[name] == int(count):
            os.kill(os.getpid(), signal.SIGKILL)
