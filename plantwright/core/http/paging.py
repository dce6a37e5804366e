"""Paging deep into large lists: the page's keys first, then its rows.

`ORDER BY created_at DESC LIMIT 50 OFFSET 300000` over whole rows makes the database fetch and throw
away 300,000 rows. Asking for the 50 ids first lets it walk an index only (the ordering index of the
list, e.g. WO `work_order_site_status_newest`), then fetch just those 50 rows with whatever the list
joins and prefetches. Same rows, same order, one query more.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination

# Far beyond any list we hold, and within a 64-bit SQL integer: a bigger offset is a 422, not a crash.
MAX_OFFSET = 2**31 - 1


def keys_first(queryset: QuerySet, offset: int, limit: int) -> list:
    if hasattr(queryset, "page_keys"):  # a list that knows a faster way to deep pages (WorkOrderQuerySet)
        keys = queryset.page_keys(offset, limit)
    else:
        keys = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    rows = queryset.order_by().in_bulk(keys) if keys else {}
    return [rows[key] for key in keys if key in rows]


class BoundedPagination(LimitOffsetPagination):
    """django-ninja's limit/offset with an upper bound on the offset (the API's default, see settings)."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=ninja_settings.PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class KeysFirstPagination(BoundedPagination):
    """Bounded limit/offset, fetching the page keys first."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        limit = min(pagination.limit, self.max_limit)
        return {
            self.items_attribute: keys_first(queryset, pagination.offset, limit),
            "count": self._items_count(queryset),
        }


class KeysFirstPaginator(Paginator):
    """Django's paginator for pages, fetching the page keys first."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(keys_first(self.object_list, bottom, top - bottom), number, self)
