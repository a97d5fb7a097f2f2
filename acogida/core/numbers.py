"""Numbers typed by people (query strings, form fields, path parts). Pure: no Django.

``str.isdigit()`` accepts "²" and other digits that ``int()`` refuses, so a check with it can
still end in a 500; these helpers accept ASCII digits only and a bounded length, so the result
always fits a database integer.
"""

import re

_ID = re.compile(r"[0-9]{1,9}")


def parse_id(text) -> int | None:
    """``"42"`` → 42; anything else (empty, signs, spaces inside, "²", 10 digits or more) →
    None. Surrounding whitespace is ignored."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 <= text <= 999_999_999 else None
    match = _ID.fullmatch(str(text).strip())
    return int(match.group()) if match else None


def parse_bounded(text, low: int, high: int) -> int | None:
    """``parse_id`` within ``low``..``high`` (both included); anything else → None."""
    number = parse_id(text)
    return number if number is not None and low <= number <= high else None
