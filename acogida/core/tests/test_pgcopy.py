"""The COPY text the bulk writers make themselves reads back as exactly what was written."""

import pytest
from django.db import connection

from acogida.core.pgcopy import NULL, copy_text

TEXTS = ["plain", "", "back\\slash", "\\N", "tab\there", "new\nline", "carriage\rreturn",
         "ends with \\", "Ñaqui María-José O'Neil", "\\.", "non\u00a0breaking"]


def test_the_four_special_characters_are_escaped_and_nothing_else():
    assert copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_text("María\u00a0José") == "María\u00a0José"
    assert copy_text("plain") == "plain"


@pytest.mark.django_db
def test_every_text_reads_back_exactly_through_copy():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's COPY")
    lines = "".join(f"{n}\t{copy_text(t)}\n" for n, t in enumerate(TEXTS)) + f"99\t{NULL}\n"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE copied (n int, t text)")
        with cursor.cursor.copy("COPY copied (n, t) FROM STDIN") as copy:
            copy.write(lines.encode())
        cursor.execute("SELECT n, t FROM copied ORDER BY n")
        assert cursor.fetchall() == [*enumerate(TEXTS), (99, None)]
