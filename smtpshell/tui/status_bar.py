"""One line that says where the session stands: which server, TLS, login, the envelope so far, DATA.

Rule: it shows the client's view (ClientState), which changes only on the server's replies.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from smtpshell.proto.client_state import ClientState
from smtpshell.proto.visible_text import visible

SEPARATOR = Content(" │ ").stylize("$text-muted")


def _field(label: str, value: str, style: str) -> Content:
    return Content.assemble((label + " ", "$text-muted"), (visible(value), style))


def _tls_field(tls: dict[str, str] | None) -> Content:
    """TLS as the connection reported it: off, on and verified, or on with an unchecked certificate."""
    if not tls:
        return _field("TLS", "off", "$text-warning")
    if tls.get("verified", "").startswith("yes"):  # "yes: chain and host name ... checked"
        return _field("TLS", f"{tls.get('version') or 'on'} 🔒 verified", "bold $text-success")
    return _field("TLS", f"{tls.get('version') or 'on'} ⚠ certificate NOT checked", "bold $text-error")


def render_status(
    target: str, state: ClientState, connected: bool, busy: str = "", tls: dict[str, str] | None = None
) -> Content:
    """``tls`` is the TLS the connection reported (a ConnectionChange's tls_info), None when there is none."""
    target = visible(target)  # a host name, like the envelope, is text the terminal must not obey
    if not connected:  # nothing is true of a session that is gone: no TLS, no login, no envelope
        fields = [Content(f"{target}: not connected").stylize("bold $text-warning")]
        if busy:
            fields.append(Content(busy).stylize("italic $text-accent"))
        return SEPARATOR.join(fields)
    where = Content(target).stylize("bold $text-success")
    # The session's state decides whether TLS is on (a failed handshake leaves it off); the record says how.
    tls_field = _tls_field((tls or {"verified": "yes"}) if state.tls else None)
    fields = [where, tls_field]
    if state.authenticated:
        fields.append(_field("auth", state.authenticated, "$text-success"))
    else:
        fields.append(_field("auth", "no", "$foreground"))
    if state.sender is not None:
        fields.append(_field("from", f"<{state.sender}>", "$text-secondary"))
        count = len(state.recipients)
        if count:
            shown = ", ".join(f"<{r}>" for r in state.recipients[:2]) + (f" +{count - 2}" if count > 2 else "")
            fields.append(_field("to", shown, "$text-secondary"))
        else:
            fields.append(_field("to", "nobody yet", "$text-muted"))
    elif state.helo is not None:
        fields.append(_field("EHLO" if state.esmtp else "HELO", state.helo, "$foreground"))
    if state.in_data:
        fields.append(Content(" DATA: type the message ").stylize("bold $text-warning on $warning-muted"))
    if state.auth_mechanism:
        fields.append(
            Content(f" AUTH {state.auth_mechanism} under way ").stylize("bold $text-warning on $warning-muted")
        )
    if busy:
        fields.append(Content(busy).stylize("italic $text-accent"))
    return SEPARATOR.join(fields)


class StatusBar(Static):
    target: reactive[str] = reactive("sandbox")
    busy: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = ClientState()
        self.connected = False
        self.tls: dict[str, str] | None = None

    def update_state(self, target: str, state: ClientState, connected: bool, tls: dict[str, str] | None = None) -> None:
        """``connected`` comes from the connection itself: a server that hung up while the learner was idle
        leaves the session state as it was until the next command finds out. ``tls`` is the TLS the last
        connection record reported (None: no TLS on this connection)."""
        self.state = state.copy()
        self.target = target
        self.connected = connected
        self.tls = tls
        self.refresh_status()

    def refresh_status(self) -> None:
        self.update(render_status(self.target, self.state, self.connected, self.busy, self.tls))

    def watch_busy(self) -> None:
        self.refresh_status()

    def on_mount(self) -> None:
        self.refresh_status()
