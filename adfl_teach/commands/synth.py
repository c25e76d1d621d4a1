"""`adfl-teach synth` (placeholder until its issue lands)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("synth", help="(not yet available)")
    p.set_defaults(func=lambda args: print("adfl-teach synth is not available yet") or 2)
