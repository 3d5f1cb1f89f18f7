"""``manage.py serve``: the whole system from one command, and stopped cleanly by a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from cpcase.management.commands.serve import sign_in_path
from cpcase.models import User
from tests.support.worker import ROOT, database_env, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


@pytest.fixture
def serve(tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        **database_env(),
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_BROKER_DIR": str(tmp_path / "broker"),
        "PYTHONPATH": str(ROOT),
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--web-workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process, port, log
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def test_serve_runs_web_worker_and_beat_then_stops_on_sigterm(serve):
    process, port, log = serve
    base = f"http://127.0.0.1:{port}"

    def up():
        assert process.poll() is None, log.read_text()
        return _status(f"{base}/admin/login/") == 200

    wait_for(up, timeout=120, message="the web server")
    assert _status(f"{base}/api/schema/") in (200, 401, 403)
    sign_in = sign_in_path()
    if sign_in:  # the browser interface's sign-in page, once there is one
        assert _status(f"{base}{sign_in}") == 200
    wait_for(lambda: " ready." in log.read_text(), timeout=60, message="the Celery worker")
    wait_for(lambda: "beat: Starting" in log.read_text(), timeout=60, message="Celery beat")
    output = log.read_text()
    assert f"cpcase is running at http://localhost:{port}/" in output
    assert "northbrook-demo-only" in output or os.environ.get("CPCASE_DEMO_PASSWORD")
    # The demo data went into this test's database.
    assert User.objects.filter(username="sw.north").exists()

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text()
    assert _status(f"{base}/admin/login/") is None
    assert "Warm shutdown" in log.read_text()
