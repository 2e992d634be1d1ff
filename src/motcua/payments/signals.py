"""Signals for the apps of the same layer or above (notifications, integration).

``payment_settled`` is sent after the transaction that recorded a payment commits, with ``request`` (the
paid ``PaymentRequest``) and ``dossier_id``. Every payment also leaves a ``record_payment`` ``DossierEvent``
(sent through ``dossiers.signals.dossier_event_recorded``), which is the hook for the citizen's notification:
notifications can map the action ``record_payment`` with ``payload["state"] == "paid"`` to a message.
"""

from django.dispatch import Signal

payment_settled = Signal()
