"""md_text: user text shown literally in Streamlit's markdown (issue 9, item 3)."""

import doctest
import re

import pytest
from streamlit.testing.v1 import AppTest

from feedback.web import MARKDOWN_PUNCTUATION, WORD_JOINER, md_text
from feedback.web import text as web_text

NASTY = [
    "![a](http://127.0.0.1:9/x.png)",
    "<img src=http://127.0.0.1:9/y.png onerror=alert(1)>",
    "[link](javascript:alert(1)) <javascript:alert(1)> ana@example.com www.example.com",
    "**bold** __b__ *i* _i_ ~~s~~ `code` ```fence```",
    "# heading\n- item\n1. one\n> quote\n| a | b |\n|---|---|\n\n    indented",
    ":material/home: :material_home: :streamlit: :smile: :red[text] :small[x] :help[h]",
    "$x^2$ $$y$$ \\(z\\) &lt;b&gt; &amp; &#60;",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "trailing backslash \\",
    "p1-0011",
]


def _unescaped(markdown: str) -> str:
    """What CommonMark shows for ``markdown`` made only of text and backslash escapes."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def test_doctests():
    assert doctest.testmod(web_text).failed == 0


@pytest.mark.parametrize("text", NASTY)
def test_every_markdown_character_is_escaped_and_the_text_comes_back(text):
    escaped = md_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    bare = re.sub(r"\\.", "", escaped)  # what is left once every escape pair is taken out
    assert not set(bare) & set(MARKDOWN_PUNCTUATION), escaped
    assert _unescaped(escaped) == re.sub(r"\r\n|\r|\n", " ", text)


def test_streamlit_text_level_syntax_is_split():
    """Streamlit replaces shortcodes and arrows after parsing, where escapes are gone: a word joiner splits them."""
    for token in (":material_home:", ":streamlit:", ":smile:"):
        shown = re.sub(r"\\(.)", r"\1", md_text(token))  # the text node Streamlit's plugins see
        assert re.search(r":[\w+-]+:", shown) is None, shown
    assert md_text("a -> b") == "a \\-" + WORD_JOINER + "\\> b"
    assert md_text("x->y") == "x\\-\\>y", "only a free-standing arrow is replaced by Streamlit"
    assert ":material/" not in md_text(":material/home:"), "Streamlit rewrites :material/ in the source"


def _render(texts):
    import streamlit as st

    from feedback.web import md_text

    for text in texts:
        st.markdown(f"**Item {md_text(text)}**")
        st.caption(md_text(text))
        st.error(md_text(text))


def test_elements_carry_the_escaped_text():
    at = AppTest.from_function(_render, args=(NASTY,)).run()
    assert not at.exception
    for elements in (at.markdown, at.caption, at.error):
        assert len(elements) == len(NASTY)
    for text, markdown, caption, error in zip(NASTY, at.markdown, at.caption, at.error, strict=True):
        assert markdown.value == f"**Item {md_text(text)}**"
        assert caption.value == error.value == md_text(text)
        assert _unescaped(caption.value) == re.sub(r"\n", " ", text)
