from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fairdial.store.models import Base


def test_migrations_build_exactly_the_models_schema(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrading_a_store_with_calls_in_it_keeps_them(tmp_path):
    """A store written by the first schema opens under the newest one with nothing lost."""
    from datetime import UTC, datetime

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import select, text

    from fairdial.store.db import MIGRATIONS
    from fairdial.store.models import Conversation, Turn
    from tests.conftest import make_store

    first = make_store(tmp_path)
    with first.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with first.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO borrower (id, ref, language, synthetic, created_at, updated_at) "
                "VALUES (1, 'b', 'zh-TW', 1, :now, :now)"
            ),
            {"now": now.replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO account (id, ref, borrower_id, source, product, currency, "
                "balance_minor, dpd, jurisdiction, status, attributes, created_at, updated_at) "
                "VALUES (1, 'a', 1, 't', 'credit_card', 'TWD', 100, 30, 'TW', 'delinquent', '{}', "
                ":now, :now)"
            ),
            {"now": now.replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO call_attempt (id, account_id, channel, voice, direction, planned_at, "
                "allowed, reasons, pack_id, pack_version) "
                "VALUES (1, 1, 'sim', 'ai', 'outbound', :now, 1, '[]', 'TW', 'v')"
            ),
            {"now": now.replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO conversation (id, attempt_id, language, script, right_party, "
                "started_at) VALUES (1, 1, 'zh-TW', 's', 1, :now)"
            ),
            {"now": now.replace(tzinfo=None)},
        )
    with first.transaction() as session:
        session.add(Turn(conversation_id=1, seq=1, speaker="bot", text="您好", at=now))
    first.close()

    upgraded = make_store(tmp_path)  # opening migrates to the newest revision
    with upgraded.session() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert [t.text for t in conversation.turns] == ["您好"]
        assert conversation.concessions == [] and conversation.variant is None
    upgraded.close()
