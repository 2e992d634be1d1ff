"""Page-number pagination shared by the list endpoints: {count, page, page_size, pages, items}."""

from __future__ import annotations

from collections.abc import Callable
from math import ceil

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed


def paginate(queryset: QuerySet, *, page: int, page_size: int, present: Callable) -> dict:
    """One page of ``queryset`` with each object passed through ``present``.

    Costs the page's own queries plus, unless the page is the last and not full, one count query. A page
    past the end is empty, not an error.
    """
    # The query schema holds the same bound; this keeps it true when the setting changes at run time.
    maximum = settings.MOTCUA_API_PAGE_SIZE_MAX
    if page_size > maximum:
        message = _("Số mục mỗi trang tối đa là %(max)d.") % {"max": maximum}
        raise ValidationFailed(message, extra={"errors": [{"field": "page_size", "message": message}]})
    offset = (page - 1) * page_size
    objects = list(queryset[offset : offset + page_size])
    # A partly filled page is the last one: the count is known without asking (most searches fit one page).
    count = offset + len(objects) if 0 < len(objects) < page_size else queryset.count()
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": ceil(count / page_size),
        "items": [present(obj) for obj in objects],
    }
