"""One page of a list, as every selector that pages returns it."""

from dataclasses import dataclass


@dataclass
class Page:
    items: list
    count: int  # in all, not on this page
    page: int  # from 1
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count
