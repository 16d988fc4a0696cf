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
# scheme://host[:port], nothing after: a DNS name (or IPv4 address) or a bracketed IPv6 address
_ORIGIN = re.compile(
    r"^(?P<scheme>https?)://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?\Z",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
WILDCARD = "*"


class ConfigurationError(RuntimeError):
    """An environment variable is missing or has a value the handler cannot use."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    retention_days: int = DEFAULT_RETENTION_DAYS
    #: ALLOWED_ORIGINS: () for no CORS at all, ("*",) for any origin, else the origins (as configured)
    allowed_origins: tuple[str, ...] = ()
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

        return cls(
            table_name=table_name,
            retention_days=int(raw_retention),
            allowed_origins=allowed_origins_from_env(env),
            log_level=log_level_from_env(env),
        )


def allowed_origins_from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> tuple[str, ...]:
    """ALLOWED_ORIGINS: unset or empty -> (); exactly "*" -> ("*",); else a comma-separated list of origins
    (``https://app.example.com,http://localhost:3000``), each scheme://host[:port] with http or https and
    nothing after it (no path, query or trailing slash). Anything else is a ConfigurationError."""
    env = os.environ if environ is None else environ
    raw = env.get("ALLOWED_ORIGINS", "").strip()
    if not raw:
        return ()
    if raw == WILDCARD:
        return (WILDCARD,)
    origins: list[str] = []
    for entry in (part.strip() for part in raw.split(",")):
        if entry == WILDCARD:
            raise ConfigurationError("ALLOWED_ORIGINS: '*' must be the whole value, not one origin of a list")
        match = _ORIGIN.match(entry)
        if not match:
            raise ConfigurationError(
                f"ALLOWED_ORIGINS: {entry!r} is not an origin such as https://app.example.com or http://localhost:3000"
            )
        port = match.group("port")
        if port is not None and not 1 <= int(port) <= 65535:
            raise ConfigurationError(f"ALLOWED_ORIGINS: {entry!r} has no valid port")
        if port is not None and int(port) == _DEFAULT_PORTS[match.group("scheme").lower()]:
            # Browsers leave the default port out of Origin: this entry could never match.
            raise ConfigurationError(f"ALLOWED_ORIGINS: {entry!r}: leave out the scheme's default port")
        origins.append(entry)
    return tuple(origins)


def origin_key(origin: str) -> str:
    """An origin as compared: scheme and host are case-insensitive (the rest is digits and punctuation)."""
    return origin.lower()


def log_level_from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> int:
    """LOG_LEVEL as a logging level; unset or unknown means INFO (logging must never stop a request)."""
    env = os.environ if environ is None else environ
    name = env.get("LOG_LEVEL", "").strip().upper()
    return getattr(logging, name) if name in LOG_LEVELS else logging.INFO
