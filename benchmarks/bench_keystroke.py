"""Cost per keystroke of smtpshell's completion and highlighting, against simple peers run in the same process.

Typing is simulated: for each line, every prefix (one more character each time) is completed and lexed, as the
prompt does on each keystroke. The figures are microseconds per keystroke, best of several runs, and ratios:

  completion  complete(prefix, state, ...)            vs  prompt_toolkit's WordCompleter(verbs, ignore_case)
  lexing      SMTPCommandLexer on the prefix          vs  pygments' TextLexer (no highlighting at all), and
                                                          a four-rule RegexLexer (what a naive SMTP lexer costs)
  keystroke   complete() + SMTPCommandLexer           vs  WordCompleter alone (the issue's ratio), and
                                                          WordCompleter + TextLexer
  last key    the same on the whole line (the dearest keystroke of a line of that length) vs WordCompleter

Per-keystroke figures are means over every prefix of four lines of the given length (an RCPT with DSN
parameters, a MAIL with ESMTP parameters, an AUTH with a long base64 response, an /explain); "% frame" is the
share of one 60 Hz frame.

Run: python benchmarks/bench_keystroke.py [--repeat N] [--lengths 10,50,100,200,500]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from prompt_toolkit.completion import CompleteEvent, WordCompleter
from prompt_toolkit.document import Document
from pygments.lexer import RegexLexer
from pygments.lexers.special import TextLexer
from pygments.token import Keyword, Name, String, Text

from smtpshell.highlight.lexers import SMTPCommandLexer
from smtpshell.proto.client_state import GREETING, ClientState
from smtpshell.proto.commands import COMMANDS, SANDBOX_EXTENSIONS
from smtpshell.proto.replies import Reply
from smtpshell.session.completion import complete

FRAME_US = 1_000_000 / 60  # one frame of a 60 Hz display

# Lines a learner types, cut or padded to each length: long addresses, many parameters, a long AUTH response.
TEMPLATES = (
    "RCPT TO:<bob.{pad}@sandbox.test> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;bob.{pad}@sandbox.test",
    "MAIL FROM:<alice.{pad}@sandbox.test> SIZE=123456 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID={pad}",
    "AUTH PLAIN {pad}",
    "/explain 550 5.7.1 {pad}",
)


class NaiveSMTPLexer(RegexLexer):  # type: ignore[misc]  # pygments ships no type hints
    """The peer for lexing: what a four-rule regex lexer for SMTP lines costs."""

    name = "naive smtp"
    tokens = {
        "root": [
            (r"(?i)\b(" + "|".join(COMMANDS) + r")\b", Keyword),
            (r"<[^>\s]*>", Name.Label),
            (r"[A-Za-z0-9-]+=\S*", String),
            (r"\s+|\S+", Text),
        ]
    }


def typed_lines(length: int) -> list[str]:
    lines = []
    for template in TEMPLATES:
        line = template.format(pad="x" * length)
        lines.append(line[:length])
    return lines


def session_state() -> ClientState:
    """In a transaction, after an EHLO that advertised everything the sandbox can."""
    state = ClientState()
    state.apply(GREETING, Reply.make(220, "sandbox.test ESMTP"))
    keywords = [f"{k} PLAIN LOGIN CRAM-MD5" if k == "AUTH" else k for k in SANDBOX_EXTENSIONS]
    state.apply("EHLO client.example", Reply(250, ("sandbox.test", *keywords)))
    state.apply("MAIL FROM:<alice@sandbox.test>", Reply.make(250, "OK", "2.1.0"))
    return state


def per_keystroke_us(work: Callable[[str], object], lines: list[str], repeat: int, *, whole: bool = False) -> float:
    """Mean cost of one keystroke over every prefix of the lines (or, with ``whole``, of the last keystroke)."""
    prefixes = lines * 20 if whole else [line[:end] for line in lines for end in range(1, len(line) + 1)]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for prefix in prefixes:
            work(prefix)
        best = min(best, time.perf_counter_ns() - start)
    return best / len(prefixes) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure; the best is kept")
    parser.add_argument("--lengths", default="10,50,100,200,500", help="line lengths, comma-separated")
    args = parser.parse_args()

    state = session_state()
    addresses = [f"user{i}@sandbox.test" for i in range(20)]
    history = [f"RCPT TO:<friend{i}@example.org>" if i % 3 else f"MAIL FROM:<me{i}@example.org>" for i in range(200)]
    ours = SMTPCommandLexer()
    plain = TextLexer()
    naive = NaiveSMTPLexer()
    words = WordCompleter(list(COMMANDS), ignore_case=True)
    event = CompleteEvent(completion_requested=False)

    def our_completion(prefix: str) -> object:
        return complete(prefix, state, addresses=addresses, history=history)

    def word_completion(prefix: str) -> object:
        return list(words.get_completions(Document(prefix), event))

    def our_lexing(prefix: str) -> object:
        return list(ours.get_tokens_unprocessed(prefix))

    def text_lexing(prefix: str) -> object:
        return list(plain.get_tokens_unprocessed(prefix))

    def naive_lexing(prefix: str) -> object:
        return list(naive.get_tokens_unprocessed(prefix))

    def our_keystroke(prefix: str) -> object:
        return our_completion(prefix), our_lexing(prefix)

    def peer_keystroke(prefix: str) -> object:
        return word_completion(prefix), text_lexing(prefix)

    header = (
        f"{'length':>6} | {'complete':>8} {'WordCmp':>8} {'ratio':>6} | {'lex':>7} {'TextLx':>7} {'ratio':>6} "
        f"{'naiveRx':>7} {'ratio':>6} | {'ours':>7} {'/WordCmp':>8} {'/WC+Text':>8} {'% frame':>7} | "
        f"{'last key':>8} {'ratio':>6}"
    )
    print("microseconds per keystroke (best of", args.repeat, "runs); ratio = ours / peer")
    print(header)
    print("-" * len(header))
    for length in (int(n) for n in args.lengths.split(",")):
        lines = typed_lines(length)
        c_ours = per_keystroke_us(our_completion, lines, args.repeat)
        c_peer = per_keystroke_us(word_completion, lines, args.repeat)
        l_ours = per_keystroke_us(our_lexing, lines, args.repeat)
        l_text = per_keystroke_us(text_lexing, lines, args.repeat)
        l_naive = per_keystroke_us(naive_lexing, lines, args.repeat)
        k_ours = per_keystroke_us(our_keystroke, lines, args.repeat)
        k_peer = per_keystroke_us(peer_keystroke, lines, args.repeat)
        last_ours = per_keystroke_us(our_keystroke, lines, args.repeat, whole=True)
        last_peer = per_keystroke_us(word_completion, lines, args.repeat, whole=True)
        print(
            f"{length:>6} | {c_ours:8.1f} {c_peer:8.1f} {c_ours / c_peer:6.2f} | {l_ours:7.1f} {l_text:7.1f} "
            f"{l_ours / l_text:6.2f} {l_naive:7.1f} {l_ours / l_naive:6.2f} | {k_ours:7.1f} "
            f"{k_ours / c_peer:8.2f} {k_ours / k_peer:8.2f} {100 * k_ours / FRAME_US:6.2f}% | "
            f"{last_ours:8.1f} {last_ours / last_peer:6.2f}"
        )


if __name__ == "__main__":
    main()
