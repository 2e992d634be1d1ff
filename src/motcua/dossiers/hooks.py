"""Extension points for the apps above dossiers (payments, postal, ...), so that dossiers never imports them.

Apps register in their ``AppConfig.ready()``; registering the same name again replaces the earlier entry.

* **Reception checks** — ``register_reception_check(name, check)``; ``check(dossier) -> str | None``. A message
  says why an online dossier may not be received yet (e.g. fees collected before reception are unpaid). The
  ``receive`` transition's guard ``reception_allowed`` runs every check, so ``available_transitions`` and
  the service agree.
* **Transition hooks** — ``register_transition_hook(name, hook)``;
  ``hook(dossier, transition, at) -> dict | None``. Runs inside ``services._transition`` after the service's
  own changes and before the dossier row is saved and its event written (the dossier of a ``submit_online``
  or ``register`` has no primary key yet). A hook may set the dossier's reporting fields (e.g.
  ``paid_online``) and returns extra payload for the event. It must not call other services or the network.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Dossier
    from .workflow import Transition

ReceptionCheck = Callable[["Dossier"], str | None]
TransitionHook = Callable[["Dossier", "Transition", datetime], dict | None]

_reception_checks: dict[str, ReceptionCheck] = {}
_transition_hooks: dict[str, TransitionHook] = {}
_lock = threading.Lock()


def register_reception_check(name: str, check: ReceptionCheck) -> None:
    with _lock:
        _reception_checks[name] = check


def register_transition_hook(name: str, hook: TransitionHook) -> None:
    with _lock:
        _transition_hooks[name] = hook


def reception_blockers(dossier: Dossier) -> list[str]:
    """Messages of every registered check that refuses reception of ``dossier`` now."""
    messages = []
    for check in list(_reception_checks.values()):
        message = check(dossier)
        if message:
            messages.append(str(message))
    return messages


def run_transition_hooks(dossier: Dossier, transition: Transition, at: datetime) -> dict:
    payload: dict = {}
    for hook in list(_transition_hooks.values()):
        payload.update(hook(dossier, transition, at) or {})
    return payload
