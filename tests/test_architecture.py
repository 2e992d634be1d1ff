"""The dependency line of ARCHITECTURE.md: each app imports only apps below it, and domain apps hold no HTTP code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "motcua"

# Lower layers never import higher ones; apps in the same layer do not import each other.
LAYERS = {
    "core": 0,
    "sandbox": 0,  # partner stand-ins (SMS gateway, ...): import nothing from motcua
    "accounts": 1,
    "agencies": 1.5,
    "catalog": 2,
    "dossiers": 3,
    "paperwork": 4,
    "payments": 4,
    "postal": 4,
    "notifications": 4,
    "feedback": 4,
    "reports": 5,
    "integration": 5,
    "portal": 6,
    "backoffice": 6,
    "api": 6,
    "demo": 7,
}
# Narrow exceptions to the same-layer rule: (importing app, imported module). notifications connects to the
# signal feedback sends when a petition is answered (in NotificationsConfig.ready); feedback never imports
# notifications.
ALLOWED_SAME_LAYER = {("notifications", "motcua.feedback.signals")}
INTERFACES = {"portal", "backoffice", "api"}
HTTP_MODULES = ("django.http", "ninja", "django.shortcuts", "django.views")


def _python_files():
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).parts
        if len(parts) > 1 and parts[0] in LAYERS and "migrations" not in parts:
            yield parts[0], path


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


# Parsed once at collection, before any test runs: CPython 3.11's ast.parse can fail with "AST constructor
# recursion depth mismatch" when called late in a long session whose thread state other tests disturbed.
IMPORTS = {path: _imports(path) for _, path in _python_files()}


def test_every_app_is_placed_in_a_layer():
    apps = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    unknown = apps - set(LAYERS) - {"templates", "static", "locale", "formats"}
    assert not unknown, f"add these apps to LAYERS in tests/test_architecture.py: {sorted(unknown)}"


@pytest.mark.parametrize(("app", "path"), list(_python_files()), ids=lambda v: str(v).split("src/motcua/")[-1])
def test_imports_follow_the_dependency_line(app, path):
    wrong = []
    for name in IMPORTS[path]:
        if not name.startswith("motcua."):
            continue
        target = name.split(".")[1]
        if target in LAYERS and target != app and LAYERS[target] >= LAYERS[app]:
            if LAYERS[target] == LAYERS[app] and (app, name) in ALLOWED_SAME_LAYER:
                continue
            wrong.append(name)
    assert not wrong, f"{path.relative_to(SRC)} imports {wrong}, which sit at or above the '{app}' layer"


DOMAIN_FILES = [
    (app, path)
    for app, path in _python_files()
    if app not in INTERFACES | {"demo"} and path.name != "admin.py"
]


@pytest.mark.parametrize(("app", "path"), DOMAIN_FILES, ids=lambda v: str(v).split("src/motcua/")[-1])
def test_domain_apps_hold_no_http_code(app, path):
    http = [name for name in IMPORTS[path] if name.startswith(HTTP_MODULES)]
    assert not http, f"{path.relative_to(SRC)} imports HTTP code {http}; move it to an interface app"
