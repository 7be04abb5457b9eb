"""The floor of the stack, for the deadline bench only (never in production's settings).

What a submission cannot cost less than on this stack: a session-authenticated POST through the
same middleware that writes one row, queues one Celery task once it is stored and answers a
small fragment; and a Celery task (acks late, like grading's) that reads that row and writes it
back. `bench.deadline.settings` adds this app and its URL to the production settings; the bench
fires the same burst at it in the same run and reports our costs as ratios to it."""
