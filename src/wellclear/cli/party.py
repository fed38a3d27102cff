"""``wellclear party``: add parties (printing their API key once), list, rotate keys, disable;
webhooks and escalation contacts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from wellclear.cli import app
from wellclear.cli._problems import EXIT_BAD_INPUT, print_problems
from wellclear.cli.db import DatabaseUrl
from wellclear.errors import InvalidInput, WellclearError
from wellclear.service import (
    NewKey,
    Role,
    Service,
    add_party,
    list_parties,
    open_service,
    rotate_key,
    set_disabled,
)
from wellclear.service.escalation import set_escalation_contact
from wellclear.service.webhooks import set_webhook

party_app = typer.Typer(help="Parties and their API keys.", no_args_is_help=True)
app.add_typer(party_app, name="party")
err = Console(stderr=True)


def _service(database_url: str | None) -> Service:
    return open_service(database_url)


def _fail(error: WellclearError) -> typer.Exit:
    if isinstance(error, InvalidInput):
        print_problems(err, error, "nothing was changed")
    else:
        err.print(str(error), markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


def _print_key(new: NewKey, as_json: bool) -> None:
    expires = None if new.old_keys_expire_at is None else new.old_keys_expire_at.isoformat()
    if as_json:
        print(json.dumps({"party": new.party, "key": new.key, "old_keys_expire_at": expires}))
        return
    print(new.key)
    err.print(f"API key for {new.party}: shown once, store it now.", markup=False)
    if expires is not None:
        err.print(f"Older keys of {new.party} stop working at {expires}.", markup=False)


@party_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Party name: a-z, 0-9, '.', '_', '-'.")],
    role: Annotated[Role, typer.Option(help="operator, observer or admin.")] = Role.OPERATOR,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a party and print its API key (once; only a salted hash is stored)."""
    try:
        _print_key(add_party(_service(database_url).database, name, role), as_json)
    except WellclearError as error:
        raise _fail(error) from None


@party_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Every party: name, role, whether disabled, how many keys work."""
    parties = list_parties(_service(database_url).database)
    if as_json:
        rows = [
            {"name": p.name, "role": p.role, "disabled": p.disabled, "live_keys": p.live_keys,
             "created_at": p.created_at.isoformat()}
            for p in parties
        ]  # fmt: skip
        print(json.dumps({"parties": rows}, indent=2))
        return
    table = Table("name", "role", "disabled", "live keys", "created")
    for p in parties:
        created = p.created_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(p.name, p.role, "yes" if p.disabled else "", str(p.live_keys), created)
    Console().print(table)


@party_app.command("rotate-key")
def rotate(
    name: str,
    grace_hours: Annotated[
        float, typer.Option(help="How long the older keys keep working.")
    ] = 24.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a new key; the party's older keys keep working for the grace period."""
    try:
        new = rotate_key(_service(database_url).database, name, timedelta(hours=grace_hours))
    except WellclearError as error:
        raise _fail(error) from None
    _print_key(new, as_json)


@party_app.command("disable")
def disable(name: str, database_url: DatabaseUrl = None) -> None:
    """Disable a party: its keys stop working at once (its intents stay)."""
    try:
        set_disabled(_service(database_url).database, name)
    except WellclearError as error:
        raise _fail(error) from None
    err.print(f"{name} is disabled", markup=False)


@party_app.command("enable")
def enable(name: str, database_url: DatabaseUrl = None) -> None:
    """Enable a disabled party again."""
    try:
        set_disabled(_service(database_url).database, name, disabled=False)
    except WellclearError as error:
        raise _fail(error) from None
    err.print(f"{name} is enabled", markup=False)


@party_app.command("set-webhook")
def set_webhook_(
    name: str,
    url: Annotated[str, typer.Argument(help="http(s) URL notices are POSTed to.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Push the party's notices to URL; prints the signing secret (once)."""
    try:
        secret = set_webhook(_service(database_url), name, url)
    except WellclearError as error:
        raise _fail(error) from None
    print(secret)
    err.print(
        f"Webhook secret for {name}: shown once. Deliveries carry Wellclear-Signature: "
        "t=<unix>,v1=HMAC-SHA256(secret, '<t>.<body>').",
        markup=False,
    )


@party_app.command("remove-webhook")
def remove_webhook(name: str, database_url: DatabaseUrl = None) -> None:
    """Stop pushing the party's notices (pending attempts are dead-lettered)."""
    try:
        set_webhook(_service(database_url), name, None)
    except WellclearError as error:
        raise _fail(error) from None
    err.print(f"{name} has no webhook", markup=False)


@party_app.command("set-contact")
def set_contact(
    name: str,
    escalation: Annotated[
        str | None,
        typer.Option(help="The party told when NAME leaves a notice unacknowledged too long."),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Set (or, without --escalation, clear) the party's escalation contact."""
    try:
        set_escalation_contact(_service(database_url), name, escalation)
    except WellclearError as error:
        raise _fail(error) from None
    err.print(f"{name}: escalation contact {escalation or 'none'}", markup=False)
