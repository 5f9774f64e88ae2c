"""The `kodomo-ai` command; subcommands load lazily so `--help` stays fast."""

from __future__ import annotations

import importlib

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
}


class LazyGroup(click.Group):
    """A click group that imports each subcommand on first use."""

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
