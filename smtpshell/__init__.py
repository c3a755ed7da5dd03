"""smtpshell: an interactive SMTP teaching shell."""

__version__ = "0.1.0"
