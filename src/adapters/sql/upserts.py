"""INSERT ... ON CONFLICT as text statements that SQLAlchemy compiles once.

SQLAlchemy 2.0 gives the dialects' `insert().on_conflict_do_*()` constructs no cache
key, so it compiles such a statement again at every execution: in a lead's intake the
compiler took 9 % of the API's profile samples (docs/benchmarks.md, section 16). PostgreSQL
and SQLite spell the clause alike, so one text statement serves both; its parameters
are typed from the table's columns, so values are bound exactly as by an ORM insert,
and, being text, it is compiled once per process and then found in the cache."""

from collections.abc import Sequence

from sqlalchemy import Table, TextClause, bindparam, text


def insert_on_conflict(
    table: Table,
    columns: Sequence[str],
    conflict: Sequence[str] = (),
    *,
    update: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> TextClause:
    """INSERT of `columns` (bound by their names) into `table`; on a conflict on the
    unique `conflict` columns (any unique constraint when empty) the `update` columns
    take the new row's values, or, without any, the row is left as it was."""

    def q(name: str) -> str:
        # Every name quoted, as a column may be a keyword (ticket_events' "old").
        return f'"{table.c[name].name}"'  # KeyError for a column the table lacks

    target = f" ({', '.join(map(q, conflict))})" if conflict else ""
    action = (
        "DO UPDATE SET " + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)
        if update
        else "DO NOTHING"
    )
    # The names are the table's own and the values bound: nothing is spliced in.
    sql = (
        f'INSERT INTO "{table.name}" ({", ".join(map(q, columns))}) '  # noqa: S608
        f"VALUES ({', '.join(':' + c for c in columns)}) ON CONFLICT{target} {action}"
    )
    if returning:
        sql += f" RETURNING {', '.join(map(q, returning))}"
    params = [bindparam(c, type_=table.c[c].type) for c in columns]
    return text(sql).bindparams(*params)
