"""Live lectures: a lecturer leads, trainees follow and answer polls, from any server process.

- :mod:`viewer.live.store`: the :class:`~viewer.live.store.LiveStore` interface, its records,
  rules and errors, and :func:`~viewer.live.store.open_store` (picks a backend from a setting).
- :mod:`viewer.live.sqlite_store`: one SQLite file (the default).
- :mod:`viewer.live.redis_store`: a Redis server (several app servers behind a load balancer).

Nothing is imported here, so the SQLite backend never needs the redis package loaded.
"""
