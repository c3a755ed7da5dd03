"""Handouts: a session as a page a learner takes home (standalone HTML, or Markdown), from any transcript.

Rule: the writers read a Handout only (model.py); where it came from (the shell's records, a saved or pasted
transcript) is the builders' business, so the shell's /save and `smtpshell explain --html` give the same page.
"""
