"""`adfl-teach ablate` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("ablate", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach ablate is not available yet") or 2)
