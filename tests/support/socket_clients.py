"""python-socketio clients that see events in the order they arrived."""
from __future__ import annotations


def in_arrival_order(client) -> None:
    """Run `client`'s event handlers one after the other, in the thread that reads the
    socket. Engine.IO's client starts a new thread for every message by default, so two
    events that arrived in order could be handled, and recorded, the other way round: a
    fault of the observing side that looks like the server's. A kitchen page's JavaScript
    handles messages one at a time in arrival order, as this does. (No handler here may
    wait for another message: it would wait for itself.)"""
    trigger = client.eio._trigger_event  # private, but the only switch Engine.IO offers

    def in_order(event, *args, **kwargs):
        kwargs["run_async"] = False
        return trigger(event, *args, **kwargs)

    client.eio._trigger_event = in_order
