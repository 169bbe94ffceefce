"""Development settings: DEBUG on, a fixed insecure key, the console email backend."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-change-me")
