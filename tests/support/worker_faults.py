"""Loaded into a test worker with ``-I``: kills the worker part-way through the daily check.

After ``CPCASE_FAULT_KILL_AFTER_BATCHES`` batches of notifications have been committed, the
worker process kills itself with SIGKILL: no clean-up, no acknowledgement, exactly as if
the machine had died. The production code is not touched. If ``CPCASE_FAULT_REPORT`` names
a file, the worker first writes there how many notifications it stored, so that a test
can account for every one.
"""

import os
import signal

from celery.signals import task_prerun

from cpcase.services import daily_check

_batches = 0
_limit = int(os.environ.get("CPCASE_FAULT_KILL_AFTER_BATCHES", "0"))
_report = os.environ.get("CPCASE_FAULT_REPORT", "")
_original = daily_check.notifications_raise
_stored = 0


def _raise_then_maybe_die(*, requests):
    global _batches, _stored
    created = _original(requests=requests)
    _batches += 1
    _stored += len(created)
    if _limit and _batches >= _limit:
        if _report:
            with open(_report, "w") as report:
                report.write(str(_stored))
        os.kill(os.getpid(), signal.SIGKILL)
    return created


@task_prerun.connect
def _count_per_task(**kwargs):
    # The report counts what the task that dies stored: the tasks it finished count theirs.
    global _stored
    _stored = 0


daily_check.notifications_raise = _raise_then_maybe_die
