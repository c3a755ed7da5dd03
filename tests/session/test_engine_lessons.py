"""/lesson, /hint and /showme through the engine, with the shipped lessons and the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from smtpshell.lessons.shell_link import ShellLessons
from smtpshell.session.engine import ShellEngine
from tests.session.helpers import notices, run


async def test_first_lesson_from_start_to_finish(smtpshell_home: Path) -> None:
    engine = ShellEngine(data_dir=smtpshell_home, lessons=ShellLessons())
    engine.startup_lines.append("/lesson first-conversation")
    await engine.start()
    try:
        assert engine.lessons.runner is not None and engine.lessons.runner.step_index == 0
        assert any(n.text.startswith("Step 1 of 2") for n in notices(engine))
        await engine.submit("/hint")
        assert notices(engine)[-1].text.startswith("Hint 1 of")
        await engine.submit("/showme")
        suggestion = engine.take_suggestion()
        assert suggestion and suggestion.upper().startswith("HELO")
        await engine.submit(suggestion)
        assert any(n.text.startswith("Step 1 done") for n in notices(engine))
        await engine.submit("QUIT")
        assert any(n.text.startswith("Lesson finished") for n in notices(engine))
        assert engine.lessons.runner.finished
    finally:
        await engine.close()
    saved = json.loads(next(smtpshell_home.glob("*progress*.json")).read_text())
    assert "first-conversation" in json.dumps(saved) and '"finished": true' in json.dumps(saved)


async def test_lesson_policy_is_undone_by_stop_and_ids_complete(smtpshell_home: Path) -> None:
    engine = ShellEngine(data_dir=smtpshell_home, lessons=ShellLessons())
    await engine.start()
    try:
        assert "/lesson first-conversation" in [c.text for c in engine.completions("/lesson f")] or any(
            c.text == "first-conversation" for c in engine.completions("/lesson f")
        )
        default_limit = engine.policy.size_limit
        await run(engine, "/lesson 7", "EHLO me.example")
        assert engine.policy.size_limit == 200 and engine.state.size_limit() == 200  # the lesson's sandbox
        await run(engine, "/lesson stop", "/sandbox", "EHLO me.example")
        assert engine.lessons.runner is None and engine.state.size_limit() == default_limit
        await run(engine, "/lesson no-such-lesson", "/hint", "/showme")
        texts = [n.text for n in notices(engine)[-3:]]
        assert texts[0] == "No lesson 'no-such-lesson'."
        assert "No lesson is running" in texts[1] and "No lesson is running" in texts[2]
    finally:
        await engine.close()
