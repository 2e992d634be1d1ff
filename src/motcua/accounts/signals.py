"""Signals for the layers above. Accounts sits below notifications, so it does not queue messages itself.

``verification_code_issued`` is sent INSIDE the transaction that created or renewed a one-time code. Its
receiver (``motcua.notifications.account_codes``) queues the SMS or e-mail in the outbox in that same
transaction: if the change rolls back, nothing is sent; if the receiver raises (a number the channel cannot
reach), the change is refused. At least one receiver must be connected, or the service refuses to issue a
code nobody would receive.

Arguments: ``sender`` is the ``VerificationCode`` class; ``verification`` the saved row (``user``,
``purpose``, ``channel``, ``recipient``, ``expires_at``, ``sent_count``); ``code`` the 6 digits in clear,
which exist nowhere else; ``idempotency_key`` unique per send (``account-code:<token>:<sent_count>``).
"""

from django.dispatch import Signal

verification_code_issued = Signal()
