"""The privacy centre: verified access to everything held about an address, its download,
the profile, consents and objection, and the register of processing behind them."""
