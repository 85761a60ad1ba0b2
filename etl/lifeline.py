"""Child processes that die with their parent: the build's extraction workers and the SQL sandbox children."""
from __future__ import annotations

import ctypes
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_S = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Exit when the parent does: PR_SET_PDEATHSIG (Linux: SIGKILL when the thread that started this process ends),
    and a thread that checks the parent's pid every WATCH_S seconds, for other systems and odd cases."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:          # the parent died before prctl took effect
        os._exit(1)

    def watch():
        while True:
            time.sleep(WATCH_S)
            if os.getppid() != parent_pid:
                os._exit(1)
    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
