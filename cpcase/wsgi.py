"""The WSGI application (gunicorn): an entry point, so it starts the embedded system
(when no ``DATABASE_URL`` is set) before Django serves anything."""

import os

from django.core.wsgi import get_wsgi_application

from cpcase.embedded_db import ensure_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpcase.settings")
ensure_started()
application = get_wsgi_application()
