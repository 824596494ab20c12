"""`samtale campaign`: list, show, preview and send-now for facilitators."""
from __future__ import annotations

import getpass
from datetime import datetime

import click

from bot.cli.common import CONFIG, open_app, settings_from


@click.group("campaign")
def group() -> None:
    """Campaigns of conversation prompts (content/campaigns/*.toml)."""


def _campaigns(settings):
    from content.campaigns import CampaignError, load_campaigns

    try:
        return load_campaigns(settings.campaigns.folder)
    except CampaignError as exc:
        raise click.ClickException(str(exc)) from None


def _campaign(campaigns, campaign_id: str):
    from content.campaigns import find_campaign

    found = find_campaign(campaigns, campaign_id)
    if found is None:
        known = ", ".join(c.id for c in campaigns) or "none"
        raise click.ClickException(f"no campaign {campaign_id!r} (known: {known})")
    return found


def _local(moment: datetime | None) -> str:
    from bot.delivery.quiet_hours import TZ

    return moment.astimezone(TZ).strftime("%a %Y-%m-%d %H:%M") if moment else "—"


def _sent_prompts(app, campaign_id: str) -> dict[str, tuple[datetime | None, int, str]]:
    """prompt id → (send time, recipients, outcome) for prompts that went out."""
    from sqlalchemy import select

    from storage.campaign_models import CampaignSend, as_utc

    with app.sessions() as s:
        rows = s.scalars(select(CampaignSend).where(CampaignSend.campaign_id == campaign_id,
                                                    CampaignSend.prompt_id.is_not(None))
                         .order_by(CampaignSend.id)).all()
    return {r.prompt_id: (as_utc(r.send_at), r.recipients, r.outcome) for r in rows if r.prompt_id}


@group.command("list")
@CONFIG
def list_(config: str | None) -> None:
    """Every campaign, its dates, cadence and progress."""
    from rich.console import Console
    from rich.table import Table

    from bot.scheduling.cadence import next_fire_time

    settings = settings_from(config)
    campaigns = _campaigns(settings)
    app = open_app(settings=settings)
    now = app.clock()
    table = Table("id", "title", "dates", "cadence (Copenhagen)", "prompts sent", "next")
    for c in campaigns:
        sent = _sent_prompts(app, c.id)
        table.add_row(c.id, c.title_for("da"), f"{c.starts} … {c.ends}", c.cadence,
                      f"{len(sent)} of {len(c.prompts)}", _local(next_fire_time(c, now)))
    app.engine.dispose()
    Console().print(table)


@group.command()
@click.argument("campaign_id")
@CONFIG
def show(campaign_id: str, config: str | None) -> None:
    """One campaign: its rules and every prompt, with what has been sent."""
    from rich.console import Console
    from rich.table import Table

    from bot.scheduling.cadence import next_fire_time

    settings = settings_from(config)
    c = _campaign(_campaigns(settings), campaign_id)
    app = open_app(settings=settings)
    sent = _sent_prompts(app, c.id)
    app.engine.dispose()
    out = Console()
    out.print(f"[bold]{c.id}[/bold] — {c.title_for('da')} / {c.title_for('en')}  ({c.source})")
    if c.description:
        out.print(c.description.get("da", ""))
    out.print(f"{c.starts} … {c.ends}, cadence [bold]{c.cadence}[/bold] (Copenhagen), "
              f"misfire {c.misfire}, never more than {c.max_delay_hours} h late; "
              f"next: {_local(next_fire_time(c, app.clock()))}")
    table = Table("#", "prompt", "area", "for", "languages", "sent")
    for i, p in enumerate(c.prompts, 1):
        who = ", ".join(p.age_bands) or "everyone"
        if p.municipalities:
            who += " in " + ", ".join(p.municipalities)
        when, recipients, outcome = sent.get(p.id, (None, 0, ""))
        status = f"{_local(when)} to {recipients} ({outcome})" if p.id in sent else "not yet"
        table.add_row(str(i), p.id, p.area, who, " ".join(sorted(p.text)), status)
    out.print(table)


@group.command()
@click.argument("campaign_id")
@click.option("--lang", default="da", show_default=True, help="The reader's language.")
@CONFIG
def preview(campaign_id: str, lang: str, config: str | None) -> None:
    """Every prompt as a person reading LANG sees it (buttons as numbered choices)."""
    from handlers.campaigns import prompt_intent

    settings = settings_from(config)
    c = _campaign(_campaigns(settings), campaign_id)
    for i, p in enumerate(c.prompts, 1):
        note = "" if lang in p.text else f"  (no {lang} text: Danish shown)"
        click.echo(f"── {i}. {p.ref} · {p.area}{note}")
        intent = prompt_intent(p, lang)
        click.echo(intent.text)
        labels = [b.label for row in intent.buttons for b in row]
        click.echo("   " + "   ".join(f"[{n}] {label}" for n, label in enumerate(labels, 1)))
        click.echo()


@group.command("send-now")
@click.argument("campaign_id")
@click.argument("prompt_id")
@click.option("--dry-run", is_flag=True, help="Only count who would get it.")
@CONFIG
def send_now(campaign_id: str, prompt_id: str, dry_run: bool, config: str | None) -> None:
    """Queue one prompt for every subscriber now (quiet hours, one a day and dedupe still apply)."""
    from sqlalchemy import func, select

    from bot.delivery.quiet_hours import QuietHours
    from bot.scheduling.cadence import send_now as do_send_now
    from storage.campaign_queries import eligible_subscribers

    settings = settings_from(config)
    c = _campaign(_campaigns(settings), campaign_id)
    prompt = c.prompt(prompt_id)
    if prompt is None:
        raise click.ClickException(f"campaign {c.id} has no prompt {prompt_id!r} "
                                   f"(its prompts: {', '.join(p.id for p in c.prompts)})")
    app = open_app(settings=settings)
    quiet = QuietHours.parse(settings.campaigns.quiet_start, settings.campaigns.quiet_end)
    now = app.clock()
    try:
        if dry_run:
            with app.sessions() as s:
                n = s.scalar(select(func.count()).select_from(eligible_subscribers(prompt.age_bands, prompt.municipalities).subquery()))
            click.echo(f"{prompt.ref} would go to up to {n} subscriber(s); nothing was queued")
            return
        result = do_send_now(app.sessions, prompt, now=now, quiet=quiet, default_language=settings.default_language,
                             reason=f"send-now by {getpass.getuser()}")
    finally:
        app.engine.dispose()
    if not c.active_on(app.clock().date()):
        click.echo(f"note: campaign {c.id} runs {c.starts} … {c.ends}; sent now because you asked")
    when = "now" if result.send_at <= now else f"from {_local(result.send_at)} (quiet hours {quiet})"
    click.echo(f"{prompt.ref}: {result.queued} queued, going out {when}; {result.already} skipped "
               f"(already had this prompt, or a prompt that day/week)")
    click.echo("Watch it go out: samtale outbox status")
