"""Pages of the action list, read ids first.

`Paginator` would fetch page 100 of a sorted list as `ORDER BY ... OFFSET 2475 LIMIT 25`
over whole rows, which PostgreSQL answers by sorting every visible action. Asking for
the page's ids only lets an index that holds the sort columns and the id
(`action_due_ids`, `action_document_order`) answer from the index alone; the 25 rows
are then fetched by id (with their plan and agency) and put back in that order.
No DISTINCT on that fetch: `in_bulk` keys the rows by id, so a row repeated by a join
(the review filter) comes once, without PostgreSQL sorting 50 wide rows to find out.

A short result (a text search, a filter) has its ids read whole, without LIMIT. With
LIMIT, PostgreSQL prefers to walk the list-order index and test every row until the
page is full, which for a search matching 1 action in 30 reads a thousand rows; without
it, it takes the matches from their own index (the search vector's) and sorts them.
"""

from django.core.paginator import Page, Paginator


class IdsFirstPaginator(Paginator):
    def __init__(self, object_list, per_page, *, whole_ids_up_to: int = 1000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.whole_ids_up_to = whole_ids_up_to  # ids are 8 bytes: a thousand is nothing

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        in_order = self.object_list.values_list("pk", flat=True)
        whole = self.count <= self.whole_ids_up_to
        ids = list(in_order)[bottom:top] if whole else list(in_order[bottom:top])
        rows = self.object_list.order_by().filter(pk__in=ids).in_bulk()
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
