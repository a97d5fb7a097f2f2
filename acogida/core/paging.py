"""One page of a list, as every selector that pages returns it."""

from dataclasses import dataclass

from ninja import Schema


@dataclass
class Page:
    items: list
    count: int  # in all, not on this page
    page: int  # from 1
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count


class PageOut(Schema):
    """A ``Page`` in the API; a subclass adds ``items`` (and what else its page carries)."""

    count: int
    page: int
    page_size: int
    has_next: bool
