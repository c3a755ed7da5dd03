"""The key bar at the bottom: the keys that work now, the function keys first, Quit last; a click presses the key.

Rule: one line drawn by one widget from the screen's active bindings (Textual's public ``active_bindings``), so
it never lists a key that does nothing here, and typing does not pay for a widget per key (Textual's Footer has
one each, and every keystroke lays the whole screen out again).
"""

from __future__ import annotations

from textual.binding import ActiveBinding
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

LAST = ("ctrl+c", "ctrl+q")  # what ends something comes after what shows something


def _order(item: tuple[str, ActiveBinding]) -> tuple[int, str]:
    key = item[0]
    if key.startswith("f") and key[1:].isdigit():
        return 0, f"{int(key[1:]):02d}"
    if key in LAST:
        return 2, str(LAST.index(key))
    return 1, key


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 0 0 1;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def _bindings_changed(self, _screen: object) -> None:
        self.call_after_refresh(self._draw)

    def _draw(self) -> None:
        app = self.app
        shown: dict[str, ActiveBinding] = {}
        for key, active in app.screen.active_bindings.items():
            if active.binding.show and active.binding.description not in (
                b.binding.description for b in shown.values()
            ):
                shown[key] = active
        parts = []
        for key, active in sorted(shown.items(), key=_order):
            press = Style.from_meta({"@click": f"app.simulate_key({key!r})"})
            label = Content.assemble(
                (app.get_key_display(active.binding), "bold $text-accent"), " ", active.binding.description
            ).stylize(press)
            parts.append(label if active.enabled else label.stylize("dim"))
        wide = Content("  ").join(parts)
        # On a narrow terminal one space between keys, so that Quit, the last, is still there at 80 columns.
        self.update(wide if wide.cell_length <= self.size.width - 1 else Content(" ").join(parts))
