"""`adfl-teach probe` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("probe", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach probe is not available yet") or 2)
