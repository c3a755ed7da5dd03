"""Completion: a pure function of the text before the cursor and the session state, as the client sees it.

Two steps, as in pgcli: ``suggest`` reads the line and says what kind of thing fits there (completion_suggest.py);
a matcher per kind lists the candidates with their one-line meanings (completion_match.py). Front ends only adapt
the result to their widget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from smtpshell.proto.client_state import ClientState
from smtpshell.session import completion_match as matchers
from smtpshell.session.completion_match import Completion, Sources, directory_addresses
from smtpshell.session.completion_suggest import (
    Address,
    ArgumentExample,
    BdatLast,
    EsmtpParameter,
    EsmtpValue,
    HelpTopic,
    Mechanism,
    MetaArgument,
    MetaFlag,
    MetaName,
    PathKeyword,
    Suggestion,
    Verb,
    suggest,
)
from smtpshell.session.vendor_commands import VendorAttribute

__all__ = ["Completion", "Suggestion", "complete", "directory_addresses", "suggest"]


def _candidates(suggestion: Suggestion, sources: Sources) -> list[Completion]:
    match suggestion:
        case VendorAttribute():
            return matchers.match_vendor_attribute(suggestion, sources)
        case Verb():
            return matchers.match_verb(suggestion, sources)
        case PathKeyword():
            return matchers.match_path_keyword(suggestion, sources)
        case Address():
            return matchers.match_address(suggestion, sources)
        case EsmtpParameter():
            return matchers.match_parameter(suggestion, sources)
        case EsmtpValue():
            return matchers.match_value(suggestion, sources)
        case Mechanism():
            return matchers.match_mechanism(suggestion, sources)
        case HelpTopic():
            return matchers.match_help_topic(suggestion, sources)
        case ArgumentExample():
            return matchers.match_example(suggestion, sources)
        case BdatLast():
            return matchers.match_bdat_last(suggestion, sources)
        case MetaName():
            return matchers.match_meta_name(suggestion, sources)
        case MetaArgument():
            return matchers.match_meta_argument(suggestion, sources)
        case MetaFlag():
            return matchers.match_meta_flag(suggestion, sources)
        case _:
            assert_never(suggestion)


def complete(
    text_before_cursor: str,
    state: ClientState,
    *,
    addresses: Sequence[str | tuple[str, str]] = (),
    history: Sequence[str] = (),
    lessons: Sequence[tuple[str, str]] = (),
) -> list[Completion]:
    """The candidates for the end of ``text_before_cursor``, best first.

    ``addresses`` are the addresses the sandbox knows: a mailbox's address, or an (address, what it is) pair
    (directory_addresses gives them for a sandbox policy); ``history`` the lines typed before, oldest first (addresses
    and hosts are taken from it); ``lessons`` the (id, title) pairs ``/lesson`` may start.
    """
    sources = Sources(state, addresses, history, lessons)
    found: list[Completion] = []
    for suggestion in suggest(text_before_cursor, state):
        found.extend(_candidates(suggestion, sources))
    return found
