"""Settings and the production shape: loud failure, every setting documented, compose valid."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SETTING = re.compile(
    r"""[eE]nv(?:\(\))?\.(?:str|bool|int|list|db|path|float|url)\(\s*"([A-Z0-9_]+)\""""
)


def _load_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with only ``env`` (and PATH) set."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "cpcase.settings",
        "CPCASE_DATA_DIR": str(tmp_path),
        # Reading settings connects to nothing (tests/core/test_entry_points.py); nor do these.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        **env,
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _load_settings(tmp_path, CPCASE_PRODUCTION="1", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_with_a_secret_key_is_secure(tmp_path):
    result = _load_settings(tmp_path, CPCASE_PRODUCTION="1", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000"]


def test_a_bad_value_fails_loudly(tmp_path):
    result = _load_settings(tmp_path, CPCASE_NOTIFY_BATCH_SIZE="0")
    assert result.returncode != 0
    assert "CPCASE_NOTIFY_BATCH_SIZE" in result.stderr


def test_every_setting_is_documented_in_env_example():
    read = set(SETTING.findall((ROOT / "cpcase" / "settings.py").read_text()))
    documented = set(re.findall(r"^#? ?([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert len(read) > 20
    assert read - documented == set(), "add these to .env.example"


def test_compose_describes_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert services["db"]["image"] == "postgres:18"
    for name in ("db", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        assert service["build"]["dockerfile"] == "cpcase/deploy/Dockerfile"
        env = service["environment"]
        assert env["CPCASE_PRODUCTION"] == "1"
        assert ":?" in env["DJANGO_SECRET_KEY"], "the secret key must be required"
        for variable in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
            assert variable in env, (name, variable)
    assert services["worker"]["command"][:4] == ["celery", "-A", "cpcase", "worker"]
    assert "beat" in services["beat"]["command"]
    assert "gunicorn" in services["web"]["command"]
    dockerfile = (ROOT / "cpcase" / "deploy" / "Dockerfile").read_text()
    assert "collectstatic" in dockerfile
    assert (ROOT / "cpcase" / "deploy" / "healthcheck.py").exists()
