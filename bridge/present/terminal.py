"""Text from a tracker or a person, made harmless for the terminal (the one place that does it).

A ticket title, a label, a person's name or a paused client's reason can hold rich markup
(``[/nope]`` crashes the renderer, ``[link=...]`` makes a live link) and terminal escapes (ESC /
OSC / C1 sequences retitle the window, clear the screen, hide links). Everything printed through
rich that a tracker or a user wrote goes through one of:

- :func:`clean` — the text with control sequences and characters removed (newlines kept), lone
  surrogates replaced: for ``print(..., markup=False)``;
- :func:`safe` — :func:`clean` then rich-markup escaped: for strings rich parses as markup
  (``Table.add_row("...")``, titles, ``rule``);
- :func:`plain` — :func:`clean` as a :class:`rich.text.Text`, never parsed as markup.
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.text import Text

#: ESC sequences (CSI, OSC up to BEL or ST, other two-byte escapes), their 8-bit C1 forms,
#: then any control character left (tab and newline kept), DEL and C1, and the bidirectional
#: overrides that make text read other than it is stored
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit OSC etc.
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean(text: object, *, newlines: bool = True) -> str:
    """``text`` without terminal control sequences or characters (``\\n`` and ``\\t`` kept
    unless ``newlines`` is false: then each line break becomes a space)."""
    value = _SURROGATES.sub("\ufffd", str(text))
    value = _SEQUENCES.sub("", value)
    if not newlines:
        value = value.replace("\r\n", " ").replace("\n", " ")
    return _CONTROLS.sub("", value)


def safe(text: object, *, newlines: bool = True) -> str:
    """``text`` cleaned (:func:`clean`) and escaped for rich markup: shows as written."""
    return escape(clean(text, newlines=newlines))


def plain(text: object, style: str = "", *, newlines: bool = True) -> Text:
    """``text`` cleaned (:func:`clean`) as a rich ``Text`` (markup is never parsed in it)."""
    return Text(clean(text, newlines=newlines), style=style)
