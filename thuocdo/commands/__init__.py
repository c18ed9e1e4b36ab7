"""One module per command of ``python -m thuocdo``; each has ``register(subparsers)``."""
