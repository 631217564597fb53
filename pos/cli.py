"""The `pos` command tree: `cloud`, `edge`, `sync`, `printer`, `demo`, `gateway-sim` and `whatsapp-sim`."""
import click

from cloud.cli import cloud_group
from edge.cli import edge_group, printer_group, sync_group
from pos.demo import demo
from simulators.gateway.cli import gateway_sim
from simulators.whatsapp.cli import whatsapp_sim


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Outlet POS: the cloud (head office), the edge (one per outlet) and their sync."""


cli.add_command(cloud_group)
cli.add_command(edge_group)
cli.add_command(sync_group)
cli.add_command(printer_group)
cli.add_command(demo)
cli.add_command(gateway_sim)
cli.add_command(whatsapp_sim)
