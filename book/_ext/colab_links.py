"""Every page's Colab button opens the Colab copy of its notebook.

sphinx-book-theme points the Colab button at the page's own source (``book/05_splitter.ipynb``
or ``book/students/05_splitter.ipynb``), whose MyST (admonitions, exercises, citations)
Colab shows as raw source. ``scripts/sync_sources.py`` writes a Colab copy of each one,
``book/colab/<chapter>.ipynb`` and ``book/colab/students/<chapter>.ipynb``, in Markdown that
Colab renders; this extension rewrites the button's address to that copy, after the theme
made it, and removes the Colab button of a Markdown page (Colab opens only notebooks). A
notebook page whose copy is missing is a warning (an error in the book's ``-W``
build): run ``python scripts/sync_sources.py``. ``scripts/check_book.py`` checks every
page's button in the built book.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
BOOK = "book/"
COLAB = "book/colab/"
COLAB_HOST = "colab.research.google.com"


def colab_path(pagename: str) -> str | None:
    """The Colab copy of page ``pagename`` (``book/05_x`` -> ``book/colab/05_x.ipynb``,
    ``book/students/05_x`` -> ``book/colab/students/05_x.ipynb``); None off ``book/``."""
    if not pagename.startswith(BOOK) or pagename.startswith(COLAB):
        return None
    return f"{COLAB}{pagename[len(BOOK) :]}.ipynb"


def point_colab_buttons(buttons: list, pagename: str, exists) -> bool:
    """Rewrite every Colab link in ``buttons`` (the theme's ``header_buttons``, nested
    dropdowns included) from ``.../blob/<branch>/<pagename>.ipynb`` to the copy's path;
    ``exists(path)`` says whether the copy is in the repository. True if a link changed."""
    copy, own = colab_path(pagename), f"/{pagename}.ipynb"
    # Colab opens notebooks only: a Markdown page's Colab button would open nothing
    kept = [b for b in buttons if COLAB_HOST not in b.get("url", "") or b["url"].endswith(".ipynb")]
    changed = len(kept) < len(buttons)
    buttons[:] = kept
    for button in buttons:
        changed |= point_colab_buttons(button.get("buttons", []), pagename, exists)
        url = button.get("url", "")
        if COLAB_HOST not in url or copy is None or not url.endswith(own):
            continue
        if not exists(copy):
            LOGGER.warning(
                f"{copy}: missing, so the Colab button of {pagename} would open raw MyST; "
                "run python scripts/sync_sources.py"
            )
            continue
        button["url"] = url[: -len(own)] + "/" + copy
        changed = True
    return changed


def _on_page(app, pagename, templatename, context, doctree) -> None:
    root = Path(app.srcdir)
    point_colab_buttons(context.get("header_buttons", []), pagename, lambda p: (root / p).exists())


def setup(app):
    app.connect("html-page-context", _on_page, priority=900)  # after the theme's (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
