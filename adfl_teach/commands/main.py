"""`adfl-teach main` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("main", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach main is not available yet") or 2)
