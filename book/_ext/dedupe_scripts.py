"""Sphinx extension: drop repeated ``<script>`` entries from each HTML page.

With Sphinx 7.4 and the Jupyter Book v1 stack, inline scripts added with
``app.add_js_file(None, body=...)`` reach the page twice; sphinx-thebe's
``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been
declared" in every browser (scripts/check_book.py catches it). Keep the first copy.
"""


def _key(script):
    attributes = getattr(script, "attributes", {}) or {}
    # The same inline script comes once with filename None and once with "": treat alike.
    filename = getattr(script, "filename", script) or ""
    return str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items()))


def dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
