"""Test settings: fast hashing, in-memory email, synchronous tasks."""

from .base import *  # noqa: F403
from .base import Q_CLUSTER

SECRET_KEY = "test-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
MEDIA_ROOT = "/tmp/escalations-test-media"
