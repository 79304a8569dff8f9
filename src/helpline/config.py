"""Settings from the environment (prefix HELPLINE_). Built by the composition root, never at import time."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "insecure-development-secret-change-me"
REPO_ROOT = Path(__file__).resolve().parents[2]


def default_database_url() -> str:
    return f"sqlite:///{REPO_ROOT / 'var' / 'helpline.sqlite3'}"


BASE_URL_ENV = "HELPLINE_BASE_URL"  # the variable of Settings.base_url, named in messages


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELPLINE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default_factory=default_database_url)
    secret_key: str = DEFAULT_SECRET
    time_zone: str = "Europe/Moscow"
    # where customers and staff reach the web pages: the links in messages sent without a web request to take
    # it from (the survey after a resolved case, complaint deadline warnings); empty: such links are not sent
    base_url: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    session_max_age_s: int = 12 * 3600
    db_pool_size: int = 10
    # how long a process trusts a bearer token it has resolved (revocations and role changes lag this much)
    auth_cache_ttl_s: float = 30.0
    # live routing: one process routes at a time (see docs/architecture.md)
    routing_enabled: bool = True
    routing_alert_timeout_s: float = Field(15.0, gt=0)  # an offer not accepted by then goes back
    routing_reject_holdoff_s: float = Field(10.0, ge=0)  # a rejected interaction skips that agent this long
    routing_poll_s: float = Field(0.2, gt=0)  # the longest wait for new events (PostgreSQL also notifies)
    routing_refresh_s: float = Field(60.0, gt=0)  # queue, skill and certification changes apply within this
    routing_standby_retry_s: float = Field(1.0, gt=0)  # how often a standby process tries to take over
    # channels: the configured connectors run in the server process (see `helpline channels`)
    channels_enabled: bool = True
    channels_poll_s: float = Field(1.0, gt=0)  # how often the inbox and outbox are looked at without a wake-up
    attachment_max_bytes: int = Field(10 * 1024 * 1024, gt=0)  # a larger file is refused (chat, app) or flagged

    @model_validator(mode="after")
    def refuse_insecure_production(self) -> "Settings":
        if self.environment == "production" and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise ValueError("HELPLINE_SECRET_KEY must be a random value of at least 32 characters in production")
        return self
