"""Declarative persistence models: the tables, not the domain.

No relationships: every statement names its tables and joins (repositories.py,
article_repository.py, the read models in adapters/postgres/queries.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


follows = Table(
    "follows",
    Base.metadata,
    Column("follower_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("followee_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # Whether the follower's feed_totals row counts this author's articles: decided by a
    # trigger when the follow is made (migration 0015), never by the application.
    Column("in_feed_total", Boolean, nullable=False, server_default=text("false")),
    Index(None, "followee_id"),
    Index(
        "ix_follows_followee_id_in_feed_total",
        "followee_id",
        "follower_id",
        postgresql_where=text("in_feed_total"),
    ),
    Index(
        "ix_follows_follower_id_not_in_feed_total",
        "follower_id",
        "followee_id",
        postgresql_where=text("NOT in_feed_total"),
    ),
)

favorites = Table(
    "favorites",
    Base.metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    ),
    # The article's creation time, copied by a trigger (migration 0008): the list order.
    Column("article_created_at", DateTime(timezone=True), nullable=False),
    Index(None, "article_id"),
    Index(
        "ix_favorites_user_id_article_created_at",
        "user_id",
        text("article_created_at DESC"),
        text("article_id DESC"),
    ),
)

article_tags = Table(
    "article_tags",
    Base.metadata,
    Column(
        "article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("tag_id", BigInteger, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Column("article_created_at", DateTime(timezone=True), nullable=False),
    Index(
        "ix_article_tags_tag_id_article_created_at",
        "tag_id",
        text("article_created_at DESC"),
        text("article_id DESC"),
    ),
)

article_totals = Table(
    "article_totals",
    Base.metadata,
    Column("shard", SmallInteger, primary_key=True, autoincrement=False),
    Column("articles", BigInteger, nullable=False),
)


article_days = Table(
    "article_days",
    Base.metadata,
    Column("day", Date, primary_key=True),
    # 0..15: a writer's shard (as article_totals); -1: the base a backfill counted.
    Column("shard", SmallInteger, primary_key=True, autoincrement=False),
    Column("articles", BigInteger, nullable=False),
    postgresql_with={"fillfactor": 50},
)


feed_totals = Table(
    "feed_totals",
    Base.metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("authors", Integer, nullable=False),
    Column("articles", BigInteger, nullable=False),
    # A bit per followed author, for readers of at least feed_filter_min() authors: a
    # clear bit spares the feed's walk a probe of follows (migration 0018, kept by a
    # trigger).
    Column("author_bits", LargeBinary),
    # Whether her feed is written ahead in feed_timelines (migration 0022).
    Column("timeline", Boolean, nullable=False, server_default=text("false")),
    # Room for the fan-out's updates on each page (migration 0015).
    postgresql_with={"fillfactor": 50},
)


# The feed of each reader with an author filter, written ahead (migration 0022, kept by
# triggers): her page is a range of the key.
feed_timelines = Table(
    "feed_timelines",
    Base.metadata,
    Column(
        "reader_id",
        BigInteger,
        ForeignKey("feed_totals.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("created_at", DateTime(timezone=True), primary_key=True),
    Column("article_id", BigInteger, primary_key=True, autoincrement=False),
    Index("ix_feed_timelines_article_id", "article_id"),
)

# Those readers' follows by author: the readers an article fans out to.
feed_timeline_authors = Table(
    "feed_timeline_authors",
    Base.metadata,
    Column("author_id", BigInteger, primary_key=True, autoincrement=False),
    Column(
        "reader_id",
        BigInteger,
        ForeignKey("feed_totals.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index("ix_feed_timeline_authors_reader_id", "reader_id"),
)


class UserRow(Base):
    __tablename__ = "users"
    # Room on each page for the counters' updates (migration 0014).
    __table_args__ = {"postgresql_with": {"fillfactor": 90}}

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    """Unique as written too: profiles, filters and follows look usernames up exactly."""
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    articles_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """Articles written; kept by the `article_counters_refresh` trigger (migration 0008)."""
    favorites_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """Articles favorited; kept by the `user_favorites_count_refresh` trigger."""


def ascii_lower(column: ColumnElement[str]) -> ColumnElement[str]:
    """lower() under the "C" collation: ASCII letters only, the same on every server
    (domain.values.identity_key); a unique index on it is what makes identities unique."""
    return func.lower(column.collate("C"))


_users = cast(Table, UserRow.__table__)
Index("uq_users_username_lower", ascii_lower(_users.c.username), unique=True)
Index("uq_users_email_lower", ascii_lower(_users.c.email), unique=True)


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = (
        # Carries author_id so the feed's walk answers from the index (migration 0017).
        Index(
            "ix_articles_created_at_id_author_id",
            "created_at",
            "id",
            postgresql_include=["author_id"],
        ),
        Index("ix_articles_author_id_created_at_id", "author_id", "created_at", "id"),
        Index("ix_articles_search", "search", postgresql_using="gin"),
        # Serves the taken slugs' byte range (`slug ~>=~ 'base-' AND slug ~<~ 'base.'`)
        # under any collation, where the unique index cannot.
        Index("ix_articles_slug_pattern", "slug", postgresql_ops={"slug": "text_pattern_ops"}),
        # Room on each page for favorites_count's updates (migration 0014); vacuumed
        # after 1% new rows, so the newest pages are soon all-visible (migration 0017).
        {
            "postgresql_with": {
                "fillfactor": 80,
                "autovacuum_vacuum_insert_scale_factor": 0.01,
            }
        },
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tag_list: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    """The names in article_tags, sorted: written with them, read instead of joining them."""
    favorites_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """Kept exact by the `favorites_count_refresh` trigger on favorites (migration 0006)."""
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        deferred=True,
        deferred_raiseload=True,
        # Kept in the row, so a search's walk tests it without a TOAST lookup (0019).
        info={"storage": "main"},
    )
    """Written by the `articles_search_refresh` trigger (migration 0003), never by us."""


class TagRow(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    articles_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """Articles carrying the tag (0: not in use); kept by `tag_counters_refresh`."""


class CommentRow(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_article_id_id", "article_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("articles.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WritePositionRow(Base):
    """The WAL position after each user's last write (UNLOGGED, migration 0013): written
    and read by adapters/postgres/write_positions.py on the primary only."""

    __tablename__ = "write_positions"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    lsn: Mapped[int] = mapped_column(BigInteger)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
