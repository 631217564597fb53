"""The `pos` command tree imports each command's package when that command runs."""
from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from pos.cli import COMMANDS, cli


def test_every_command_is_listed_and_resolves_to_itself():
    context = click.Context(cli)
    assert cli.list_commands(context) == sorted(COMMANDS)
    for name in COMMANDS:
        assert cli.get_command(context, name).name == name


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert all(name in result.output for name in COMMANDS)


def test_an_edge_command_does_not_import_the_cloud():
    code = ("import sys, click; from pos.cli import cli; cli.get_command(click.Context(cli), 'edge'); "
            "print(sorted(m for m in ('cloud', 'openpyxl', 'fpdf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
