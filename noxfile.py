"""Run the whole test suite on every supported CPython found under ``pyenv root``.

nox                 # all of 3.9 ... 3.13
nox -s tests-3.13   # one
"""

import glob
import os
import subprocess

import nox

nox.options.error_on_missing_interpreters = True
nox.options.reuse_existing_virtualenvs = True
VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]


def _pyenv_python(version: str) -> str:
    """The newest pyenv-installed CPython of ``version`` (e.g. 3.13 -> .../versions/3.13.0/bin/python)."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser("~/.pyenv")
    found = sorted(
        glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python")),
        key=lambda p: [int(x) for x in p.split(os.sep)[-3].split(".") if x.isdigit()],
    )
    return found[-1] if found else f"python{version}"


def _tests_on(version: str):
    def tests(session: nox.Session) -> None:
        session.install("-e", ".[test]")
        session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *session.posargs)

    tests.__doc__ = f"The whole suite on CPython {version}."
    return nox.session(name=f"tests-{version}", python=_pyenv_python(version))(tests)


for _version in VERSIONS:
    _tests_on(_version)
