"""The PostgreSQL store: many Reflect instances over one database (see store.py for the design)."""
