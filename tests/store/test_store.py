import re
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text

from fairdial.store.models import Account, Borrower, ContactPoint


def _borrower(ref: str) -> Borrower:
    now = datetime.now(UTC)
    return Borrower(
        ref=ref,
        name="陳美玲",
        national_id="A123456789",
        language="zh-TW",
        synthetic=True,
        created_at=now,
        updated_at=now,
    )


def test_personal_data_is_encrypted_at_rest_and_readable_through_the_store(store):
    with store.transaction() as session:
        borrower = _borrower("b-1")
        session.add(borrower)
        session.flush()
        number = "+886912345678"
        session.add(
            ContactPoint(
                borrower_id=borrower.id,
                number=number,
                number_hash=store.cipher.lookup_hash(number),
                kind="mobile",
                timezones=["Asia/Taipei"],
                created_at=datetime.now(UTC),
            )
        )

    with store.engine.connect() as connection:
        raw_name, raw_id = connection.execute(text("SELECT name, national_id FROM borrower")).one()
        raw_number = connection.execute(text("SELECT number FROM contact_point")).scalar_one()
    assert "陳" not in raw_name and "A123456789" not in raw_id
    assert "912345678" not in raw_number

    with store.session() as session:
        found = session.scalars(
            select(ContactPoint).where(
                ContactPoint.number_hash == store.cipher.lookup_hash("+886912345678")
            )
        ).one()
        assert found.number == "+886912345678"
        assert found.borrower.name == "陳美玲"


def test_timestamps_come_back_aware_in_utc(store):
    taipei = timezone(timedelta(hours=8))
    placed = datetime(2026, 3, 2, 9, 30, tzinfo=taipei)
    with store.transaction() as session:
        borrower = _borrower("b-2")
        borrower.created_at = placed
        session.add(borrower)
    with store.session() as session:
        loaded = session.scalars(select(Borrower)).one()
    assert loaded.created_at == placed
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(store):
    with pytest.raises(Exception, match="naive datetime"), store.transaction() as session:
        borrower = _borrower("b-3")
        borrower.created_at = datetime(2026, 3, 2, 9, 30)
        session.add(borrower)


def test_money_is_exact_integers(store):
    now = datetime.now(UTC)
    with store.transaction() as session:
        borrower = _borrower("b-4")
        session.add(borrower)
        session.flush()
        session.add(
            Account(
                ref="acc-4",
                borrower_id=borrower.id,
                source="test",
                product="personal_loan",
                currency="USD",
                balance_minor=2_701_586,
                dpd=75,
                jurisdiction="US-NJ",
                status="delinquent",
                created_at=now,
                updated_at=now,
            )
        )
    with store.session() as session:
        assert session.scalars(select(Account.balance_minor)).one() == 2_701_586


def test_reopening_a_store_keeps_its_key_and_data(tmp_path):
    from tests.conftest import make_store

    first = make_store(tmp_path)
    with first.transaction() as session:
        session.add(_borrower("b-5"))
    first.close()
    second = make_store(tmp_path)
    with second.session() as session:
        assert session.scalars(select(Borrower.name)).one() == "陳美玲"
    second.close()


def test_a_lost_key_is_never_silently_replaced(tmp_path):
    from fairdial.store.db import StoreError
    from tests.conftest import make_store

    first = make_store(tmp_path)
    with first.transaction() as session:
        session.add(_borrower("b-6"))
    first.close()

    (tmp_path / "key").unlink()
    with pytest.raises(StoreError, match=r"key file .* is missing"):
        make_store(tmp_path)
    assert not (tmp_path / "key").exists()  # no second key was made


def test_a_wrong_key_is_refused_before_anything_is_written(tmp_path):
    from fairdial.store.crypto import new_key_text
    from fairdial.store.db import StoreError
    from tests.conftest import make_store

    first = make_store(tmp_path)
    with first.transaction() as session:
        session.add(_borrower("b-7"))
    first.close()

    (tmp_path / "key").write_text(new_key_text() + "\n")
    with pytest.raises(StoreError, match="key does not open"):
        make_store(tmp_path)


def test_reading_commands_do_not_create_a_store(tmp_path):
    from fairdial.config import Settings
    from fairdial.store import open_store
    from fairdial.store.db import StoreError

    url = f"sqlite:///{tmp_path / 'typo' / 'fairdial.db'}"
    with pytest.raises(StoreError, match="no store at"):
        open_store(settings=Settings(tmp_path / "typo", url, None), must_exist=True)
    assert not (tmp_path / "typo").exists()


def _filled_store_in_a_read_only_folder(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A store made normally, then seen from a process that cannot write to its folder.

    Tests run as root, which writes anywhere, so the folder check is what is replaced; SQLite
    itself opens the file read-only for real.
    """
    from tests.conftest import make_store

    first = make_store(tmp_path)
    with first.transaction() as session:
        session.add(_borrower("b-8"))
    first.close()
    monkeypatch.setattr("fairdial.store.db._folder_writable", lambda database: False)


def _open_existing(tmp_path):  # type: ignore[no-untyped-def]
    from fairdial.config import Settings
    from fairdial.store import open_store

    url = f"sqlite:///{(tmp_path / 'fairdial.db').as_posix()}"
    return open_store(settings=Settings(tmp_path, url, None), must_exist=True)


def test_a_store_in_a_folder_that_is_not_writable_opens_read_only(tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    _filled_store_in_a_read_only_folder(tmp_path, monkeypatch)

    store = _open_existing(tmp_path)
    try:
        assert store.read_only
        assert str(store.engine.url.database).endswith("fairdial.db")  # the plain path
        with store.session() as session:
            assert session.scalars(select(Borrower.name)).one() == "陳美玲"
        with (
            pytest.raises(OperationalError, match="readonly database"),
            store.transaction() as session,
        ):
            session.add(_borrower("b-9"))
    finally:
        store.close()


def test_a_read_only_store_is_never_migrated_nor_given_a_new_key(tmp_path, monkeypatch):
    from fairdial.store.db import StoreError

    _filled_store_in_a_read_only_folder(tmp_path, monkeypatch)
    engine = create_engine(f"sqlite:///{tmp_path / 'fairdial.db'}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()

    with pytest.raises(StoreError, match="needs a schema upgrade, but its folder is not writable"):
        _open_existing(tmp_path)


def test_a_folder_that_is_not_writable_is_named_when_the_store_must_be_written(
    tmp_path, monkeypatch
):
    from fairdial.config import Settings
    from fairdial.store import open_store
    from fairdial.store.db import StoreError

    monkeypatch.setattr("fairdial.store.db._folder_writable", lambda database: False)

    def migrate_in_a_read_only_folder(engine) -> None:  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr("fairdial.store.db.migrate", migrate_in_a_read_only_folder)
    url = f"sqlite:///{(tmp_path / 'fairdial.db').as_posix()}"

    with pytest.raises(
        StoreError, match=rf"its folder {re.escape(str(tmp_path))} is not writable$"
    ):
        open_store(settings=Settings(tmp_path, url, None))


def test_a_corrupt_key_file_is_named_by_its_path(tmp_path):
    from fairdial.store.db import StoreError
    from tests.conftest import make_store

    make_store(tmp_path).close()
    (tmp_path / "key").write_bytes(b"\xff\xfe not a key\n")

    with pytest.raises(StoreError) as caught:
        make_store(tmp_path)

    assert str(caught.value).endswith(f"the key file {tmp_path / 'key'} is not valid base64")
    assert "FAIRDIAL_KEY" not in str(caught.value)


def test_an_error_says_whether_the_database_or_the_key_is_at_fault(tmp_path):
    from fairdial.config import Settings
    from fairdial.store import open_store
    from fairdial.store.db import StoreError
    from tests.conftest import make_store

    make_store(tmp_path).close()
    (tmp_path / "key").write_text("not a key\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    in_memory = Settings(blocker / "home", "sqlite://", None)

    with pytest.raises(StoreError) as corrupt_key:
        make_store(tmp_path)
    with pytest.raises(StoreError) as no_key_file:
        open_store(settings=in_memory)
    with pytest.raises(StoreError) as no_folder:
        make_store(tmp_path, f"sqlite:///{blocker / 'store' / 'fairdial.db'}")

    assert (corrupt_key.value.about, no_key_file.value.about) == ("key", "key")
    assert str(no_key_file.value) == (
        f"cannot create the key file {blocker / 'home' / 'key'}: Not a directory"
    )
    assert no_folder.value.about == "database"


def test_a_database_other_than_sqlite_or_postgresql_is_refused_by_name(tmp_path):
    from fairdial.config import Settings
    from fairdial.store import open_store
    from fairdial.store.db import StoreError

    url = "mysql://collector:hunter2@127.0.0.1/loans"
    with pytest.raises(StoreError) as caught:
        open_store(settings=Settings(tmp_path, url, None))

    assert str(caught.value).startswith(
        "only SQLite and PostgreSQL stores are supported, not 'mysql'"
    )
    assert "hunter2" not in str(caught.value)


def test_an_in_memory_store_still_opens_through_the_api(tmp_path):
    from fairdial.config import Settings
    from fairdial.store import open_store

    store = open_store(settings=Settings(tmp_path, "sqlite://", None))
    try:
        with store.transaction() as session:
            session.add(_borrower("b-9"))
        with store.session() as session:
            assert session.scalars(select(Borrower.ref)).one() == "b-9"
    finally:
        store.close()
