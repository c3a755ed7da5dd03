"""The pages `smtpshell web` serves: the terminal page and the page a tab gets when the room is full.

Rule: nothing comes from outside. textual-serve's own page loads its font from Google Fonts; this one declares
the same Roboto Mono from the files textual-serve ships (served by us under /static), and the browser's own
monospace when even that fails, so a lab with no internet sees the shell all the same.
"""

from __future__ import annotations

from html import escape

TERMINAL_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="preload" href="{static}fonts/RobotoMono-VariableFont_wght.ttf" as="font" type="font/ttf" crossorigin>
<link rel="stylesheet" href="{static}css/xterm.css">
<style>
@font-face {{ font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
  src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }}
@font-face {{ font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
  src: url("{static}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }}
html, body {{ margin: 0; height: 100%; background: #0c181f; color: #f0f0f0;
  font-family: "Roboto Mono", ui-monospace, "DejaVu Sans Mono", monospace; }}
#terminal {{ position: absolute; inset: 0; opacity: 0; }}
body.-first-byte #terminal {{ opacity: 1; }}
.message {{ position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  flex-direction: column; text-align: center; }}
body.-first-byte .starting {{ display: none; }}
.ended {{ display: none; background: #0c181f; z-index: 10; }}
body.-closed .ended {{ display: flex; }}
button {{ font: inherit; padding: 0.6em 1.6em; margin-top: 1em; background: #1f6feb; color: #ffffff; border: 0;
  cursor: pointer; }}
</style>
<script>
// Leaving the page ends its shell at once: a page kept in the back/forward cache would keep its socket, and so
// its process, alive.
(function () {{
  const open = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {{
    constructor(...args) {{ super(...args); open.push(this); }}
  }};
  window.addEventListener("pagehide", () => open.forEach((socket) => socket.close()));
  // A file the shell saved (/save) arrives as a link to open in a new window, which a popup blocker stops:
  // follow it as a download link instead.
  const nativeOpen = window.open.bind(window);
  window.open = (url, target, features) => {{
    if (typeof url === "string" && new URL(url, window.location.href).pathname.startsWith("/download/")) {{
      const link = document.createElement("a");
      link.href = url;
      link.download = "";
      document.body.appendChild(link);
      link.click();
      link.remove();
      return null;
    }}
    return nativeOpen(url, target, features);
  }};
}})();
</script>
<script src="{static}js/textual.js"></script>
</head>
<body>
<div class="message starting"><p>{title}: starting your own shell and sandbox…</p></div>
<div class="message ended"><p>This shell has ended (its sandbox and everything typed in it are gone).</p>
<button type="button" onclick="window.location.reload()">Start a new one</button></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket}" data-font-size="{font_size}"></div>
</body>
</html>
"""

FULL_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: the room is full</title>
<style>
body {{ font-family: system-ui, "DejaVu Sans", sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem;
  line-height: 1.5; }}
h1 {{ font-size: 1.5rem; }}
</style>
</head>
<body>
<h1>All {limit} shells are in use</h1>
<p>This server runs at most {limit} shells at once (each browser tab is one shell with its own sandbox), and
they are all open right now.</p>
<p>Close a tab you no longer need, or wait for a classmate to close one, then reload this page.
The teacher can allow more with <code>smtpshell web --max-tabs N</code>.</p>
</body>
</html>
"""


def terminal_page(title: str, static: str, websocket: str, font_size: int) -> str:
    return TERMINAL_PAGE.format(
        title=escape(title), static=escape(static), websocket=escape(websocket), font_size=font_size
    )


def full_page(title: str, limit: int) -> str:
    return FULL_PAGE.format(title=escape(title), limit=limit)
