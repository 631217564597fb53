"""Entry point of the `pos` console script.

`pos edge run` serves Flask-SocketIO on eventlet, and eventlet must patch the
standard library before any other module imports socket, threading or time.
So this module decides on the async mode from argv and the environment first,
and imports the command tree only afterwards.
"""
import os
import sys


def _edge_async_mode(argv):
    """The async mode `pos edge run` will use, or None for other commands."""
    if argv[1:3] != ["edge", "run"]:
        return None
    mode = os.environ.get("POS_EDGE_ASYNC_MODE", "eventlet")
    for index, arg in enumerate(argv):
        if arg == "--async-mode" and index + 1 < len(argv):
            mode = argv[index + 1]
        elif arg.startswith("--async-mode="):
            mode = arg.split("=", 1)[1]
    return mode


def main():
    from sync.private_files import restrict_umask

    restrict_umask()  # databases, secrets, logs and printer files: the POS's OS user's alone
    if _edge_async_mode(sys.argv) == "eventlet":
        import warnings

        # eventlet announces its maintenance mode on import; we chose it knowingly.
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        # eventlet's resolver loads dnspython, whose DNSSEC module names DSA types that the
        # cryptography package now flags; the edge never validates DNSSEC.
        warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"dns\.")
        import eventlet

        eventlet.monkey_patch()
    from pos.cli import cli

    cli(prog_name="pos")


if __name__ == "__main__":
    main()
