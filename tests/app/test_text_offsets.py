"""Code points to UTF-16 and back, with emoji and other text outside the BMP."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.text_offsets import OffsetMap


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_emoji_shifts_later_positions() -> None:
    offsets = OffsetMap("a😀b")
    assert [offsets.to_qt(i) for i in range(4)] == [0, 1, 3, 4]
    assert [offsets.from_qt(i) for i in (0, 1, 3, 4)] == [0, 1, 2, 3]
    assert offsets.from_qt(2) == 1  # inside the surrogate pair: the emoji itself


@given(
    st.text(
        alphabet=st.sampled_from(["a", "æ", "ø", "å", "😀", "👍", "🏽", "𝔘", "\n"]), max_size=60
    )
)
def test_round_trip_matches_utf16_lengths(text: str) -> None:
    offsets = OffsetMap(text)
    for position in range(len(text) + 1):
        qt = offsets.to_qt(position)
        assert qt == _utf16_length(text[:position])
        assert offsets.from_qt(qt) == position
