"""`smtpshell explain` reads a pasted Authentication-Results or DKIM-Signature field line by line."""

from __future__ import annotations

import io

from smtpshell.explain.command import main
from smtpshell.explain.topics import explain_topic

RESULTS = """Authentication-Results: mx.google.com;
       dkim=pass header.i=@example.org header.s=s1 header.b=abc;
       spf=softfail (google.com: domain of x@example.org does not designate 192.0.2.1)
        smtp.mailfrom=x@example.org;
       dmarc=fail (p=REJECT sp=REJECT dis=NONE) header.from=example.org"""


def test_authentication_results_are_read_result_by_result() -> None:
    explanation = explain_topic(RESULTS)
    assert explanation.known
    assert explanation.headline == "Authentication results: dkim=pass, spf=softfail, dmarc=fail"
    rows = dict(explanation.anatomy)
    assert "probably not allowed (~all)" in rows["spf=softfail"]
    assert "neither an aligned SPF pass nor an aligned DKIM pass" in rows["dmarc=fail"]
    assert rows["  header.from=example.org"].startswith("the domain of the From: header field")
    assert "softfail" in explanation.meaning and "dmarc=fail" in explanation.meaning
    assert explanation.next_steps and "aligned" in explanation.next_steps[0]


def test_a_dkim_signature_names_what_it_covers() -> None:
    explanation = explain_topic("DKIM-Signature: v=1; a=rsa-sha256; d=good.test; s=lab; h=to:subject; bh=x; b=y")
    assert explanation.headline == "A DKIM signature by good.test (selector lab)"
    assert "covers to, subject and the body" in explanation.meaning
    assert "h= must include From" in explanation.meaning


def test_the_command_line_explains_a_pasted_header() -> None:
    out = io.StringIO()
    assert main(["explain", "--no-color", RESULTS], out=out) == 0
    assert out.getvalue().startswith("Authentication results: dkim=pass")


def test_an_unreadable_field_is_said_so() -> None:
    explanation = explain_topic("Authentication-Results: ;;; ===")
    assert not explanation.known
