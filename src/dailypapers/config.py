"""Settings from the environment and an optional `.env` file."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

HH_MM = r"^([01]\d|2[0-3]):[0-5]\d$"  # a time of day, 24-hour


class Settings(BaseSettings):
    """Every setting dailypapers reads; each is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("./data"), validation_alias="DAILYPAPERS_DATA_DIR")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    tz: str = Field(default="UTC", validation_alias="DAILYPAPERS_TZ")
    secret_key: str | None = Field(default=None, validation_alias="DAILYPAPERS_SECRET_KEY")
    smtp_url: str | None = Field(default=None, validation_alias="SMTP_URL")
    mail_from: str = Field(
        default="dailypapers <noreply@localhost>", validation_alias="DAILYPAPERS_MAIL_FROM"
    )
    base_url: str = Field(default="http://127.0.0.1:8000", validation_alias="DAILYPAPERS_BASE_URL")
    # With a base URL set, only requests for its host (and these) are served; see docs/site.md.
    allowed_hosts: str = Field(default="", validation_alias="DAILYPAPERS_ALLOWED_HOSTS")
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDRs); none by
    # default, so a client cannot pick its own address (and dodge the rate limits).
    trusted_proxies: str = Field(default="", validation_alias="DAILYPAPERS_TRUSTED_PROXIES")
    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query", validation_alias="DAILYPAPERS_ARXIV_API_URL"
    )
    oai_pmh_url: str = Field(
        default="https://oaipmh.arxiv.org/oai", validation_alias="DAILYPAPERS_OAI_PMH_URL"
    )
    scheduler_enabled: bool = Field(default=False, validation_alias="DAILYPAPERS_SCHEDULER")
    # The embedded schedule (times in DAILYPAPERS_TZ); see docs/digests.md.
    digest_time: str = Field(
        default="07:00", pattern=HH_MM, validation_alias="DAILYPAPERS_DIGEST_TIME"
    )
    digest_weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        default="mon", validation_alias="DAILYPAPERS_DIGEST_WEEKLY_DAY"
    )
    harvest_time: str = Field(
        default="06:00", pattern=HH_MM, validation_alias="DAILYPAPERS_HARVEST_TIME"
    )
    harvest_set: str = Field(default="cs", validation_alias="DAILYPAPERS_HARVEST_SET")
    # arXiv asks API and OAI-PMH clients to wait 3 s between calls; lower it only for local mirrors.
    harvest_delay: float = Field(default=3.0, ge=0, validation_alias="DAILYPAPERS_HARVEST_DELAY")
    harvest_retries: int = Field(default=4, ge=1, validation_alias="DAILYPAPERS_HARVEST_RETRIES")
    harvest_timeout: float = Field(
        default=30.0, gt=0, validation_alias="DAILYPAPERS_HARVEST_TIMEOUT"
    )
    # The submit form waits for a person: connect within this many seconds (the answer within
    # three times it) and do not retry; batch harvests keep their patient timeout and retries.
    submit_timeout: float = Field(default=3.0, gt=0, validation_alias="DAILYPAPERS_SUBMIT_TIMEOUT")
    # Requests per minute: log-in/sign-up attempts per client address, and writes (votes,
    # comments, submissions) per user. Counted in the server process on SQLite, in the database
    # (shared by every process on every machine) on PostgreSQL.
    rate_limit_auth: int = Field(default=10, ge=1, validation_alias="DAILYPAPERS_RATE_LIMIT_AUTH")
    rate_limit_writes: int = Field(
        default=30, ge=1, validation_alias="DAILYPAPERS_RATE_LIMIT_WRITES"
    )

    # `dailypapers worker` (jobs/worker.py): a claimed job's lease (renewed every third of it
    # while the job runs; a killed worker's job is claimed again once it runs out), how often an
    # idle worker polls, and the index catch-up's period in minutes (0: none).
    worker_lease_seconds: float = Field(
        default=60.0, gt=0, validation_alias="DAILYPAPERS_WORKER_LEASE_SECONDS"
    )
    worker_poll_seconds: float = Field(
        default=5.0, gt=0, validation_alias="DAILYPAPERS_WORKER_POLL_SECONDS"
    )
    worker_index_minutes: int = Field(
        default=10, ge=0, validation_alias="DAILYPAPERS_WORKER_INDEX_MINUTES"
    )
    # false: a worker only runs what `dailypapers worker enqueue` queued (no scheduled slots).
    worker_schedule: bool = Field(default=True, validation_alias="DAILYPAPERS_WORKER_SCHEDULE")

    # Semantic search: which shipped model embeds papers (auto: MiniLM below 50k papers, the
    # static fast path above), and the largest saved batch embedded inline (bigger batches,
    # e.g. bulk imports, wait for `dailypapers index`; 0 never embeds inline).
    embedder: Literal["auto", "minilm", "static"] = Field(
        default="auto", validation_alias="DAILYPAPERS_EMBEDDER"
    )
    embed_inline_max: int = Field(
        default=256, ge=0, validation_alias="DAILYPAPERS_EMBED_INLINE_MAX"
    )
    # PostgreSQL: search a copy of the vectors in this machine's data dir, kept current from
    # pgvector (search/vectors/mirror.py); false asks pgvector's HNSW index every time.
    vector_mirror: bool = Field(default=True, validation_alias="DAILYPAPERS_VECTOR_MIRROR")

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value.strip().rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in _items(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an IP address or CIDR network: {item!r}") from exc
        return value

    @property
    def site_url(self) -> str | None:
        """DAILYPAPERS_BASE_URL when it was set (no trailing slash), else None."""
        return self.base_url if "base_url" in self.model_fields_set else None

    @property
    def host_names(self) -> list[str]:
        """The Host names served when a base URL is set: its host and DAILYPAPERS_ALLOWED_HOSTS."""
        if self.site_url is None:
            return []
        return [urlsplit(self.site_url).hostname or "", *_items(self.allowed_hosts.lower())]

    @property
    def proxy_networks(self) -> list[str]:
        return _items(self.trusted_proxies)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def db_url(self) -> str:
        """The database URL in force: DATABASE_URL, else a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dailypapers.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    def secret(self) -> str:
        """The signing key: DAILYPAPERS_SECRET_KEY, else one generated once into the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        key = path.read_text().strip() if path.exists() else ""
        if not key:  # none yet, or an empty file a full disk left behind
            import os
            import secrets

            key = secrets.token_urlsafe(48)
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Written whole beside it, then linked into place: a failed write never leaves a
            # short key, and of two processes starting at once the first one's key wins.
            partial = path.with_name(f".secret_key.{os.getpid()}")
            try:
                partial.write_text(key)
                partial.chmod(0o600)
                try:
                    os.link(partial, path)
                except FileExistsError:
                    if not path.read_text().strip():
                        partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
            key = path.read_text().strip()
        return key


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings`)."""
    return Settings()
