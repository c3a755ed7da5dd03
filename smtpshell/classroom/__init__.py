"""The class server: one sandbox for a whole class, a channel beside SMTP, the teacher's live view."""
