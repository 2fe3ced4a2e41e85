"""Test settings: the real PostgreSQL and Redis, with speed overrides only."""

from .base import *  # noqa: F403

SECRET_KEY = "test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Tests write through the ORM and read the page next: every page reads the current data version.
DATA_VERSION_SECONDS = 0
