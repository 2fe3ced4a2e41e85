"""Groups "Analyst" (read only) and "Editor" (edits contacts, reviews proposals).

Permissions are normally created after all migrations ran; they are created here first so that
the groups get them on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTACT_MODELS = [
    "country",
    "place",
    "organization",
    "person",
    "personalias",
    "position",
    "delegation",
    "delegationmember",
    "contact",
    "participant",
    "evidence",
]
INGEST_MODELS = ["source", "article", "proposal"]
ROLES = {
    "Analyst": [("contacts", m, "view") for m in CONTACT_MODELS] + [("ingest", m, "view") for m in INGEST_MODELS],
    "Editor": [("contacts", m, a) for m in CONTACT_MODELS for a in ("view", "add", "change")]
    + [("ingest", m, a) for m in INGEST_MODELS for a in ("view", "change")],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=f"{action}_{model}")
            for app, model, action in grants
        ]
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("contacts", "0004_search_indexes"),
        ("ingest", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
