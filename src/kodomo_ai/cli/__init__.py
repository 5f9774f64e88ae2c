"""The `kodomo-ai` command; subcommands load lazily so `--help` stays fast."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

# command name -> "module:attribute" of a click command, imported only when used.
COMMANDS: dict[str, str] = {
    "ingest": "kodomo_ai.cli.index_cmds:ingest",
    "search": "kodomo_ai.cli.index_cmds:search",
    "stats": "kodomo_ai.cli.index_cmds:stats",
    "chat": "kodomo_ai.cli.ask_cmd:chat",
    "ask": "kodomo_ai.cli.ask_cmd:ask",
    "eval": "kodomo_ai.cli.eval_cmd:eval_group",
    "flows": "kodomo_ai.cli.flows_cmd:flows",
    "draft": "kodomo_ai.cli.draft_cmd:draft",
    "train": "kodomo_ai.cli.draft_cmd:train",
    "calc": "kodomo_ai.cli.calc_cmd:calc",
    "serve": "kodomo_ai.cli.serve_cmd:serve",
    "ui": "kodomo_ai.cli.serve_cmd:ui",
    "keys": "kodomo_ai.cli.serve_cmd:keys",
    "audit": "kodomo_ai.cli.serve_cmd:audit",
    "revise": "kodomo_ai.cli.revise_cmd:revise",
    "classify": "kodomo_ai.cli.classify_cmd:classify",
    "gaps": "kodomo_ai.cli.gaps_cmd:gaps",
}


class UserError(click.ClickException):
    """A mistake in what the user gave (an option, a file, a setting): one line, exit status 2."""

    exit_code = 2


def user_error_line(exc: BaseException) -> str | None:
    """One line naming what is wrong, for the errors a user causes (None for anything else)."""
    from pydantic import ValidationError

    from kodomo_ai.errors import KodomoError

    if isinstance(exc, click.ClickException):
        return exc.format_message()
    if isinstance(exc, ValidationError):  # settings from KODOMO_* variables
        first = exc.errors()[0]
        name = "KODOMO_" + "_".join(str(p) for p in first.get("loc", ())).upper()
        return f"{name}={first.get('input')!r}: {first.get('msg')}"
    if isinstance(exc, UnicodeDecodeError):
        return f"入力が UTF-8 として読めません（{exc.start + 1}バイト目）"
    if isinstance(exc, KodomoError):
        return str(exc)
    return None


class LazyGroup(click.Group):
    """A click group that imports each subcommand on first use; user errors end as one line with status 2."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:  # fmt: skip
        """Run the command; a user error prints `Error: <what is wrong>` (one line) and exits with 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except Exception as exc:
            line = user_error_line(exc)
            if line is None:
                raise
            click.echo(f"Error: {' '.join(line.split())}", err=True)
            code = exc.exit_code if isinstance(exc, click.ClickException) else 2
            sys.exit(2 if isinstance(exc, click.UsageError) else code)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List every registered command name."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the command called `cmd_name`."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="kodomo-ai")
def main() -> None:
    """kodomo-ai: こども・子育て政策の相談・計算・起案・研修・評価."""
