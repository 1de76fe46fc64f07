"""The persistent store: SQLite (embedded) or PostgreSQL (distributed), migrated by Alembic.

Typical use::

    store = open_store()                      # B1HUB_DATABASE_URL or B1HUB_HOME/b1hub.db
    with store.transaction() as session:
        repos = Repositories.for_name(session, "default")
        repos.links.insert_or_get("account", "C000001", "001...")
"""

from b1hub.store.engine import Store, make_engine, open_store
from b1hub.store.paths import b1hub_home, database_url
from b1hub.store.repositories import Repositories

__all__ = [
    "Repositories",
    "Store",
    "b1hub_home",
    "database_url",
    "make_engine",
    "open_store",
]
