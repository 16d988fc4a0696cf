"""The handler's configuration, read from the environment on every invocation (cheap, and tests can
change it); a bad value is a configuration error, which the handler logs and answers with a 500."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

DEFAULT_RETENTION_DAYS = 2555  # 7 years: the usual retention for financial records
MAX_RETENTION_DAYS = 3650
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class ConfigurationError(RuntimeError):
    """An environment variable is missing or has a value the handler cannot use."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    retention_days: int = DEFAULT_RETENTION_DAYS
    allowed_origin: str | None = None
    log_level: int = logging.INFO

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        table_name = env.get("TABLE_NAME", "").strip()
        if not table_name:
            raise ConfigurationError("TABLE_NAME is not set")

        raw_retention = env.get("TRANSACTION_RETENTION_DAYS", "").strip() or str(DEFAULT_RETENTION_DAYS)
        if not raw_retention.isdigit() or not 1 <= int(raw_retention) <= MAX_RETENTION_DAYS:
            raise ConfigurationError(f"TRANSACTION_RETENTION_DAYS must be whole days, 1-{MAX_RETENTION_DAYS}")

        origin = env.get("ALLOWED_ORIGIN", "").strip() or None
        if origin is not None and origin != "*" and not _ORIGIN.match(origin):
            raise ConfigurationError("ALLOWED_ORIGIN must be '*' or an origin such as https://app.example.com")

        return cls(
            table_name=table_name,
            retention_days=int(raw_retention),
            allowed_origin=origin,
            log_level=log_level_from_env(env),
        )


def log_level_from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> int:
    """LOG_LEVEL as a logging level; unset or unknown means INFO (logging must never stop a request)."""
    env = os.environ if environ is None else environ
    name = env.get("LOG_LEVEL", "").strip().upper()
    return getattr(logging, name) if name in LOG_LEVELS else logging.INFO
