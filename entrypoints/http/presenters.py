"""Views to JSON, serialised once with orjson (response models only document the shape)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response

from domain.views import ArticlePage, ArticleView, CommentView, ProfileView, UserView


def timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds, as clients parse it: 2026-02-18T03:22:56.637Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def user(view: UserView) -> dict[str, Any]:
    return {
        "user": {
            "email": view.email,
            "token": view.token,
            "username": view.username,
            "bio": view.bio,
            "image": view.image,
        }
    }


def _profile(view: ProfileView) -> dict[str, Any]:
    return {
        "username": view.username,
        "bio": view.bio,
        "image": view.image,
        "following": view.following,
    }


def profile(view: ProfileView) -> dict[str, Any]:
    return {"profile": _profile(view)}


def _article(view: ArticleView) -> dict[str, Any]:
    item: dict[str, Any] = {
        "slug": view.slug,
        "title": view.title,
        "description": view.description,
    }
    if view.body is not None:
        item["body"] = view.body
    item.update(
        {
            "tagList": list(view.tags),
            "createdAt": timestamp(view.created_at),
            "updatedAt": timestamp(view.updated_at),
            "favorited": view.favorited,
            "favoritesCount": view.favorites_count,
            "author": _profile(view.author),
        }
    )
    return item


def article(view: ArticleView) -> dict[str, Any]:
    return {"article": _article(view)}


def articles(page: ArticlePage) -> dict[str, Any]:
    return {"articles": [_article(a) for a in page.articles], "articlesCount": page.count}


def _comment(view: CommentView) -> dict[str, Any]:
    return {
        "id": view.id,
        "createdAt": timestamp(view.created_at),
        "updatedAt": timestamp(view.updated_at),
        "body": view.body,
        "author": _profile(view.author),
    }


def comment(view: CommentView) -> dict[str, Any]:
    return {"comment": _comment(view)}


def comments(views: list[CommentView]) -> dict[str, Any]:
    return {"comments": [_comment(c) for c in views]}


def tags(names: list[str]) -> dict[str, Any]:
    return {"tags": names}
