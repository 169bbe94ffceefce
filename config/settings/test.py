"""Test settings: fast hashing, in-memory email, synchronous tasks, a private scratch folder."""

import atexit
import shutil
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES, Q_CLUSTER

SECRET_KEY = "test-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}

# Each test run gets its own folder for uploads and the SQLite database, so that two runs on
# one machine (two checkouts, CI beside a developer) never share or delete each other's files.
_RUN_DIR = tempfile.mkdtemp(prefix="escalations-test-")
atexit.register(shutil.rmtree, _RUN_DIR, ignore_errors=True)
MEDIA_ROOT = f"{_RUN_DIR}/media"

# SQLite: a file (not the shared in-memory database) so that tests running several threads
# exercise real locking, as several workers would, and the browser tests' live server shares it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"{_RUN_DIR}/test.sqlite3"}
