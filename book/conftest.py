"""pytest in ``book/`` (``pytest --nbval-lax book``): nbval runs every chapter and every
students' notebook. The Colab copies in ``book/colab/`` are not run a second time: their code
cells are the chapters' and the students' notebooks' own (``scripts/sync_sources.py`` writes
them; ``tests/test_colab_variant.py`` checks it), and ``scripts/standalone_chapters.py`` runs
them the way Colab does."""

collect_ignore = ["colab"]
