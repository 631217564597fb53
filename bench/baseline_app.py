"""The baseline for bench/edge_orders.py: a minimal Flask endpoint on the same server
stack as `pos edge run` (Flask-SocketIO on eventlet, or threading), nothing else.

Run: python bench/baseline_app.py PORT [eventlet|threading]
"""
import sys

MODE = sys.argv[2] if len(sys.argv) > 2 else "eventlet"
if MODE == "eventlet":
    import warnings

    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

from flask import Flask, jsonify  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode=MODE)


@app.post("/api/ping/")
def ping():
    return jsonify({"ok": True})


@app.get("/api/health/")
def health():
    return jsonify({"status": "ok"})


if __name__ == "__main__":
    kwargs = {"allow_unsafe_werkzeug": True} if MODE == "threading" else {}
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False, **kwargs)
