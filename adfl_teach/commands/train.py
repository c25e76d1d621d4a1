"""`adfl-teach train` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach train is not available yet") or 2)
