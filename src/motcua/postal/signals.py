"""Signals of the postal app, sent inside the transaction that recorded the change (receivers write durable
rows only, e.g. outbox messages; interfaces and higher layers may connect to them).

``postal_delivery_failed``: ``sender`` PostalOrder, ``order`` (its ``failure_reason`` says why) and ``event``
(the ``TrackingEvent``). The back office lists these orders (``selectors.orders_needing_attention``) and a
``PostalEvent`` "delivery_failed" is written with it. People are told through the dossier, not this signal
(notifications may not import postal): an outbound order's resolved dossier gets a ``record_delivery_failure``
event in the same transaction, and notifications messages the applicant and the receiving agency's reception
officers from it.

``postal_order_delivered``: ``sender`` PostalOrder, ``order``: an outbound order was delivered and its dossier
returned (status 10, returned via postal).
"""

from django.dispatch import Signal

postal_delivery_failed = Signal()
postal_order_delivered = Signal()
