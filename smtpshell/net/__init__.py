"""Transports and the sandbox server: asyncio around the sans-IO machines of smtpshell.proto.

Rule: the protocol decisions live in proto/; this package only moves bytes, keeps time, upgrades to TLS and
stores what the machine accepted. It imports proto/, never a front end.
"""
