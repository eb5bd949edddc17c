"""ecoach: a Telegram e-coaching assistant for alumnae of a leadership program."""

import os

# Opt in to PTB's future behaviour: durations such as RetryAfter.retry_after are timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "1")
