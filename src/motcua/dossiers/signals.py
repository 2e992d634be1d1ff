"""Signals for the layers above (notifications, payments, postal, integration).

``dossier_event_recorded`` is sent INSIDE the transaction that changed the dossier, right after its
``DossierEvent`` row was written. Receivers write their own durable rows (an outbox message, a sync flag) in
that same transaction: if the change rolls back, so do they; if a receiver raises, the change is refused.
Receivers must not call external services here; a worker delivers the outbox after commit.

    from motcua.dossiers.signals import dossier_event_recorded

    @receiver(dossier_event_recorded, dispatch_uid="notifications.outbox")
    def queue_messages(sender, *, dossier, event, transition, **kwargs):
        if event.action in {"receive", "register", "request_supplement", ...}:
            Outbox.objects.create(dossier=dossier, template=event.action, ...)

Arguments: ``sender`` is the ``Dossier`` class; ``dossier`` the locked, saved dossier; ``event`` the new
``DossierEvent`` (``action`` = transition name, ``from_status``/``to_status``, ``reason``, ``payload``);
``transition`` the ``workflow.Transition``.

``dossier_transition_committed`` is sent after the transaction commits (``transaction.on_commit``), with the
same arguments, for effects that need no durability (cache invalidation, live page refresh).
"""

from django.dispatch import Signal

dossier_event_recorded = Signal()
dossier_transition_committed = Signal()
