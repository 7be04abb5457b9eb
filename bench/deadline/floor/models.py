from django.conf import settings
from django.db import models


class FloorRow(models.Model):
    """One floor submission: what the floor POST writes and the floor task reads and writes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.TextField()
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"floor row {self.pk}"
