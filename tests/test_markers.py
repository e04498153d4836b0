"""Reading a notice's marker back: its last word, however a tracker re-flowed the comment."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.present.notices import find_marker, notices_for
from tests.ledger_builders import at, config, ledger, ticket

MARKERS = st.text("0123456789abcdef", min_size=10, max_size=10).map(lambda h: "rb-" + h)
#: anything a person could write before the marker, markers included
PROSE = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
#: what a tracker or a person puts between the text and the marker
BEFORE = st.sampled_from(["\n\n", "\n", " ", "\r\n\r\n", "\r\n", "\xa0", "\t", "&nbsp;",
                          "<br>", "<br/>", "</p><p>", "</p>\n<p>", " \u200b"])
#: what follows it: trailing whitespace, newlines, zero-width characters
AFTER = st.sampled_from(["", " ", "\n", "\n\n", "\r\n", "  \r\n", "\xa0", "\u200b", "\t\n"])
WRAPS = st.sampled_from([("", ""), ("<body>", "</body>"), ("<p>", "</p>"),
                         ("<body><p>", "</p></body>"), ("<div class=\"c\">", "</div>\n")])
#: a last word that is not a marker and cannot end in one (no hyphen, no tag)
WORDS = st.text(string.ascii_letters + string.digits + ".,;:!?'\"()", min_size=1, max_size=20)

PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(PROSE, MARKERS, BEFORE, AFTER, WRAPS, AFTER)
def test_a_marker_ending_the_comment_is_found_however_it_was_reflowed(
        prose: str, marker: str, before: str, after: str, wrap: tuple[str, str],
        outside: str) -> None:
    opening, closing = wrap
    text = f"{opening}{prose}{before}{marker}{after}{closing}{outside}"
    assert find_marker(text) == marker


@PROPERTY
@given(PROSE, MARKERS, st.sampled_from([" ", "\n", "\n\n", "\r\n", "\xa0"]), WORDS, AFTER,
       WRAPS)
def test_a_marker_inside_the_text_is_not_one(prose: str, marker: str, space: str, word: str,
                                             after: str, wrap: tuple[str, str]) -> None:
    opening, closing = wrap
    assert find_marker(f"{opening}{prose} {marker}{space}{word}{after}{closing}") is None


@PROPERTY
@given(MARKERS, st.sampled_from(["-", "x", "0", ".", "(", "rb-"]))
def test_a_marker_glued_to_the_word_before_is_not_one(marker: str, glue: str) -> None:
    assert find_marker(f"Thanks {glue}{marker}") is None


def test_every_notice_is_found_in_its_text_and_once_the_marker_joins_the_last_line() -> None:
    found = ledger([ticket("1", at(2)), ticket("2", at(3), labels=("out-of-scope",))])
    notices = notices_for(found, config())
    assert {n.kind for n in notices} == {"ack", "out_of_scope"}
    for notice in notices:
        assert find_marker(notice.body) == notice.marker
        text, marker = notice.body.rsplit("\n\n", 1)
        assert find_marker(f"{text} {marker}") == notice.marker  # a tracker joined the lines
        assert find_marker(f"<body>{text}\r\n{marker}\r\n</body>") == notice.marker
