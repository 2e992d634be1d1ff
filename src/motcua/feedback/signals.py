"""Signals for the apps that tell people about petitions (notifications).

``petition_answered`` is sent INSIDE the transaction of ``services.petition_answer``, right after the answer
and its ``PetitionEvent`` were written, so a receiver's durable rows (an outbox message) commit or roll back
with the answer. Receivers must not call external services here; a worker delivers the outbox after commit.

Arguments: ``sender`` is the ``Petition`` class; ``petition`` the locked, saved petition; ``answer`` the new
``PetitionAnswer``; ``event`` the new ``PetitionEvent``. Every answer sends it (a further answer too).

``notifications`` sits in the same layer as ``feedback``; it connects to this signal in its ``ready()``
(the one import between the two apps, allowed in ``tests/test_architecture.py``), and ``feedback`` never
imports ``notifications``.
"""

from django.dispatch import Signal

petition_answered = Signal()
