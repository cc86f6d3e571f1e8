"""The naive baseline's table, as a typical tutorial would write it."""

import uuid

from django.db import models


class NaiveNumber(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.uuid)
