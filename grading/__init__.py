"""Grading: the pure engine (grading.engine) and its Django/Celery adapters."""
