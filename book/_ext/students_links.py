"""Students' build only: links to a chapter follow it into ``book/students/``.

The students' build (``scripts/build_book.sh --students``) builds each chapter that has a
students' notebook from ``book/students/<chapter>.ipynb``, so that the page's launch buttons
open the copy without solutions. Links written as ``[..](12_exercises.ipynb)`` or
``{doc}`` then name a document that is not in that build; this post-transform points them
at the document that is (``book/X`` <-> ``book/students/X``), before the references are
resolved.
"""

from __future__ import annotations

import posixpath

from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

STUDENTS = "book/students/"


def counterpart(docname: str) -> str:
    if docname.startswith(STUDENTS):
        return "book/" + docname[len(STUDENTS) :]
    if docname.startswith("book/"):
        return STUDENTS + docname[len("book/") :]
    return docname


class StudentsLinks(SphinxPostTransform):
    default_priority = 5  # before myst's resolver (9) and Sphinx's (10)

    def run(self, **kwargs) -> None:
        docs = self.env.all_docs
        for node in self.document.findall(addnodes.pending_xref):
            myst = node["reftype"] == "myst" and node["refdomain"] == "doc"
            doc_role = node["refdomain"] == "std" and node["reftype"] == "doc"
            if not (myst or doc_role):
                continue
            target = node["reftarget"]
            if doc_role:
                base = "/" + node.get("refdoc", self.env.docname)
                target = posixpath.normpath(posixpath.join(base, "..", target))[1:]
            if target in docs or counterpart(target) not in docs:
                continue
            node["reftarget"] = counterpart(target) if myst else "/" + counterpart(target)


def setup(app):
    app.add_post_transform(StudentsLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
