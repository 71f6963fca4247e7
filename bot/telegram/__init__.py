"""The Telegram transport: python-telegram-bot handlers over the engine (`kith run`)."""

import os

# PTB reads this when it builds RetryAfter and friends: opt in to timedelta values now,
# so its deprecation warnings for int seconds never fire. Set before any submodule runs.
os.environ.setdefault("PTB_TIMEDELTA", "1")
