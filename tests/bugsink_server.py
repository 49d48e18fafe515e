"""A real Sentry-compatible server for integration tests: Bugsink, from PyPI, on 127.0.0.1.

Bugsink pins its own Django and sentry-sdk, so it lives in its own virtualenv: ``$BUGSINK_VENV``
(``.ci/run`` makes one), else one installed on first use under ``~/.cache/framecap-tests``. Each
instance gets its own directory (SQLite databases, ingestion store), eager ingestion (an event is
stored during its HTTP request), no phone-home, and gunicorn without a control socket. Every wait
is bounded; the server is stopped by its process id.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

import processes

VERSION = "2.6.2"

_OVERRIDES = """

# framecap test instance
import os as _os
_here = _os.path.dirname(_os.path.abspath(__file__))
DATABASES["default"]["NAME"] = _os.path.join(_here, "db.sqlite3")
DATABASES["snappea"]["NAME"] = _os.path.join(_here, "snappea.sqlite3")
SNAPPEA = {"TASK_ALWAYS_EAGER": True}
BUGSINK["PHONEHOME"] = False
BUGSINK["INGEST_STORE_BASE_DIR"] = _os.path.join(_here, "ingestion")
BUGSINK["VALIDATE_ON_DIGEST"] = "strict"  # an event that fails Sentry's schema is dropped (and logged)
"""

_SCHEMA_CHECK = """
import json, sys
import jsonschema
from bugsink.event_schema import validate

schema = json.load(open(sys.argv[1]))
for line in sys.stdin:
    event = {k: v for k, v in json.loads(line).items() if k != "_meta"}  # as Bugsink validates
    errors = []
    try:
        validate(event)
    except Exception:
        def leaves(error):
            for inner in error.context or []:
                yield from leaves(inner)
            if not error.context:
                yield error
        for error in jsonschema.Draft7Validator(schema).iter_errors(event):
            errors += sorted({f"{e.json_path}: {e.message[:200]}" for e in leaves(error) if "'null'" not in e.message})
    print(json.dumps(errors))
"""

_SETUP = """
import json
from django.contrib.auth import get_user_model
from teams.models import Team
from projects.models import Project
from bsmain.models import AuthToken
get_user_model().objects.create_superuser("admin", "admin@example.invalid", "not-used")
project = Project.objects.create(name="framecap-tests", team=Team.objects.create(name="framecap"))
print("FRAMECAP-SETUP " + json.dumps({"dsn": project.dsn, "project": project.id,
                                      "token": AuthToken.create_full_access().token}))
"""


class Unavailable(Exception):
    """Bugsink could not be installed or started here."""


def venv_bin() -> str:
    """The bin directory of a virtualenv that has Bugsink, installing one if needed."""
    configured = os.environ.get("BUGSINK_VENV")
    if configured:
        path = os.path.join(configured, "bin")
        if not os.path.exists(os.path.join(path, "bugsink-manage")):
            raise Unavailable(f"BUGSINK_VENV={configured} has no bugsink-manage")
        return path
    cache = os.path.join(os.path.expanduser("~"), ".cache", "framecap-tests", f"bugsink-{VERSION}")
    path = os.path.join(cache, "bin")
    if os.path.exists(os.path.join(path, "bugsink-manage")):
        return path
    try:
        subprocess.run([sys.executable, "-m", "venv", cache], check=True, capture_output=True, timeout=120)
        subprocess.run(
            [os.path.join(path, "python"), "-m", "pip", "install", "-q", f"bugsink=={VERSION}"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise Unavailable(f"could not install bugsink=={VERSION}: {error}") from error
    return path


def bugsink_environment(**extra: str) -> dict[str, str]:
    """A clean environment (tests/processes.py) without PYTHON* variables: Bugsink runs in its own venv."""
    env = {k: v for k, v in processes.environment().items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


def schema_errors(events: list[dict[str, Any]]) -> list[list[str]]:
    """Per event, what Sentry's event schema, as Bugsink 2.6.2 ships and applies it, objects to."""
    bin_dir = venv_bin()
    python = os.path.join(bin_dir, "python")
    found = subprocess.run(
        [python, "-c", "import api; print(list(api.__path__)[0])"], capture_output=True, text=True, timeout=60
    )
    if found.returncode != 0:
        raise Unavailable(f"Bugsink's schema not found: {found.stderr[-500:]}")
    schema = os.path.join(found.stdout.strip(), "event.schema.altered.json")
    result = subprocess.run(
        [python, "-c", _SCHEMA_CHECK, schema],
        input="".join(json.dumps(e) + "\n" for e in events),
        capture_output=True,
        text=True,
        timeout=120,
        env=bugsink_environment(),
    )
    if result.returncode != 0:
        raise Unavailable(f"the schema check failed: {result.stderr[-2000:]}")
    return [json.loads(line) for line in result.stdout.splitlines()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BugsinkServer:
    """``start()`` returns once Bugsink answers HTTP; ``stop()`` ends it by pid."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.dsn = ""
        self.project = 0
        self.token = ""

    def _env(self) -> dict[str, str]:
        return bugsink_environment(DJANGO_SETTINGS_MODULE="bugsink_conf", PYTHONPATH=self.directory)

    def _run(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            list(args), cwd=self.directory, env=self._env(), capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise Unavailable(f"{' '.join(args[:2])} failed: {result.stderr[-2000:]}")
        return result.stdout

    def start(self) -> BugsinkServer:
        bin_dir = venv_bin()
        os.makedirs(self.directory, exist_ok=True)
        conf = os.path.join(self.directory, "bugsink_conf.py")
        self._run(
            os.path.join(bin_dir, "bugsink-create-conf"),
            "--template=local",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "-o",
            conf,
        )
        with open(conf, "a") as handle:
            handle.write(_OVERRIDES)
        self._run(os.path.join(bin_dir, "bugsink-manage"), "migrate", "-v0")
        out = self._run(os.path.join(bin_dir, "bugsink-manage"), "shell", "-c", _SETUP)
        setup = json.loads(next(line for line in out.splitlines() if line.startswith("FRAMECAP-SETUP "))[15:])
        self.dsn, self.project, self.token = setup["dsn"], setup["project"], setup["token"]
        log = open(os.path.join(self.directory, "gunicorn.log"), "w")  # noqa: SIM115 - the handle lives as long as the server process
        self.process = subprocess.Popen(
            [
                os.path.join(bin_dir, "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--no-control-socket",
                "--graceful-timeout",
                "2",
                "--timeout",
                "60",
                "bugsink.wsgi",
            ],
            cwd=self.directory,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Unavailable(f"gunicorn exited with {self.process.returncode}; see {log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise Unavailable("Bugsink did not answer within 60 seconds")

    def event(self, event_id: str) -> dict[str, Any] | None:
        """The stored event, through Bugsink's API (None if it has no such event)."""
        request = urllib.request.Request(
            f"{self.base_url}/api/canonical/0/events/lookup/?project={self.project}&event_id={event_id}",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def log(self) -> str:
        """What gunicorn and Bugsink logged so far (validation warnings land here)."""
        try:
            with open(os.path.join(self.directory, "gunicorn.log")) as handle:
                return handle.read()
        except OSError:
            return ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
