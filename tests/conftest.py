"""Shared test setup."""

import os

# RetryAfter.retry_after as a timedelta, as in production (no deprecation warnings).
os.environ.setdefault("PTB_TIMEDELTA", "1")
