"""Teaching: what the chapters call to show the library at work (notebook helpers, plots, figures, toy data, demos)."""
