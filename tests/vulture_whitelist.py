"""Names the dead-code check (tests/test_dead_code.py) must not report: they are used, but not by a call vulture
can see. Read by vulture, never imported.

Textual's own conventions (on_*, action_*, watch_*, compose, BINDINGS, @on handlers, ...) are in pyproject.toml's
[tool.vulture]; what is here is named one by one, with who uses it.
"""

# ruff: noqa: B018
from types import SimpleNamespace

_ = SimpleNamespace()

# asyncio calls a Protocol's methods (net/client.py, net/sandbox.py).
_.connection_made
_.data_received
_.eof_received
_.connection_lost
_.pause_writing
_.resume_writing

# Pygments reads a lexer's and a style's class attributes and calls these methods (highlight/).
_.aliases
_.filenames
_.mimetypes
_.url
_.version_added
_.get_tokens_unprocessed
_.analyse_text
_.background_color

# prompt_toolkit calls a Completer's and a History's methods and reads the History's cache (repl/).
_.get_completions
_.complete_event
_.append_string
_.store_string
_.string
_._loaded_strings
_._loaded
_.quoted_insert  # the flag prompt_toolkit's Application reads for the next key (repl/quoted_insert.py)

# Textual and textual-autocomplete read or call these (tui/).
_.selection  # TextArea.selection: setting it selects
_.discover  # a command palette Provider's method
_._listen_to_messages
_.get_candidates
_.get_matches
_.should_show_dropdown
_.apply_completion
_.post_completion

# Textual reads a ScrollView's virtual size and calls a Line API widget's render_line (tui/teach_rows.py).
_.virtual_size
_.render_line

# dnspython's Resolver reads the servers it is given (net/mx.py).
_.nameservers

# pyspf calls query.dns with this parameter (authlab/spf_check.py overrides it).
_.cnames

# The tests and the benchmarks use these to observe or wait; the program itself does not need them.
_.hung_up  # tests/client/test_client_hang_up.py
_.peak_buffered  # tests/client/test_unsolicited.py
_.catalog  # tests/proto/test_server_properties.py: every named reply is well formed
_.wait_until_idle  # tests/tui, benchmarks/bench_tui.py
_.parse_connect_args  # tests/session/test_target_and_safety.py
_.call  # tests/classroom: run a function on the class server's loop
_.loop_name  # benchmarks/bench_class.py, bench_sandbox_throughput.py
_.lines_taken  # tests/tui/test_tui_input.py waits on it
_.feed_ready  # tests/classroom/test_teach_dashboard.py
_.status_text  # tests/classroom/test_teach_dashboard.py
_.markdown_transcript  # tests/explain/test_explain_annotate.py, tests/session/test_idle_disconnect.py
_.active_sessions  # tests/net/test_sandbox_lockout.py
_.bytes_held  # tests/net/test_sandbox_memory.py
_.chunk_remaining  # tests/proto/test_server_argument_fuzz.py
