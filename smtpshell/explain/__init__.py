"""Explanations: knowledge of SMTP as data files, and `explain(...)` turning a reply into a lesson."""
