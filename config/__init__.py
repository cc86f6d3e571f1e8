# Makes @shared_task bind to this project's app.
from .celery_app import app as celery_app

__all__ = ("celery_app",)
