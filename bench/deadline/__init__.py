"""The exam-deadline burst: 500 students submit within 5 s to the production-like stack.

It starts gunicorn (config.wsgi, production settings with a bench SECRET_KEY, plus the floor of
bench.deadline.settings) and Celery workers on this machine, against PostgreSQL and Redis that
it finds running or starts (and says which), in a dedicated database (`pc_bench`, dropped and
migrated each run) and Redis db number. Students, problem instances and answers are made
through the project's own services (`user_create`, `membership_create`,
`instance_get_or_create`, which runs the engine's variant check; then `instance_worked_record`,
what a worker does after a first open). Every student logs in over
HTTP before the burst (login form, CSRF token from the page, session cookie), opens the problem
page and keeps its CSRF token; then each student POSTs one answer to the real submit endpoint
as htmx does, all within `--burst-seconds`, from a bounded thread pool under a hard time limit,
to 127.0.0.1 only. Requests carry `X-Forwarded-Proto: https`, as from the TLS proxy production
runs behind, so production's HTTPS settings stay on.

First the same students post, at the same moments, to the floor (bench/deadline/floor/: a
logged-in POST that stores one row and queues one task that reads and writes it, on the tuned
worker configuration), and again after our bursts: the report gives our CPU per submission
(web, worker, PostgreSQL, Redis) as ratios to the mean of the two floors, and how far the floor
moved between them (this kind of machine's speed drifts within minutes). Each burst starts
after a VACUUM (ANALYZE) and a CHECKPOINT of the bench's database. The client re-fetches the
result region as htmx does until it shows the verdict (--no-poll: not). Between the floors the
same burst runs twice on the same gunicorn, each on fresh instances (a second item per
student): first against the baseline (one Celery worker process, concurrency 1), then the
tuned configuration. Submit-to-verdict is read from the
app's own timestamps (created_at, started_at, graded_at of Submission), and also from the
client's send time.

    make bench-deadline    # = .venv/bin/python -m bench.deadline --write BENCHMARKS.md
    .venv/bin/python -m bench.deadline --students 100 --no-baseline   # a quick look
"""
