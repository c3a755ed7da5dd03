"""`smtpshell web`: the full-screen shell in browser tabs, one process and one sandbox per tab (textual-serve)."""
