"""The sandbox's own error, apart from the server: the client engine catches it without importing the server."""

from __future__ import annotations


class SandboxError(Exception):
    """The sandbox could not start; the message says why in words a learner understands."""
