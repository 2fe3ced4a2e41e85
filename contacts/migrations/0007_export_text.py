"""Per-contact CSV text (participant names by side, source URLs), kept by triggers.

The CSV export aggregated every participant and evidence row of the export per download: 3.3 of its
7.9 s on 1,000,000 contacts. `contacts_exporttext_refresh(ids)` computes the same aggregates as the
export did, for the given contacts only, and statement-level AFTER triggers (transition tables: one
call per statement, however many rows, so a COPY or bulk_create costs one aggregate) call it on:
participant and evidence inserts, updates and deletes; person renames; contact deletes (the row goes).
A TRUNCATE of contacts, participants or evidence rebuilds the whole table (`contacts_exporttext_fill`).
The triggers fire in `session_replication_role = replica` sessions too (ENABLE ALWAYS).

Concurrency: the refresh first locks the contacts' rows of the table; a second transaction refreshing
the same contact waits, then (READ COMMITTED: a new snapshot per statement) aggregates with the first
one's rows, so two concurrent writers cannot leave a text missing either's participants.
The last operation fills the rows of the contacts already there.
"""

from django.db import migrations, models

REFRESH = """
CREATE FUNCTION contacts_exporttext_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO contacts_contactexporttext (contact_id)
    SELECT c.id FROM contacts_contact c WHERE c.id = ANY(ids) ORDER BY c.id
    ON CONFLICT (contact_id) DO NOTHING;
    PERFORM 1 FROM contacts_contactexporttext x WHERE x.contact_id = ANY(ids) ORDER BY x.contact_id FOR UPDATE;
    UPDATE contacts_contactexporttext x
    SET dprk = pa.dprk, foreign_side = pa.foreign_side, sources = ev.urls
    FROM (SELECT DISTINCT unnest(ids) AS id) AS i
    LEFT JOIN (
        SELECT p.contact_id,
               string_agg(pe.name, '; ' ORDER BY p.role, p.id) FILTER (WHERE p.side = 'dprk') AS dprk,
               string_agg(pe.name, '; ' ORDER BY p.role, p.id) FILTER (WHERE p.side = 'foreign') AS foreign_side
        FROM contacts_participant p JOIN contacts_person pe ON pe.id = p.person_id
        WHERE p.contact_id = ANY(ids)
        GROUP BY p.contact_id
    ) AS pa ON pa.contact_id = i.id
    LEFT JOIN (
        SELECT e.contact_id, string_agg(e.url, ' ' ORDER BY e.published, e.id) AS urls
        FROM contacts_evidence e
        WHERE e.contact_id = ANY(ids)
        GROUP BY e.contact_id
    ) AS ev ON ev.contact_id = i.id
    WHERE x.contact_id = i.id
      AND (x.dprk, x.foreign_side, x.sources) IS DISTINCT FROM (pa.dprk, pa.foreign_side, ev.urls);
END
$$;
"""

# One function per table; a branch reads only the transition tables its event has.
ON_ROWS = """
CREATE FUNCTION contacts_exporttext_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM contacts_exporttext_refresh(ARRAY(SELECT DISTINCT contact_id FROM new_rows WHERE contact_id IS NOT NULL));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM contacts_exporttext_refresh(ARRAY(SELECT DISTINCT contact_id FROM old_rows WHERE contact_id IS NOT NULL));
    ELSE
        -- Only rows whose exported columns changed: an edit of a post or an article link locks nothing.
        PERFORM contacts_exporttext_refresh(ARRAY(
            SELECT DISTINCT changed.id
            FROM old_rows o JOIN new_rows n ON n.id = o.id, unnest(ARRAY[o.contact_id, n.contact_id]) AS changed (id)
            WHERE ({columns}) IS DISTINCT FROM ({new_columns}) AND changed.id IS NOT NULL));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_exporttext_insert AFTER INSERT ON contacts_{table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_exporttext_{table}();
CREATE TRIGGER contacts_exporttext_update AFTER UPDATE ON contacts_{table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_exporttext_{table}();
CREATE TRIGGER contacts_exporttext_delete AFTER DELETE ON contacts_{table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_exporttext_{table}();
"""


def on_rows(table: str, exported: tuple[str, ...]) -> str:
    """The triggers of a table whose rows feed the text; `exported`: the columns the text reads."""
    return ON_ROWS.format(
        table=table,
        columns=", ".join(f"o.{column}" for column in exported),
        new_columns=", ".join(f"n.{column}" for column in exported),
    )


PERSON = """
CREATE FUNCTION contacts_exporttext_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contacts_exporttext_refresh(ARRAY(
        SELECT DISTINCT p.contact_id
        FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN contacts_participant p ON p.person_id = n.id
        WHERE n.name IS DISTINCT FROM o.name));
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_exporttext_rename AFTER UPDATE ON contacts_person
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_exporttext_person();

CREATE FUNCTION contacts_exporttext_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contacts_contactexporttext x USING old_rows o WHERE x.contact_id = o.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_exporttext_delete AFTER DELETE ON contacts_contact
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_exporttext_contact();
"""


# Every contact's text from scratch, one pass over each table (the refresh's aggregates, unfiltered):
# fills the table here, and again after a TRUNCATE of contacts, participants or evidence.
REFILL = """
CREATE FUNCTION contacts_exporttext_fill() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- DELETE, not TRUNCATE: a flush truncates this table in the same statement as the contacts.
    DELETE FROM contacts_contactexporttext;
    INSERT INTO contacts_contactexporttext (contact_id, dprk, foreign_side, sources)
    SELECT coalesce(pa.contact_id, ev.contact_id), pa.dprk, pa.foreign_side, ev.urls
    FROM (
        SELECT p.contact_id,
               string_agg(pe.name, '; ' ORDER BY p.role, p.id) FILTER (WHERE p.side = 'dprk') AS dprk,
               string_agg(pe.name, '; ' ORDER BY p.role, p.id) FILTER (WHERE p.side = 'foreign') AS foreign_side
        FROM contacts_participant p JOIN contacts_person pe ON pe.id = p.person_id
        GROUP BY p.contact_id
    ) AS pa
    FULL JOIN (
        SELECT e.contact_id, string_agg(e.url, ' ' ORDER BY e.published, e.id) AS urls
        FROM contacts_evidence e
        WHERE e.contact_id IS NOT NULL
        GROUP BY e.contact_id
    ) AS ev ON ev.contact_id = pa.contact_id;
END
$$;
CREATE FUNCTION contacts_exporttext_refill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contacts_exporttext_fill();
    RETURN NULL;
END
$$;
"""
TRIGGERS = [
    *((table, event) for table in ("participant", "evidence") for event in ("insert", "update", "delete")),
    ("person", "rename"),
    ("contact", "delete"),
    *((table, "truncate") for table in ("contact", "participant", "evidence")),
]
for _table in ("contact", "participant", "evidence"):
    REFILL += (
        f"CREATE TRIGGER contacts_exporttext_truncate AFTER TRUNCATE ON contacts_{_table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION contacts_exporttext_refill();\n"
    )
# ALWAYS: they fire in `session_replication_role = replica` sessions too (the benchmark's bulk loader
# turns the history triggers off that way), so no writer can leave the text stale.
ALWAYS = "".join(
    f"ALTER TABLE contacts_{table} ENABLE ALWAYS TRIGGER contacts_exporttext_{event};\n" for table, event in TRIGGERS
)
DROP = "".join(
    f"DROP TRIGGER IF EXISTS contacts_exporttext_{event} ON contacts_{table};\n" for table, event in TRIGGERS
)
DROP += """
DROP FUNCTION IF EXISTS contacts_exporttext_contact(), contacts_exporttext_person(), contacts_exporttext_participant(),
    contacts_exporttext_evidence(), contacts_exporttext_refill(), contacts_exporttext_fill(),
    contacts_exporttext_refresh(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0006_name_gist_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactExportText",
            fields=[
                (
                    "contact",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="contacts.contact",
                    ),
                ),
                ("dprk", models.TextField(null=True)),
                ("foreign_side", models.TextField(null=True)),
                ("sources", models.TextField(null=True)),
            ],
            options={
                "default_permissions": (),
            },
        ),
        migrations.RunSQL(
            REFRESH
            + on_rows("participant", ("contact_id", "person_id", "side", "role"))
            + on_rows("evidence", ("contact_id", "url", "published"))
            + PERSON
            + REFILL
            + ALWAYS,
            DROP,
        ),
        # The rows of the contacts already there.
        migrations.RunSQL("SELECT contacts_exporttext_fill()", migrations.RunSQL.noop),
    ]
