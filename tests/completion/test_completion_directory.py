"""Addresses from the sandbox's directory are offered with what they are: a mailbox, or a mailing list."""

from __future__ import annotations

from smtpshell.proto.policy import SandboxPolicy
from smtpshell.session.completion import complete, directory_addresses
from tests.completion.states import STATES


def meanings(text: str, policy: SandboxPolicy) -> dict[str, str]:
    return {c.display: c.meaning for c in complete(text, STATES["mail"], addresses=directory_addresses(policy))}


def test_a_mailing_list_is_not_called_a_mailbox() -> None:
    policy = SandboxPolicy(mailboxes={"alice": "Alice"}, lists={"staff": ("alice", "bob")}, domains=("x.test",))
    offered = meanings("RCPT TO:<", policy)
    assert offered["alice@x.test"] == "a mailbox the sandbox knows"
    assert offered["staff@x.test"] == "a mailing list the sandbox knows (alice, bob)"


def test_every_directory_entry_is_offered_at_every_domain() -> None:
    policy = SandboxPolicy(
        mailboxes={"alice": "Alice", "bob": "Bob"}, lists={"team": ("alice",)}, domains=("a.test", "b.test")
    )
    assert sorted(address for address, _ in directory_addresses(policy)) == [
        "alice@a.test",
        "alice@b.test",
        "bob@a.test",
        "bob@b.test",
        "team@a.test",
        "team@b.test",
    ]


def test_plain_addresses_still_read_as_mailboxes() -> None:
    found = complete("RCPT TO:<", STATES["mail"], addresses=["carol@y.test"])
    assert [(c.display, c.meaning) for c in found if c.display == "carol@y.test"] == [
        ("carol@y.test", "a mailbox the sandbox knows")
    ]
