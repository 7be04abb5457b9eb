"""The course domain, one Django app per room: courses, authoring, practice, gradebook.

The `exercises` app itself holds no models any more: it keeps the migrations that made the
tables (the models moved to the rooms with their table names) and the demo-data command."""
