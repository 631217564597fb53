"""The `pos` command tree: `cloud`, `edge`, `sync`, `printer`, `demo`, `gateway-sim` and `whatsapp-sim`.

Each command's package is imported when that command runs: an edge process does not load
the cloud (PDF, spreadsheets, gateways) and the cloud does not load the edge (eventlet,
Socket.IO, ESC/POS). Every real and test process of the POS starts through here, so that
is a few tenths of a second less CPU per start. `pos --help` still lists them all.
"""
import importlib

import click

COMMANDS = {
    "cloud": "cloud.cli:cloud_group",
    "edge": "edge.cli:edge_group",
    "sync": "edge.cli:sync_group",
    "printer": "edge.cli:printer_group",
    "demo": "pos.demo:demo",
    "gateway-sim": "simulators.gateway.cli:gateway_sim",
    "whatsapp-sim": "simulators.whatsapp.cli:whatsapp_sim",
}


class LazyGroup(click.Group):
    """A group whose subcommands are `module:attribute` names, imported when asked for."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name):
        if name not in self.lazy:
            return super().get_command(ctx, name)
        module, attribute = self.lazy[name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        if command.name != name:
            raise RuntimeError(f"{self.lazy[name]} is the command {command.name!r}, not {name!r}")
        return command


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Outlet POS: the cloud (head office), the edge (one per outlet) and their sync."""
