"""Pages of the action list, read ids first.

`Paginator` would fetch page 100 of a sorted list as `ORDER BY ... OFFSET 2475 LIMIT 25`
over whole rows, which PostgreSQL answers by sorting every visible action. Asking for
the page's ids only lets an index that holds the sort columns and the id
(`action_due_ids`, `action_document_order`) answer from the index alone; the 25 rows
are then fetched by id (with their plan and agency) and put back in that order.
"""

from django.core.paginator import Page, Paginator


class IdsFirstPaginator(Paginator):
    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self.object_list.order_by().filter(pk__in=ids).distinct().in_bulk()
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
