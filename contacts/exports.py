"""CSV of the filtered contacts, streamed by PostgreSQL's `COPY (SELECT ...) TO STDOUT`.

The rows come from the same `ContactFilterSet` queryset as the page: its SQL is taken with
`query.sql_with_params()`, wrapped in an outer SELECT that renames, formats and neutralises the
columns, and handed to COPY. psycopg 3 streams COPY output in small blocks, so memory stays flat at
any size and the rate is several times that of csv.writer over an ORM iterator (PERFORMANCE.md).

Columns are declared once (`CONTACT_COLUMNS`): the header, the SQL and the downloads page that
documents them cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Expression, F, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.templatetags.static import static
from django.utils.http import content_disposition_header

from contacts.models import Contact, ContactExportText

BOM = "\ufeff".encode()
# Yield to the server in blocks of this size: COPY hands over one row per message.
STREAM_BLOCK_BYTES = 64 * 1024
# A spreadsheet runs a cell starting with = + - @ tab or CR as a formula (OWASP "CSV injection");
# a leading apostrophe makes it text. Applied in SQL so the COPY path stays fast.
# A CASE on the first character costs less than regexp_replace over millions of cells, and a test of
# its code point (ascii(): = + - @ tab CR; 0 for an empty cell) less than comparing left(col, 1) as
# text: 0.5 of 4.5 s for 1,000,000 rows.
NEUTRALISE_SQL = "CASE WHEN ascii({col}) IN (61, 43, 45, 64, 9, 13) THEN '''' || {col} ELSE {col} END"


@dataclass(frozen=True)
class Column:
    """One CSV column: header, what it reads, whether it is free text, and its meaning.

    A column reads either an ORM `expression` on the contact row, or (`joined`) a column of the
    contact's ContactExportText row, which copy_sql joins in.
    """

    header: str
    expression: Expression | None
    description: str
    text: bool = False
    date: bool = False
    boolean: bool = False
    joined: str | None = None


# Participants' names and source URLs come from ContactExportText, which triggers keep per contact
# (migration 0007), joined by contact id (a hash join, or index probes for a small filtered export).
# Aggregated per download they were 3.3 of the 7.9 s the export query took on 1,000,000 contacts;
# as correlated subqueries, 2,844 rows/s.

CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("contact_id", F("pk"), "Contact identifier; the record's page is /contacts/<id>/ or its delegation's page."),
    Column("kind", F("kind"), "visit, meeting, message or agreement."),
    Column("direction", F("direction"), "outbound (DPRK side abroad), inbound (foreign side in the DPRK) or remote."),
    Column("start_date", F("start_date"), "First day, ISO 8601 (YYYY-MM-DD).", date=True),
    Column("start_precision", F("start_precision"), "day, month or year: how much of start_date is known."),
    Column("end_date", F("end_date"), "Last day, ISO 8601; empty for one-day events.", date=True),
    Column("end_precision", F("end_precision"), "day, month or year."),
    Column("country_iso2", F("country__iso2"), "ISO 3166-1 alpha-2 code of the foreign counterpart's country."),
    Column("country", F("country__name"), "Foreign counterpart's country.", text=True),
    Column("place", F("place__name"), "City or site, if known.", text=True),
    Column("latitude", F("place__latitude"), "Place latitude (WGS 84)."),
    Column("longitude", F("place__longitude"), "Place longitude (WGS 84)."),
    Column("delegation_id", F("delegation_id"), "Delegation (trip) this contact belongs to, if any."),
    Column("delegation", F("delegation__title"), "Delegation title.", text=True),
    Column("delegation_type", F("delegation__delegation_type"), "party, government, military, parliament, ..."),
    Column("itinerary_order", F("itinerary_order"), "Position of a visit in its delegation's itinerary (1 = first)."),
    Column("transit", F("transit"), "true for a border or rail passage rather than a stop.", boolean=True),
    Column("dprk_participants", None, "DPRK-side people, '; '-separated, leads first.", text=True, joined="dprk"),
    Column("foreign_participants", None, "Foreign-side people, '; '-separated.", text=True, joined="foreign_side"),
    Column("summary", F("summary"), "One-sentence summary.", text=True),
    Column("confidence", F("confidence"), "0..1, how sure the pipeline or editor is."),
    Column("review_status", F("review_status"), "proposed or accepted."),
    Column("sources", None, "Article URLs behind the record, space-separated.", text=True, joined="sources"),
)


def copy_sql(queryset: QuerySet[Contact], columns: tuple[Column, ...] = CONTACT_COLUMNS) -> str:
    """The COPY statement for `queryset` with its parameters already bound (COPY takes none)."""
    inner: dict[str, Expression] = {}
    by_header: dict[str, str] = {}
    outer = []
    for column in columns:
        if column.joined:
            col = f"x.{column.joined}"
        else:
            alias = f"c{len(inner)}"
            inner[alias] = column.expression
            col = by_header[column.header] = f"t.{alias}"
        if column.date:
            # The date's own output, ISO under EXPORT_SETTINGS' DateStyle: to_char(col, 'YYYY-MM-DD')
            # wrote the same text for every date Django can hold, at a cost of about 1 s per million rows.
            col = f"{col}::text"
        elif column.boolean:
            col = f"CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END"
        elif column.text:
            col = NEUTRALISE_SQL.format(col=col)
        outer.append(f'{col} AS "{column.header}"')
    rows = queryset.order_by().values(**inner)
    rows_sql, params = rows.query.sql_with_params()
    text_table = ContactExportText._meta.db_table
    join = f"LEFT JOIN {text_table} AS x ON x.contact_id = {by_header['contact_id']}"
    # Timeline order, newest first, as on the page.
    order = f"{by_header['start_date']} DESC, {by_header['contact_id']} DESC"
    select = f"SELECT {', '.join(outer)} FROM ({rows_sql}) AS t {join} ORDER BY {order}"
    with connection.cursor() as cursor:
        # The client-side cursor binds the parameters exactly as the ORM would have.
        bound = cursor.mogrify(select, params)
    if isinstance(bound, bytes):
        bound = bound.decode()
    return f"COPY ({bound}) TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"


# Session settings for the export's one statement, reset afterwards. JIT compiled the million-row
# plan for seconds; with a larger work_mem (the PostgreSQL backend's memory, not the web worker's)
# the hash of the export text, 112 MB for 1,000,000 contacts, is built in one batch. One parallel
# worker scans, joins and sorts half the rows (a shared hash, Gather Merge keeps the order): 3.4 ->
# 2.0 s for 1,000,000 rows; a second one gains nothing on two cores, where the web worker needs one.
# DateStyle ISO: dates are written YYYY-MM-DD whatever the server's or the session's default.
EXPORT_SETTINGS = {"jit": "off", "work_mem": "'128MB'", "max_parallel_workers_per_gather": "1", "DateStyle": "ISO"}


def iter_copy(sql: str) -> Iterator[bytes]:
    """Run a COPY ... TO STDOUT and yield its output in blocks of about STREAM_BLOCK_BYTES."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        for name, value in EXPORT_SETTINGS.items():
            cursor.execute(f"SET {name} = {value}")
        try:
            with cursor.copy(sql) as copy:
                buffer = bytearray()
                for block in copy:
                    buffer += block
                    if len(buffer) >= STREAM_BLOCK_BYTES:
                        yield bytes(buffer)
                        buffer.clear()
                if buffer:
                    yield bytes(buffer)
        finally:
            for name in EXPORT_SETTINGS:
                cursor.execute(f"RESET {name}")


def stream_contacts_csv(queryset: QuerySet[Contact], *, filename: str) -> StreamingHttpResponse:
    """A streaming CSV response of exactly the queryset's rows, in its order, with a UTF-8 BOM for Excel."""
    sql = copy_sql(queryset)

    def body() -> Iterator[bytes]:
        yield BOM
        yield from iter_copy(sql)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def csv_filename(request: HttpRequest) -> str:
    return f"contact-atlas-{dt.date.today():%Y%m%d}.csv"


def static_url(path: str) -> str:
    return static(path)
