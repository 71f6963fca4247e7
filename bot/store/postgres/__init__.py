"""The PostgreSQL store: the same ports as bot/store/sqlite/, for many workers.

Optional (`pip install 'kith[postgres]'`); nothing imports it unless the config's
`[storage] url` (or KITH_DATABASE_URL) names a postgresql:// database.
"""
