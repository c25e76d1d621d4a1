"""`adfl-teach cv` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("cv", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach cv is not available yet") or 2)
