"""Sign-in limits live in the database, so every gunicorn worker counts the same attempts."""

import time

from lienrx.core.ratelimit import DatabaseStorage


def test_two_workers_share_one_counter(database_url):
    first, second = DatabaseStorage(url=database_url), DatabaseStorage(url=database_url)
    assert first.incr("login/127.0.0.1", 60) == 1
    assert second.incr("login/127.0.0.1", 60) == 2
    assert first.get("login/127.0.0.1") == 2
    assert second.get_expiry("login/127.0.0.1") > time.time() + 50
    second.clear("login/127.0.0.1")
    assert first.get("login/127.0.0.1") == 0


def test_an_expired_window_starts_again(database_url):
    storage = DatabaseStorage(url=database_url)
    storage.incr("burst", 0.05)
    storage.incr("burst", 0.05)
    time.sleep(0.1)
    assert storage.get("burst") == 0
    assert storage.incr("burst", 60) == 1
    assert storage.check()
    assert storage.reset() >= 1
