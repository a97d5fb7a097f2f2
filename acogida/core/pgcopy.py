"""PostgreSQL's COPY text format, written by the bulk writers themselves (registry/bulk.py, the
audit chain): one line a row, fields between tabs, ``\\N`` for null. psycopg's ``write_row``
does the same for any row, but on the thread that talks to the database, which paces a large
import; rows whose columns are known are faster made as f-strings where they are built."""

NULL = "\\N"


def copy_text(value: str) -> str:
    """``value`` as a field: COPY reads four characters specially, backslash, tab (between
    fields), newline (between rows) and carriage return."""
    if "\\" not in value and value.isprintable():  # isprintable: no tab, newline or return
        return value
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))
