from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fairdial.store.models import Base


def test_migrations_build_exactly_the_models_schema(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
