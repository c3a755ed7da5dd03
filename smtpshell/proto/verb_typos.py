"""Which SMTP verb a mistyped one was probably meant to be ("EHOL" -> "EHLO"), from the command table.

Rule: a guess is offered only when one verb is clearly closest: at most one edit away for a verb of four letters
or fewer (SMTP's verbs are short: two edits turn QUIT into QUIT's neighbours), two for longer ones; a swap of two
neighbouring letters counts as one edit (optimal string alignment distance).
"""

from __future__ import annotations

from smtpshell.proto.commands import COMMANDS


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of adjacent letters that turn ``a`` into ``b``."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def did_you_mean(word: str) -> str | None:
    """The verb ``word`` was most likely meant to be; None when it is a verb already or nothing is close."""
    typed = word.upper()
    if not typed or typed in COMMANDS:
        return None
    limit = 1 if len(typed) <= 4 else 2
    scored = sorted((edit_distance(typed, verb), command.obsolete, verb) for verb, command in COMMANDS.items())
    best = [entry for entry in scored if entry[0] == scored[0][0]]
    distance, _, verb = best[0]
    if distance > limit or (len(best) > 1 and best[1][1] == best[0][1]):
        return None  # too far, or two verbs equally close: a guess would mislead
    return verb
