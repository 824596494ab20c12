"""One typed settings object from samtale.toml (secrets from the environment), validated at start."""
from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PLATFORMS = ("console", "telegram", "discord")


class _Section(BaseModel):
    # A misspelt key must fail loudly, not be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///samtale.db"
    # FULL: a receipt is sent only after a commit that survives power loss. NORMAL is faster.
    synchronous: Literal["FULL", "NORMAL"] = "FULL"


# Shown to citizens until the operator names the data controller (README: "Before you go live").
CONTROLLER_PLACEHOLDER = "NOT SET: privacy.controller_name"
CONTACT_PLACEHOLDER = "NOT SET: privacy.controller_contact"


class PrivacySettings(_Section):
    consent_version: str = "1"
    max_reflection_chars: int = Field(4000, ge=100, le=20000)
    retention_days: int = Field(365, ge=1)
    # The data controller (GDPR art. 13) and how to reach them, as the privacy notice shows them.
    controller_name: str = Field(CONTROLLER_PLACEHOLDER, min_length=2, max_length=200)
    controller_contact: str = Field(CONTACT_PLACEHOLDER, min_length=3, max_length=200)

    @property
    def controller_set(self) -> bool:
        return self.controller_name != CONTROLLER_PLACEHOLDER and self.controller_contact != CONTACT_PLACEHOLDER


class LimitsSettings(_Section):
    # Per person; a kind note is sent once per burst, then messages are dropped for a minute.
    per_minute: int = Field(20, ge=1)
    per_day: int = Field(200, ge=1)
    # Per group chat, for commands addressed to the bot there.
    group_per_minute: int = Field(30, ge=1)


class SafetySettings(_Section):
    # Facilitator chats told that a crisis reply was given ("telegram:-1001234", "discord:<channel id>"):
    # how many and when, never the text or who wrote. Empty: no alerts.
    alert_chats: list[str] = []
    # How often waiting alerts are sent; crisis replies in between are counted into one message.
    alert_every_seconds: float = Field(30.0, ge=1.0, le=3600.0)
    # At most this many alerts per chat in any hour; beyond it, crisis replies wait and are counted
    # into the next alert ("5 crisis replies between 21.02 and 21.40").
    alert_max_per_hour: int = Field(6, ge=1, le=60)
    # On-call hours, Copenhagen time, "08:00-22:00"; outside them alerts wait (queued, never dropped)
    # until the hours start. Empty: any time.
    alert_hours: str = ""

    @field_validator("alert_hours")
    @classmethod
    def _on_call_span(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", value)
        if not match or match[1] + match[2] == match[3] + match[4]:
            raise ValueError(f"{value!r}: write the on-call hours as \"HH:MM-HH:MM\", e.g. \"08:00-22:00\" "
                             "(Copenhagen time; two different times; empty for any time)")
        return value

    @field_validator("alert_chats")
    @classmethod
    def _platform_and_chat(cls, value: list[str]) -> list[str]:
        for ref in value:
            platform, _, chat = ref.partition(":")
            if platform not in PLATFORMS or not chat.strip() or len(chat) > 64:
                raise ValueError(f"{ref!r}: write \"platform:chat\", e.g. \"telegram:-1001234567890\" "
                                 f"(platform one of {list(PLATFORMS)})")
        return value


class RolesSettings(_Section):
    # "platform:external_id", e.g. "telegram:123456" or "console:anna".
    facilitators: list[str] = []


class ConsoleSettings(_Section):
    download_dir: str = "."


class TelegramSettings(_Section):
    api_base_url: str = "https://api.telegram.org/bot"
    api_base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    listen: str = "0.0.0.0"
    port: int = Field(8443, ge=1, le=65535)
    bot_username: str | None = Field(None, pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")
    # Updates handled at once (one person's messages stay in order; different people don't wait).
    concurrent_updates: int = Field(1024, ge=1, le=8192)
    # Bot API calls in flight at once. Telegram allows ~30 messages/s per bot; 8 covers that even at
    # 250 ms per call, and more only slows the HTTP client down.
    connections: int = Field(8, ge=1, le=100)
    # "aiohttp" (about half the CPU per call) or "httpx" (PTB's default, e.g. behind an HTTP proxy).
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    # Durable replies: how long a process holds a reply it is sending before another may send it (a dead
    # process's replies go out this much later), and how often each process looks for such replies.
    reply_lease_seconds: float = Field(60.0, ge=1, le=3600)
    recover_every_seconds: float = Field(5.0, gt=0, le=600)
    # SIGTERM: replies already decided are sent for at most this long; the rest stay kept for the next process.
    drain_seconds: float = Field(8.0, ge=0, le=60)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> "TelegramSettings":
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError("mode = \"webhook\" needs webhook_url (the public HTTPS URL Telegram posts to)")
        if self.recover_every_seconds * 2 > self.reply_lease_seconds:
            # Each round also renews this process's leases: slower, and a live send looks like a dead one's.
            raise ValueError("recover_every_seconds must be at most half of reply_lease_seconds")
        return self


class DiscordSettings(_Section):
    dev_guilds: list[int] = []


class SinkSettings(_Section):
    """One knowledge-base sink. A webhook's secret comes from SAMTALE_WEBHOOK_SECRET_<NAME>."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    type: Literal["folder", "webhook"]
    # folder: where one JSON and one Markdown file per digest are written.
    path: str | None = None
    # webhook: an https:// URL (http:// only to this machine, for tests and local relays).
    url: str | None = None
    timeout_seconds: float = Field(30.0, gt=0, le=300)
    max_attempts: int = Field(5, ge=1, le=20)
    backoff_seconds: float = Field(2.0, ge=0, le=600)

    @model_validator(mode="after")
    def _type_fits(self) -> "SinkSettings":
        if self.type == "folder" and (not self.path or self.url):
            raise ValueError(f"sink {self.name!r}: a folder sink needs `path` and no `url`")
        if self.type == "webhook":
            from urllib.parse import urlsplit

            if not self.url or self.path:
                raise ValueError(f"sink {self.name!r}: a webhook sink needs `url` and no `path`")
            parts = urlsplit(self.url)
            local = parts.hostname in ("localhost", "127.0.0.1", "::1")
            if parts.scheme != "https" and not (parts.scheme == "http" and local):
                raise ValueError(f"sink {self.name!r}: `url` must be https:// (http:// only to localhost)")
        return self


class InsightsSettings(_Section):
    # No cell of fewer than k distinct participants leaves the system; 5 is the floor.
    k: int = Field(5, ge=5)
    sinks: list[SinkSettings] = []
    # The weekly digest (the previous ISO week), sent to every sink, Europe/Copenhagen time.
    weekly_digest: bool = True
    weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    weekly_time: str = Field("07:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    quotes_per_area: int = Field(2, ge=0, le=5)
    emerging_terms: int = Field(15, ge=0, le=100)

    @field_validator("sinks")
    @classmethod
    def _unique_names(cls, value: list[SinkSettings]) -> list[SinkSettings]:
        names = [s.name for s in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"sink name(s) used twice: {twice}")
        return value


_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class CampaignsSettings(_Section):
    # Campaign files; empty = the shipped content/campaigns. A bad file stops the start (file, line, key).
    folder: str | None = None
    # No prompt is delivered between these times, Copenhagen time (equal = no quiet hours).
    quiet_start: str = Field("21:00", pattern=_HHMM)
    quiet_end: str = Field("09:00", pattern=_HHMM)
    # A reply this long after a prompt is stored as an answer to it; later it is free text.
    answer_window_hours: int = Field(72, ge=1, le=24 * 14)
    # A prompt's results go to those who asked once this many people answered it (or when it closes);
    # never fewer than [insights] k, whatever this says.
    results_after_answers: int = Field(7, ge=5, le=1_000_000)


class CheckinsSettings(_Section):
    # The opt-in loneliness check-in (handlers/checkins.py): offered no sooner than first_after_days after
    # joining, then at most every every_days; never in the campaigns' quiet hours; only to people 15+.
    enabled: bool = True
    first_after_days: int = Field(7, ge=0, le=365)
    every_days: int = Field(90, ge=1, le=3650)


class OutboxSettings(_Section):
    # Messages per second, all processes together (Telegram: about 30/s; a chat: 1/s).
    telegram_rate: float = Field(30.0, gt=0, le=10_000)
    telegram_per_chat_seconds: float = Field(1.0, ge=0, le=60)
    discord_rate: float = Field(25.0, gt=0, le=10_000)
    discord_per_chat_seconds: float = Field(1.0, ge=0, le=60)
    console_rate: float = Field(50.0, gt=0, le=10_000)
    # A claimed message not recorded within this is taken over by another worker.
    lease_seconds: float = Field(60.0, ge=2, le=3600)
    # Network errors are retried with backoff this many times in all, then the message is "failed".
    max_attempts: int = Field(5, ge=1, le=50)
    batch: int = Field(100, ge=1, le=5000)
    concurrency: int = Field(8, ge=1, le=256)
    poll_seconds: float = Field(1.0, gt=0, le=60)


class SchedulerSettings(_Section):
    # Run campaign cadences and periodic jobs (in exactly one process: the leader).
    enabled: bool = True
    # How often a follower tries to take over (a dead leader is replaced within this, plus ~1 s).
    leader_retry_seconds: float = Field(10.0, gt=0, le=25)
    leader_check_seconds: float = Field(5.0, gt=0, le=60)
    # Seconds after start before this process seeks leadership, so the first replies come first.
    start_delay_seconds: float = Field(2.0, ge=0, le=60)


def _channel_map(value: dict[str, list[str | int]]) -> dict[str, list[str]]:
    """Municipality names as people write them → the canonical name; channel ids as strings."""
    from content.municipalities import match_municipality

    out: dict[str, list[str]] = {}
    for name, ids in value.items():
        found = match_municipality(name)
        if found is None:
            raise ValueError(f"unknown municipality {name!r} (use one of Denmark's 98, e.g. \"Aarhus\")")
        out.setdefault(found.name, []).extend(str(i) for i in ids)
    return out


class DirectorySettings(_Section):
    """The directory of communities: where each organisation receives warm hand-offs."""

    # One sink per organisation that accepts referrals, named by its id in the directory (a webhook's secret
    # from SAMTALE_WEBHOOK_SECRET_<NAME>, as for digests). A referral to an organisation without one waits.
    sinks: list[SinkSettings] = []
    # A referral (what the person shared) is deleted this many days after it was asked for.
    referral_retention_days: int = Field(90, ge=1, le=3650)


class EventsSettings(_Section):
    # Where a new event is announced as a count-only card (never names): municipality → chat ids.
    # Telegram: group/channel ids ("-1001234567890") or "@channelname"; Discord: channel ids.
    telegram_channels: dict[str, list[str | int]] = {}
    discord_channels: dict[str, list[str | int]] = {}
    # The language of those public cards.
    channel_language: Literal["da", "en"] = "da"
    # Reminders to confirmed attendees, hours before the start (never at night: moved to 21:00 the evening before).
    reminder_hours: list[int] = Field([24, 2], max_length=4)
    max_capacity: int = Field(5000, ge=1, le=100000)
    # How long an organiser invite code stays valid.
    invite_days: int = Field(30, ge=1, le=365)

    @field_validator("telegram_channels", "discord_channels")
    @classmethod
    def _known_municipalities(cls, value: dict[str, list[str | int]]) -> dict[str, list[str]]:
        return _channel_map(value)

    @field_validator("reminder_hours")
    @classmethod
    def _sane_hours(cls, value: list[int]) -> list[int]:
        if any(not 1 <= h <= 168 for h in value):
            raise ValueError("each reminder must be 1 to 168 hours before the start")
        return value


class WebSettings(_Section):
    # The facilitators' dashboard (`samtale web`; with enabled = true also inside `samtale run`).
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # The address people open, as login links name it (behind a proxy: its https address).
    public_url: str = Field("http://127.0.0.1:8080", pattern=r"^https?://[^\s/]+(/[^\s]*)?$")


class OpsSettings(_Section):
    # host:port for /healthz, /readyz and /metrics (Prometheus); empty = off. Keep it off the internet:
    # loopback or a private network that only the balancer and Prometheus reach.
    listen: str = Field("", pattern=r"^$|^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
    # auto: JSON lines when stderr is not a terminal (systemd, docker), human lines on a terminal.
    log_format: Literal["auto", "json", "text"] = "auto"
    # /readyz answers 503 for this long after SIGTERM before the platforms stop, so a balancer stops
    # sending first (the platforms still finish what they hold; the drain itself is bounded at 8 s).
    drain_seconds: float = Field(1.0, ge=0, le=8)


class ConversationSettings(_Section):
    # /stem: at most this many statements a person a day; "Hvor står jeg?" after this many votes.
    statements_per_day: int = Field(20, ge=1, le=200)
    where_after_votes: int = Field(7, ge=1, le=100)


class Settings(_Section):
    platforms: list[str] = ["console"]
    default_language: Literal["da", "en"] = "da"
    database: DatabaseSettings = DatabaseSettings()
    privacy: PrivacySettings = PrivacySettings()
    roles: RolesSettings = RolesSettings()
    safety: SafetySettings = SafetySettings()
    limits: LimitsSettings = LimitsSettings()
    console: ConsoleSettings = ConsoleSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    insights: InsightsSettings = InsightsSettings()
    campaigns: CampaignsSettings = CampaignsSettings()
    checkins: CheckinsSettings = CheckinsSettings()
    outbox: OutboxSettings = OutboxSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    events: EventsSettings = EventsSettings()
    web: WebSettings = WebSettings()
    ops: OpsSettings = OpsSettings()
    conversation: ConversationSettings = ConversationSettings()
    directory: DirectorySettings = DirectorySettings()
    # From the environment only, never from a file that might be committed.
    secret_key: str | None = None
    telegram_token: str | None = None
    # Checked on every webhook request (X-Telegram-Bot-Api-Secret-Token); 1-256 of A-Z a-z 0-9 _ -.
    telegram_webhook_secret: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,256}$")
    discord_token: str | None = None

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: list[str]) -> list[str]:
        unknown = [p for p in value if p not in PLATFORMS]
        if unknown:
            raise ValueError(f"unknown platform(s) {unknown}; choose from {list(PLATFORMS)}")
        if not value:
            raise ValueError("at least one platform is needed")
        return value


class ConfigError(Exception):
    """The config file is unreadable or invalid; the message names the file and key."""


_SECRET_ENV = {
    "secret_key": "SAMTALE_SECRET_KEY",
    "telegram_token": "SAMTALE_TELEGRAM_TOKEN",
    "telegram_webhook_secret": "SAMTALE_TELEGRAM_WEBHOOK_SECRET",
    "discord_token": "SAMTALE_DISCORD_TOKEN",
}


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read `path`, else ./samtale.toml if present, else defaults; add secrets from env."""
    env = os.environ if env is None else env
    data: dict = {}
    source = "defaults"
    if path is None and Path("samtale.toml").exists():
        path = "samtale.toml"
    if path is not None:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    for key in _SECRET_ENV:
        if key in data:
            raise ConfigError(f"{source}: `{key}` must not be in a file; set {_SECRET_ENV[key]}")
    for key, var in _SECRET_ENV.items():
        if env.get(var):
            data[key] = env[var]
    if "SAMTALE_DATABASE_URL" in env:
        data.setdefault("database", {})["url"] = env["SAMTALE_DATABASE_URL"]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"`{'.'.join(str(p) for p in err['loc'])}`: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None
