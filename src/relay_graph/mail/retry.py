"""When to try a temporarily failed email again: exponential backoff with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 60.0
    max_delay: float = 3600.0
    random: random.Random = field(default_factory=random.Random, compare=False)

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def delay(self, attempts: int) -> timedelta:
        """Draw the wait after the given number of failed attempts (1 or more).

        The nominal delay doubles per attempt up to `max_delay`. The wait is drawn between
        half of it and all of it, so emails that failed together do not retry together.
        """
        exponent = min(max(0, attempts - 1), 40)  # 2**40 outgrows any sensible max_delay
        nominal = min(self.max_delay, self.base_delay * 2**exponent)
        return timedelta(seconds=self.random.uniform(nominal / 2, nominal))
