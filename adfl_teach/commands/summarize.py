"""`adfl-teach summarize` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("summarize", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach summarize is not available yet") or 2)
