"""Ctrl-V inserts the next key as it is, as in readline and Vim: Ctrl-V then Enter puts a lone CR on the line.

prompt_toolkit's Emacs mode binds that to Ctrl-Q only; a learner following lesson 14 (or used to a shell) reaches
for Ctrl-V, and both keys work.
"""

from __future__ import annotations

from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent


def quoted_insert_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("c-v")
    def _quoted_insert(event: KeyPressEvent) -> None:
        event.app.quoted_insert = True

    return bindings
