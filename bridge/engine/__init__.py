"""The pure engine: stored records in, ledger out (requests, rounds, money, business time).

Nothing here touches the store, the network or the clock: see docs/architecture.md.
"""
