"""Configuration of the auth service, read once from the environment (prefix ``AUTH_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthSettings(BaseSettings):
    """Every knob of the service; construct once in ``main`` and pass it down explicitly."""

    # Frozen so nothing can quietly change the configuration after startup.
    model_config = SettingsConfigDict(env_prefix="AUTH_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=54732, ge=1, le=65535)
    # Relative SQLite paths resolve against the working directory; the parent directory is
    # created at startup so a fresh checkout runs without any preparation.
    database_url: str = "sqlite+aiosqlite:///.data/auth.db"
    # Generated on first start (mode 0600) and reused afterwards, so tokens survive restarts.
    key_file: Path = Path(".data/auth_ed25519.pem")
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    issuer: str = "mythos-auth"
    audience: str = "mythos"
