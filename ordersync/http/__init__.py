"""Shared HTTP layer for connectors: client, rate limiter, token auth, error tree."""

from ordersync.http.auth import CachedTokenAuth
from ordersync.http.client import ApiClient, RetryPolicy, retry_after_seconds
from ordersync.http.errors import (
    ApiError,
    AuthError,
    FatalError,
    NotFound,
    RateLimited,
    RetriableError,
    UncertainWrite,
    UnsupportedOperation,
    ValidationError,
)
from ordersync.http.limiter import RateLimiter, Unlimited, limiter_for

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthError",
    "CachedTokenAuth",
    "FatalError",
    "NotFound",
    "RateLimited",
    "RateLimiter",
    "RetriableError",
    "RetryPolicy",
    "UncertainWrite",
    "Unlimited",
    "UnsupportedOperation",
    "ValidationError",
    "limiter_for",
    "retry_after_seconds",
]
