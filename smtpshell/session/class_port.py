"""How a class server's channel plugs into the shell: the session defines this interface, smtpshell.classroom
implements it (classroom/student_link.py), and whoever builds the engine attaches one.

Rule: the session never imports smtpshell.classroom. The channel is inert (``active`` is False) until a server's
greeting names one; the engine tells it of every reply read from a remote server and asks it for the reasons,
the mailbox and the log a class server keeps, as the sandbox's own would give them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from smtpshell.net.server_log import LogEntry
    from smtpshell.proto.events import Message
    from smtpshell.proto.faults import FaultRule
    from smtpshell.proto.replies import Reply


class ClassChannel(Protocol):
    @property
    def active(self) -> bool:
        """The greeting named a channel and the shell joined it."""
        ...

    @property
    def logged_in(self) -> bool:
        """The student's login was accepted (their own mailbox can be read)."""
        ...

    @property
    def url(self) -> str | None:
        """The channel's address, once a greeting named it."""
        ...

    @property
    def problem(self) -> str | None:
        """Why the channel is not used, when it is not."""
        ...

    async def reply_read(self, local_address: str, index: int, reply: Reply) -> None:
        """Reply number ``index`` (0: the greeting) was read on the SMTP connection from ``local_address``."""
        ...

    def reason(self, index: int, reply: Reply) -> str | None:
        """The class server's reason for reply number ``index``, when it told one."""
        ...

    async def refresh(self) -> None:
        """Fetch what changed on the server (its mailbox) before it is shown."""
        ...

    def mailbox(self) -> list[Message]: ...

    def server_log(self) -> list[LogEntry]: ...

    async def set_lesson_faults(self, rules: list[FaultRule]) -> str | None:
        """Have the class server apply a lesson's faults to this student alone; a problem, or None."""
        ...

    def lesson_progress(self, lesson: str, step: int, steps: int, done: bool) -> None: ...

    async def close(self) -> None: ...
