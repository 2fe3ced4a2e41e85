"""Trigram GiST indexes for the name search.

The search page asks `name % <text>` of people, aliases and places. With the GIN trigram indexes
of 0004 PostgreSQL preferred a sequential scan (it computes the similarity of every name: 20-45 ms
for 33,000 places on the benchmark machine); a GiST index answers the same question in 1-5 ms and
the planner chooses it. The GIN indexes stay for the `icontains` lookups of the timeline filter.
"""

from django.db import migrations

INDEXES = [
    ("person_name_trgm_gist", "contacts_person USING gist (name gist_trgm_ops)"),
    ("person_alias_name_trgm_gist", "contacts_personalias USING gist (name gist_trgm_ops)"),
    ("place_name_trgm_gist", "contacts_place USING gist (name gist_trgm_ops)"),
]


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_roles")]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {target}", f"DROP INDEX IF EXISTS {name}")
        for name, target in INDEXES
    ]
