"""What a reply means for one command in one session state, from the situations in data/situations.toml.

Rule: a situation's conditions are read against the client's view of the session when the command was sent; the
first situation whose command, code and conditions all match wins.
"""

from __future__ import annotations

from collections.abc import Callable

from smtpshell.explain import knowledge
from smtpshell.proto.client_state import ClientState

FLAGS: dict[str, Callable[[ClientState], bool]] = {
    "greeted": lambda s: s.greeted,
    "helo": lambda s: s.helo is not None,
    "esmtp": lambda s: s.esmtp,
    "sender": lambda s: s.sender is not None,
    "recipients": lambda s: bool(s.recipients),
    "tls": lambda s: s.tls,
    "authenticated": lambda s: s.authenticated is not None,
}


def condition_holds(name: str, state: ClientState) -> bool:
    """One condition of situations.toml; ValueError for a name the engine does not know."""
    if name.startswith("advertised:"):
        return state.advertised(name.partition(":")[2])
    if name.startswith("not_advertised:"):
        return not state.advertised(name.partition(":")[2])
    negated = name.startswith("no_")
    flag = FLAGS.get(name[3:] if negated else name)
    if flag is None:
        raise ValueError(f"unknown situation condition {name!r}")
    return flag(state) != negated


def find_situation(command: str, code: int, state: ClientState | None) -> knowledge.Situation | None:
    """The first situation for this command (a verb or a pseudo-command) and code that holds in ``state``.

    Without a state only the situations with no conditions can apply.
    """
    for situation in knowledge.situations():
        if situation.command != command or not situation.covers(code):
            continue
        if not situation.when:
            return situation
        if state is not None and all(condition_holds(name, state) for name in situation.when):
            return situation
    return None
