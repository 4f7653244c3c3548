"""The composition root: the only module that knows every adapter.

Everything else asks it for ports (use cases, queries) or for `storage_runtime`, what the
app starts, stops and reports of the storage, so no entry point branches on STORAGE."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.memory.probe import InMemoryDatabaseProbe
from adapters.memory.queries import (
    InMemoryArticleQueries,
    InMemoryCommentQueries,
    InMemoryProfileQueries,
)
from adapters.memory.store import InMemoryStorageRuntime, InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.postgres.queries import (
    PostgresArticleQueries,
    PostgresCommentQueries,
    PostgresProfileQueries,
)
from adapters.postgres.read_routing import (
    ReplicatedStorageRuntime,
    ReplicationMonitor,
    RoutedReader,
    replicas_from_urls,
    watch_reader,
)
from adapters.postgres.write_positions import ActorScope, WritePositions
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenIssuer
from adapters.sqlalchemy.engine import (
    DriverReader,
    PoolOptions,
    SqlAlchemyStorageRuntime,
    StatementCounter,
    create_engine,
    create_session_factory,
)
from adapters.sqlalchemy.probe import SqlAlchemyDatabaseProbe
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.articles import (
    CreateArticle,
    DeleteArticle,
    FavoriteArticle,
    GetArticle,
    GetFeed,
    ListArticles,
    ListTags,
    UpdateArticle,
)
from application.comments import AddComment, DeleteComment, ListComments
from application.profiles import FollowProfile, GetProfile
from application.users import GetCurrentUser, LogIn, RegisterUser, UpdateUser
from entrypoints.settings import Settings
from entrypoints.signing_key import jwt_secret


def _pool_options(settings: Settings) -> PoolOptions:
    return PoolOptions(
        size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        timeout=settings.db_pool_timeout,
        recycle=settings.db_pool_recycle,
        pre_ping=settings.db_pool_pre_ping,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        lock_timeout_ms=settings.db_lock_timeout_ms,
        idle_in_transaction_timeout_ms=settings.db_idle_in_transaction_timeout_ms,
        command_timeout=settings.db_command_timeout,
        connect_timeout=settings.db_connect_timeout,
        pgbouncer=settings.db_pgbouncer,
    )


def _database_url(settings: Settings) -> str:
    if settings.database_url is None:
        raise RuntimeError(
            "DATABASE_URL is not set: start the service with `make run` (embedded PostgreSQL) "
            "or set DATABASE_URL=postgresql+asyncpg://user:password@host:5432/dbname"
        )
    return settings.database_url


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.argon2_time_cost,
        memory_cost=settings.provided.argon2_memory_kib,
    )
    tokens = providers.Singleton(
        JwtTokenIssuer,
        secret=providers.Callable(jwt_secret, settings),
        ttl=providers.Callable(lambda s: timedelta(seconds=s.jwt_ttl_seconds), settings),
        clock=clock,
    )

    statement_counter = providers.Singleton(StatementCounter)
    engine = providers.Singleton(
        create_engine,
        counter=statement_counter,
        url=providers.Callable(_database_url, settings),
        pool=providers.Callable(_pool_options, settings),
    )
    session_factory = providers.Singleton(create_session_factory, engine)
    reader = providers.Singleton(
        DriverReader,
        engine,
        statement_counter,
        in_transaction=providers.Callable(lambda s: s.db_pgbouncer, settings),
    )
    store = providers.Singleton(InMemoryStore)

    # With DATABASE_REPLICA_URLS the read models read through `query_reader`; the unit of
    # work stays on the primary and records each writer's position (read_routing.py).
    actor_scope = providers.Singleton(ActorScope)
    reads = providers.Callable(
        lambda s: "replicas" if s.database_replica_urls else "primary", settings
    )
    write_positions = providers.Singleton(WritePositions, reader, actor_scope)
    replicas = providers.Singleton(
        replicas_from_urls,
        urls=settings.provided.database_replica_urls,
        pool=providers.Callable(_pool_options, settings),
        counter=statement_counter,
    )
    replication_monitor = providers.Singleton(
        ReplicationMonitor,
        providers.Singleton(
            watch_reader,
            url=providers.Callable(_database_url, settings),
            pool=providers.Callable(_pool_options, settings),
        ),
        replicas,
        write_positions,
        max_lag=settings.provided.replica_max_lag,
        interval=settings.provided.replica_check_interval,
    )
    query_reader = providers.Selector(
        reads,
        primary=reader,
        replicas=providers.Singleton(
            RoutedReader,
            reader,
            replication_monitor,
            write_positions,
            replica_timeout=settings.provided.replica_read_timeout,
        ),
    )
    primary_runtime = providers.Singleton(SqlAlchemyStorageRuntime, engine, statement_counter)

    storage = providers.Callable(lambda s: s.storage, settings)
    uow = providers.Selector(
        storage,
        postgres=providers.Factory(
            SqlAlchemyUnitOfWork,
            session_factory,
            after_commit=providers.Selector(
                reads,
                primary=providers.Object(None),
                replicas=write_positions.provided.record,
            ),
        ),
        memory=providers.Factory(InMemoryUnitOfWork, store),
    )
    storage_runtime = providers.Selector(
        storage,
        postgres=providers.Selector(
            reads,
            primary=primary_runtime,
            replicas=providers.Singleton(
                ReplicatedStorageRuntime, primary_runtime, replication_monitor
            ),
        ),
        memory=providers.Singleton(InMemoryStorageRuntime),
    )
    database_probe = providers.Selector(
        storage,
        postgres=providers.Singleton(SqlAlchemyDatabaseProbe, engine),
        memory=providers.Singleton(InMemoryDatabaseProbe),
    )
    profile_queries = providers.Selector(
        storage,
        postgres=providers.Singleton(PostgresProfileQueries, query_reader),
        memory=providers.Singleton(InMemoryProfileQueries, store),
    )
    article_queries = providers.Selector(
        storage,
        postgres=providers.Singleton(
            PostgresArticleQueries, query_reader, search_window=settings.provided.search_window
        ),
        memory=providers.Singleton(
            InMemoryArticleQueries, store, search_window=settings.provided.search_window
        ),
    )
    comment_queries = providers.Selector(
        storage,
        postgres=providers.Singleton(PostgresCommentQueries, query_reader),
        memory=providers.Singleton(InMemoryCommentQueries, store),
    )

    register_user = providers.Factory(RegisterUser, uow, hasher, tokens)
    log_in = providers.Factory(LogIn, uow, hasher, tokens)
    get_current_user = providers.Factory(GetCurrentUser, uow, tokens)
    update_user = providers.Factory(UpdateUser, uow, hasher, tokens)

    get_profile = providers.Factory(GetProfile, profile_queries)
    follow_profile = providers.Factory(FollowProfile, uow)

    create_article = providers.Factory(CreateArticle, uow, article_queries, clock)
    update_article = providers.Factory(UpdateArticle, uow, article_queries, clock)
    delete_article = providers.Factory(DeleteArticle, uow)
    favorite_article = providers.Factory(FavoriteArticle, uow, article_queries)
    get_article = providers.Factory(GetArticle, article_queries)
    list_articles = providers.Factory(ListArticles, article_queries)
    get_feed = providers.Factory(GetFeed, article_queries)
    list_tags = providers.Factory(ListTags, article_queries)

    add_comment = providers.Factory(AddComment, uow, comment_queries, clock)
    list_comments = providers.Factory(ListComments, comment_queries)
    delete_comment = providers.Factory(DeleteComment, uow)


def build_container(settings: Settings) -> Container:
    return Container(settings=settings)
