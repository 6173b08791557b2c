from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relay_graph.db.engine import (
    POSTGRES_SNAPSHOT_ISOLATION,
    POSTGRES_WRITE_ISOLATION,
    SQLITE_BEGIN_OPTION,
)
from relay_graph.repositories.catalog_reads import CatalogReads
from relay_graph.repositories.contact_json import ContactJsonReads
from relay_graph.repositories.contact_reads import ContactReads
from relay_graph.repositories.contacts import ContactRepository
from relay_graph.repositories.invite_reads import InviteReads
from relay_graph.repositories.outbox import OutboxRepository
from relay_graph.repositories.provider_codes import ProviderCodeRepository
from relay_graph.repositories.provider_types import ProviderTypeRepository
from relay_graph.repositories.tenants import TenantRepository, TokenRepository


class UnitOfWork:
    """One database transaction; it rolls back unless `commit()` ran.

    Repositories only read and write. Only this class commits, so a use case either
    keeps all its writes or none.
    """

    session: AsyncSession
    tenants: TenantRepository
    tokens: TokenRepository
    contacts: ContactRepository
    provider_types: ProviderTypeRepository
    provider_codes: ProviderCodeRepository
    outbox: OutboxRepository
    contact_reads: ContactReads
    contact_json: ContactJsonReads
    catalog_reads: CatalogReads
    invite_reads: InviteReads

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        write: bool,
        snapshot: bool = False,
    ) -> None:
        self._session_factory = session_factory
        self._write = write
        self._snapshot = snapshot
        self._committed = False

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        if self._write and self.session.get_bind().dialect.name == "sqlite":
            # Take SQLite's write lock at BEGIN so concurrent writers queue up
            # behind the busy timeout instead of failing on a lock upgrade.
            await self.session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        elif self._write:
            # The app's engine reads in autocommit mode (engine.create_engine); writes
            # run in one transaction.
            await self.session.connection(
                execution_options={"isolation_level": POSTGRES_WRITE_ISOLATION}
            )
        elif self._snapshot and self.session.get_bind().dialect.name != "sqlite":
            # All statements of the read see one snapshot, so a page and its total count
            # agree while others write. SQLite's read transactions do that already.
            await self.session.connection(
                execution_options={"isolation_level": POSTGRES_SNAPSHOT_ISOLATION}
            )
        self.tenants = TenantRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.provider_types = ProviderTypeRepository(self.session)
        self.provider_codes = ProviderCodeRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.contact_reads = ContactReads(self.session)
        self.contact_json = ContactJsonReads(self.session)
        self.catalog_reads = CatalogReads(self.session)
        self.invite_reads = InviteReads(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            # Closing also ends the transaction, but an explicit rollback makes a failed
            # write visible as such. Read-only work skips it so loaded objects stay usable.
            if self._write and not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        if not self._write:
            raise RuntimeError("a read-only unit of work cannot commit; open it with write=True")
        await self.session.commit()
        self._committed = True


class UnitOfWorkFactory:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    def read(self, *, snapshot: bool = False) -> UnitOfWork:
        """Open a unit of work that only reads.

        Use `snapshot=True` when it runs more than one statement whose results must agree,
        such as a page and its total count. On PostgreSQL that costs a transaction (BEGIN
        and ROLLBACK). Without it, each statement reads what was committed when it started.
        """
        return UnitOfWork(self._session_factory, write=False, snapshot=snapshot)

    def write(self) -> UnitOfWork:
        return UnitOfWork(self._session_factory, write=True)
