"""One way to get a redis-py client for REDIS_URL (Celery's redis+socket:// included)."""

import redis
from django.conf import settings


def redis_url_for_client(url: str) -> str:
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://")
    return url


def redis_client(url: str | None = None, *, timeout: float = 2.0) -> redis.Redis:
    return redis.Redis.from_url(
        redis_url_for_client(url or settings.REDIS_URL),
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )
