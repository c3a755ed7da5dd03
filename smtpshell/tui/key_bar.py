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

from smtpshell.proto.grammar import is_ascii_digits

LAST = ("ctrl+c", "ctrl+q")  # what ends something comes after what shows something
# When even one space between keys is too wide, these give way first (the high-contrast theme is in F1's list and
# the command palette too), then the function keys from the highest: Quit and the keys of the moment stay.
GIVE_WAY_FIRST = ("ctrl+t",)


def _give_way(item: tuple[str, ActiveBinding]) -> tuple[int, int]:
    key = item[0]
    if key in GIVE_WAY_FIRST:
        return 0, 0
    if key.startswith("f") and is_ascii_digits(key[1:]) and key != "f1":
        return 1, -int(key[1:])
    return 2, 0


def _order(item: tuple[str, ActiveBinding]) -> tuple[int, str]:
    key = item[0]
    if key.startswith("f") and is_ascii_digits(key[1:]):
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
        labels: dict[str, Content] = {}
        for key, active in shown.items():
            press = Style.from_meta({"@click": f"app.simulate_key({key!r})"})
            label = Content.assemble(
                (app.get_key_display(active.binding), "bold $text-accent"), " ", active.binding.description
            ).stylize(press)
            labels[key] = label if active.enabled else label.stylize("dim")
        room = self.size.width - 1
        keys = sorted(labels, key=lambda key: _order((key, shown[key])))
        wide = Content("  ").join(labels[key] for key in keys)
        if wide.cell_length <= room:
            self.update(wide)
            return
        # On a narrow terminal one space between keys, and keys give way until Quit, the last, is still there.
        dropping = sorted(
            (key for key in keys if _give_way((key, shown[key]))[0] < 2), key=lambda k: _give_way((k, shown[k]))
        )
        narrow = Content(" ").join(labels[key] for key in keys)
        while narrow.cell_length > room and dropping:
            keys.remove(dropping.pop(0))
            narrow = Content(" ").join(labels[key] for key in keys)
        self.update(narrow)
