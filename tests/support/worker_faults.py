"""Loaded into a test worker with ``-I``: kills the worker part-way through the daily check.

After ``CPCASE_FAULT_KILL_AFTER_BATCHES`` batches of notifications have been committed, the
worker process kills itself with SIGKILL: no clean-up, no acknowledgement, exactly as if
the machine had died. The production code is not touched.
"""

import os
import signal

from cpcase import services

_batches = 0
_limit = int(os.environ.get("CPCASE_FAULT_KILL_AFTER_BATCHES", "0"))
_original = services.notifications_raise


def _raise_then_maybe_die(*, requests):
    global _batches
    created = _original(requests=requests)
    _batches += 1
    if _limit and _batches >= _limit:
        os.kill(os.getpid(), signal.SIGKILL)
    return created


services.notifications_raise = _raise_then_maybe_die
