"""Showing what users typed as text, never as markup, in Streamlit's markdown.

Everything Streamlit draws from a string with ``st.markdown``, ``st.caption``,
``st.success``, ``st.error``, ``st.info``, ``st.warning``, ``st.toast``, a
widget's label or ``st.progress(text=...)`` is markdown (CommonMark with GFM,
raw HTML shown as text): ``![a](http://host/x.png)`` becomes an image that every
viewer's browser fetches, ``[a](javascript:...)`` a link, ``**a**`` bold. Streamlit
adds its own syntax: ``:material/icon:``, ``:streamlit:``, emoji shortcodes such as
``:smile:``, ``:red[text]`` and other directives, ``$latex$``, and arrows typed as
``->``, ``<=`` and the like.

Label names, annotator names, item ids, reason codes, comments, alert messages
and error messages that quote any of them come from users or from the store, so
a page interpolates them through :func:`md_text`. Tables (``st.dataframe``) and
``st.text`` / ``st.code`` show text as it is and need no escaping; Altair
tooltips escape HTML themselves (vega-tooltip's default ``sanitize``).
"""

from __future__ import annotations

import re

__all__ = ["MARKDOWN_PUNCTUATION", "md_text"]

WORD_JOINER = "\u2060"  # zero width, no break: splits a token without changing what is seen

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# The ASCII punctuation that markdown, GFM (autolinked e-mail addresses, tables, strikethrough),
# HTML entities and Streamlit's own syntax give a meaning; the rest (quotes, = , ; ? % ^) never starts markup.
MARKDOWN_PUNCTUATION = "\\`*_{}[]()<>#+-.!|~$:&/@"
_PUNCTUATION = re.compile("([" + re.escape(MARKDOWN_PUNCTUATION) + "])")
# Streamlit rewrites these in the text left after the markdown is parsed, where a backslash
# escape no longer shows: a shortcode (":smile:", ":material_home:", ":streamlit:") and the
# arrows of its typography ("a -> b" becomes "a → b").
_SHORTCODE_COLON = re.compile(r":(?=[\w+-][\w+-]*:)")
_ARROWS = re.compile(r"(?<!\S)(<->|->|<-|--|>=|<=|~=)(?!\S)")


def md_text(value: object) -> str:
    r"""``value`` as markdown that Streamlit shows literally: no markup, link, image, icon or formula.

    Each character of ``MARKDOWN_PUNCTUATION`` gets a backslash (CommonMark lets any ASCII
    punctuation be escaped, and the escape also stops Streamlit's ``:material/...:``, directive
    and ``$`` formula syntax); line breaks become spaces, so the text stays inline where it is
    interpolated; a word joiner (U+2060, invisible) splits the shortcodes and arrows that
    Streamlit would still replace.

    Parameters
    ----------
    value : object
        Anything a user or the store supplied; ``str(value)`` is shown, None as "".

    Returns
    -------
    str
        Markdown to interpolate into ``st.markdown``, ``st.caption``, ``st.error`` and the like.
        Inside a code span (between backticks) markdown is not parsed: put the result outside one.

    Examples
    --------
    >>> print(md_text("**bold** [a](javascript:alert(1))"))
    \*\*bold\*\* \[a\]\(javascript\:alert\(1\)\)
    >>> print(md_text("![a](http://127.0.0.1:8000/x.png)"))
    \!\[a\]\(http\:\/\/127\.0\.0\.1\:8000\/x\.png\)
    >>> print(md_text("<img src=x> :red[hi] $x$ :material/home:"))
    \<img src=x\> \:red\[hi\] \$x\$ \:material\/home\:
    >>> print(md_text("p1-0011"), md_text(7), repr(md_text(None)))
    p1\-0011 7 ''
    >>> print(md_text("two\nlines"))
    two lines
    >>> md_text(":smile: a -> b") == "\\:" + WORD_JOINER + "smile\\: a \\-" + WORD_JOINER + "\\> b"
    True
    """
    if value is None:
        return ""
    text = _LINE_BREAKS.sub(" ", str(value))
    text = _SHORTCODE_COLON.sub(":" + WORD_JOINER, text)
    text = _ARROWS.sub(lambda m: m.group(1)[0] + WORD_JOINER + m.group(1)[1:], text)
    return _PUNCTUATION.sub(r"\\\1", text)
