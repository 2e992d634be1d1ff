"""Signals of the postal app, sent inside the transaction that recorded the change (receivers write durable
rows only, e.g. outbox messages; interfaces and higher layers may connect to them).

``postal_delivery_failed``: ``sender`` PostalOrder, ``order`` (its ``failure_reason`` says why) and ``event``
(the ``TrackingEvent``). The staff of ``order.agency`` must be told: the back office lists these orders
(``selectors.orders_needing_attention``) and a ``PostalEvent`` "delivery_failed" is written with it.

``postal_order_delivered``: ``sender`` PostalOrder, ``order``: an outbound order was delivered and its dossier
returned (status 10, returned via postal).
"""

from django.dispatch import Signal

postal_delivery_failed = Signal()
postal_order_delivered = Signal()
