"""`adfl-teach prepare` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("prepare", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach prepare is not available yet") or 2)
