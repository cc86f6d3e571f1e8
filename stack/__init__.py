"""The real parts, started on loopback for tests, benchmarks and the chaos run.

One module per part: ``processes`` (free ports, waiting, stopping a process
group), ``postgres`` (a throw-away cluster), ``redis_server``, ``proxy`` (a
TCP proxy that can cut every connection), ``web`` (gunicorn with the shipped
gunicorn.conf.py) and ``workers`` (Celery worker and beat, sending a task by
name). Every server listens on 127.0.0.1 only, on a free port.
"""
