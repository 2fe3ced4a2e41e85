"""Search indexes: trigram matching for names, full-text search over records and articles.

Expression indexes are created in SQL so the models stay as they are; contacts/search.py writes its
WHERE clauses with exactly these expressions, which is what lets PostgreSQL use them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("person_name_trgm", "contacts_person USING gin (name gin_trgm_ops)"),
    ("person_alias_name_trgm", "contacts_personalias USING gin (name gin_trgm_ops)"),
    ("place_name_trgm", "contacts_place USING gin (name gin_trgm_ops)"),
    ("organization_name_trgm", "contacts_organization USING gin (name gin_trgm_ops)"),
    ("contact_summary_fts", "contacts_contact USING gin (to_tsvector('english'::regconfig, summary))"),
    (
        "delegation_text_fts",
        "contacts_delegation USING gin (to_tsvector('english'::regconfig, title || ' ' || summary))",
    ),
    ("article_text_fts", "ingest_article USING gin (to_tsvector('english'::regconfig, title || ' ' || text))"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_track_deletes"),
        ("ingest", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        *[
            migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {target}", f"DROP INDEX IF EXISTS {name}")
            for name, target in INDEXES
        ],
    ]
