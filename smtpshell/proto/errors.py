"""Two kinds of protocol error, as in h11: the peer broke the protocol, or we were asked to."""

from __future__ import annotations


class ProtocolError(Exception):
    """Base of the protocol errors; the message is meant for a learner to read."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something SMTP does not allow (a garbage reply line, a line too long, ...)."""


class LocalProtocolError(ProtocolError):
    """We were asked to send something SMTP does not allow (a bare CR or LF inside a command, ...)."""
