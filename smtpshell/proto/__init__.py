"""Sans-IO SMTP: bytes in, replies and events out.

Rule: nothing in this package imports asyncio, sockets, or any UI toolkit; it is pure protocol and shared by the
sandbox server, the client engine, the completer, the lexer and the lessons.
"""
