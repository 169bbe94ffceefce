"""Test settings: fast hashing, in-memory email, synchronous tasks."""

from .base import *  # noqa: F403
from .base import Q_CLUSTER

SECRET_KEY = "test-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
MEDIA_ROOT = "/tmp/escalations-test-media"

# SQLite: a file (not the shared in-memory database) so that tests running several threads
# exercise real locking, as several workers would.
from .base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": "/tmp/escalations-test.sqlite3"}
