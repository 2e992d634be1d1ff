#!/usr/bin/env python3
"""The two commands of motcua, runnable on a fresh machine with only Python 3.11+.

    python3 dev.py run     set up .venv, install, migrate, load the demo province, serve on :8000
    python3 dev.py test    set up .venv with test tools, run ruff and the whole test suite

Everything else is passed through: ``python3 dev.py test tests/core -x`` runs a subset.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def _run(*args: str | Path, **kwargs) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def ensure_env(extras: str = "") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file may be started by an older python3
        sys.exit("motcua needs Python 3.11 or newer")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    stamp = VENV / f".installed{extras}"
    pyproject = ROOT / "pyproject.toml"
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        target = f".[{extras}]" if extras else "."
        _run(PY, "-m", "pip", "install", "--quiet", "-e", target)
        stamp.touch()


def cmd_run(args: list[str]) -> int:
    ensure_env()
    _run(BIN / "motcua", "up", *args)
    return 0


def cmd_test(args: list[str]) -> int:
    ensure_env("test")
    _run(BIN / "ruff", "check", "src", "tests", "bench", "dev.py")
    result = subprocess.run([str(BIN / "pytest"), *args], cwd=ROOT)
    return result.returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    try:
        return cmd_run(rest) if command == "run" else cmd_test(rest)
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
