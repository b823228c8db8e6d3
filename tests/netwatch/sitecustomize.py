"""Loaded by any Python started with this folder on PYTHONPATH: logs every network call it makes.

Python's audit hooks see each socket connect, sendto and name look-up, whichever library makes
it, before it happens; the app's test reads the log to prove that nothing leaves loopback.
"""

import json
import os
import sys

_LOG = os.environ.get("CITEQA_NET_LOG")
_EVENTS = {"socket.connect": 1, "socket.sendto": 1, "socket.getaddrinfo": 0, "socket.gethostbyname": 0}


def _hook(event, args):
    if event in _EVENTS:
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps([event, repr(args[_EVENTS[event]])]) + "\n")


if _LOG:
    sys.addaudithook(_hook)
