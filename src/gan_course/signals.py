"""Signal handlers for the length of a block: the one way the course's commands change them."""

import contextlib
import signal
import threading


@contextlib.contextmanager
def handlers(changed=None, kept=()):
    """Set ``changed`` ({signal: handler}) for the block; put those and the ``kept`` signals' handlers back
    after it, whatever the block did to them. Outside the main thread nothing is set (Python runs signal
    handlers there only)."""
    changed = changed or {}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.getsignal(sig) for sig in (*changed, *kept)}
    try:
        for sig, handler in changed.items():
            signal.signal(sig, handler)
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:  # None: a handler set outside Python, which cannot be put back
                signal.signal(sig, handler)


@contextlib.contextmanager
def interrupts_deferred():
    """Hold a Ctrl-C (SIGINT) until the block has run, then raise it: what the block writes is written whole."""
    received, previous = [], signal.getsignal(signal.SIGINT)
    try:
        with handlers({signal.SIGINT: lambda signum, frame: received.append(signum)}):
            yield
    finally:
        if received:  # as the handler it replaced would have
            if callable(previous):
                previous(signal.SIGINT, None)
            raise KeyboardInterrupt
