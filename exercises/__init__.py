"""Courses, problem templates and sets, per-student problem instances and submissions."""
