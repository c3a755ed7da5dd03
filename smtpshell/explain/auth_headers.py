"""Explain a pasted Authentication-Results (RFC 8601) or DKIM-Signature (RFC 6376 §3.5) header field, line by line.

Rule: the results and tags come from the data file auth_results.toml; authres parses Authentication-Results, so
the reading is the one mail software does; a DKIM-Signature is a tag=value list read here.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

from smtpshell.explain.knowledge import DATA_DIR, cache_dir, load_table
from smtpshell.explain.model import Explanation

HEADER = re.compile(r"^\s*(authentication-results|arc-authentication-results|dkim-signature)\s*:", re.IGNORECASE)


@cache
def _data() -> dict[str, Any]:
    return load_table(os.path.join(DATA_DIR, "auth_results.toml"), cache_dir())


def is_auth_header(text: str) -> bool:
    return bool(HEADER.match(text))


def explain_auth_header(text: str) -> Explanation:
    unfolded = " ".join(line.strip() for line in text.strip().splitlines())
    name = unfolded.partition(":")[0].strip().lower()
    if name == "dkim-signature":
        return explain_dkim_signature(unfolded)
    return explain_authentication_results(unfolded)


def result_rows(text: str) -> list[tuple[str, str]]:
    """Each result of an Authentication-Results field as (what it says, what it means); [] if it cannot be read."""
    import authres

    unfolded = " ".join(line.strip() for line in text.strip().splitlines())
    if unfolded.lower().startswith("arc-authentication-results"):
        unfolded = "Authentication-Results" + unfolded[len("arc-authentication-results") :]
        unfolded = re.sub(r":\s*i=[0-9]+\s*;", ":", unfolded, count=1)
    try:
        header = authres.AuthenticationResultsHeader.parse(unfolded)
    except Exception:  # authres raises its own SyntaxError and others for text that is not a valid field
        return []
    methods = _data()["methods"]
    properties = _data()["properties"]
    rows: list[tuple[str, str]] = []
    for result in header.results:
        method, value = str(result.method).lower(), str(result.result).lower()
        info = methods.get(method)
        meaning = (
            info["results"].get(value, "a result this shell does not know")
            if info
            else "a method this shell does not know"
        )
        about = f"{info['about']} " if info else ""
        rows.append((f"{method}={value}", f"{about}{value}: {meaning} ({info['rfc'] if info else 'RFC 8601'})"))
        for prop in result.properties:
            key = f"{prop.type}.{prop.name}".lower()
            rows.append((f"  {key}={prop.value}", properties.get(key, "a property this shell does not know")))
    return rows


def explain_authentication_results(text: str) -> Explanation:
    rows = result_rows(text)
    if not rows:
        return Explanation(
            headline="An Authentication-Results field this shell cannot read",
            meaning="It should read: Authentication-Results: authserv-id; method=result property=value; ...",
            known=False,
            references=["RFC 8601 §2.2"],
        )
    authserv = text.partition(":")[2].split(";")[0].strip()
    verdicts = [row[0] for row in rows if not row[0].startswith(" ")]
    failed = [v for v in verdicts if v.split("=")[1] in ("fail", "permerror", "softfail", "temperror")]
    headline = "Authentication results: " + ", ".join(verdicts)
    meaning = [
        f"The receiving server {authserv} checked the message and wrote down what it found (RFC 8601). Only trust "
        "this field when your own server added it: a sender can forge one.",
    ]
    if failed:
        meaning.append(f"What failed: {', '.join(failed)}. The lines below say what each result means.")
    return Explanation(
        headline=headline,
        anatomy=rows,
        meaning="\n\n".join(meaning),
        next_steps=["If dmarc=fail: make SPF or DKIM pass for the From: domain (aligned), see `smtpshell domain`."]
        if any(v.startswith("dmarc=fail") for v in verdicts)
        else [],
        known=True,
        references=["RFC 8601 §2.2", "RFC 7208", "RFC 6376", "RFC 7489"],
    )


def explain_dkim_signature(text: str) -> Explanation:
    body = text.partition(":")[2]
    tags: list[tuple[str, str]] = []
    for part in body.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            tags.append((key.strip().lower(), re.sub(r"\s+", " ", value.strip())))
    if not tags:
        return Explanation(headline="A DKIM-Signature field without tags", known=False, references=["RFC 6376 §3.5"])
    meanings = _data()["dkim_tags"]
    rows = []
    for key, value in tags:
        shown = value if len(value) <= 40 else value[:36] + "…"
        rows.append((f"{key}={shown}", meanings.get(key, "a tag this shell does not know (ignored by verifiers)")))
    found = dict(tags)
    covered = [name.strip() for name in found.get("h", "").split(":") if name.strip()]
    meaning = [
        f"{found.get('d', '?')} signed this message with its key {found.get('s', '?')} (published in DNS at "
        f"{found.get('s', '?')}._domainkey.{found.get('d', '?')}). The signature covers "
        f"{', '.join(covered) or 'no header fields'} and the body: change any of them and it breaks.",
    ]
    if "from" not in [name.lower() for name in covered]:
        meaning.append("Broken: h= must include From (RFC 6376 §5.4).")
    if "l" in found:
        meaning.append("l= limits the signed body: anything appended after it is unsigned, a known weakness.")
    return Explanation(
        headline=f"A DKIM signature by {found.get('d', '?')} (selector {found.get('s', '?')})",
        anatomy=rows,
        meaning="\n\n".join(meaning),
        known=True,
        references=["RFC 6376 §3.5"],
    )
