"""The plain front end: a prompt_toolkit prompt over the shell engine, and a script runner for piped input."""
