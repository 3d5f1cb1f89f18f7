#!/usr/bin/env python
"""Django's command-line utility for cpcase."""

import os
import sys

from django.core.management import execute_from_command_line

from cpcase.embedded_db import command_needs_database, ensure_started


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpcase.settings")
    # An entry point: it starts the embedded system for the commands that use the
    # database (loading the settings starts nothing).
    if command_needs_database(sys.argv):
        ensure_started()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
