"""Signals for the apps above the catalog (dossiers).

``procedure_version_published`` is sent INSIDE the transaction of ``services.procedure_version_publish``, after
the version is published and the one it replaces is closed, so a receiver's rows (e.g. the process templates
the dossiers app carries over to the new version's cases) commit or roll back with the publication.

Arguments: ``sender`` is the ``ProcedureVersion`` class; ``version`` the version just published; ``previous``
the published version it follows (the one with the latest earlier ``effective_from``), or None for a
procedure's first version.

A receiver may return a list of short Vietnamese sentences saying what it did; ``procedure_version_publish``
puts them, in order, on the returned version as ``publish_notes`` so the admin (and the importer's report)
can tell the officer.
"""

from django.dispatch import Signal

procedure_version_published = Signal()
