"""The token types the SMTP lexers emit, by what each piece of a session is.

Rule: a reply code's token is chosen by its first digit (RFC 5321 §4.2.1), as httpie colours HTTP statuses. Each
class is a subtype of a standard Generic token, so any pygments style shows 2xx as "inserted" (green) and 4xx/5xx
as "deleted"/"error" (red); the smtpshell style tells 3xx and 4xx apart as well.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from pygments.token import (
    Comment,
    Error,
    Generic,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

# pygments ships no type hints: a token type is a pygments.token._TokenType.
TokenType: TypeAlias = Any

# Command lines
VERB = Keyword
OBSOLETE_VERB = Keyword.Obsolete  # a verb RFC 5321 removed (TURN, SEND, SOML, SAML)
PATH_KEYWORD = Keyword.Pseudo  # FROM: and TO:
ADDRESS = Name.Label  # as pygments' email lexer marks mailboxes
PUNCTUATION = Punctuation  # , between NOTIFY values, ; in ORCPT
ANGLE = Punctuation
PARAMETER = Name.Attribute  # SIZE, BODY, NOTIFY ...
EQUALS = Operator
CHOICE = Name.Constant  # a value from a closed set: 8BITMIME, FULL, SUCCESS, LAST, a SASL mechanism
NUMBER = Number.Integer
VALUE = String  # free values: ENVID=..., a domain after EHLO, VRFY's argument
BASE64 = String.Other  # AUTH initial responses, 334 challenges and the answers to them
REDACTED = Comment.Special  # the shell's "[credentials hidden]" where a credential was
META = Name.Builtin  # the shell's own /commands
FLAG = Name.Attribute
OTHER = Text  # the arguments of an unknown verb: already marked wrong at the verb
PENDING = Text  # the word still being typed at the end of the prompt: neither right nor wrong yet
INVALID = Error  # an unknown verb, a missing bracket, a value the command does not take

# Transcripts
PREFIX = Generic.Prompt  # "C: ", "S: ", "> ", "< ", swaks' " -> " and "<-  "
STAMP = Comment.Single  # the time (and "TLS") column of a transcript the shell saved
REPLY_TEXT = Text
SEPARATOR = Punctuation  # the "-" of a continued reply line
EHLO_KEYWORD = Name.Builtin
EHLO_OTHER_KEYWORD = Name.Other  # a vendor keyword (X-EXPS, XCLIENT) the command table does not know
COMMENT = Comment
HEADER_NAME = Name.Tag  # as pygments' email lexer marks header names
HEADER_VALUE = Text
BODY = Text
DOT_STUFFING = String.Escape  # the extra "." the server removes (RFC 5321 §4.5.2)
END_OF_DATA = Punctuation.Marker  # the line holding only "."
NEWLINE = Whitespace
SPACE = Whitespace

REPLY_CLASS: dict[int, TokenType] = {
    2: Generic.Inserted.Positive,
    3: Generic.Subheading.Intermediate,
    4: Generic.Deleted.Transient,
    5: Generic.Error.Permanent,
}
ENHANCED_CLASS: dict[int, TokenType] = {digit: token.Enhanced for digit, token in REPLY_CLASS.items()}
