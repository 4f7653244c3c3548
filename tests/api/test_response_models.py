"""Response shapes have one source: each presenter writes exactly its documented model."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from domain.views import ArticlePage, ArticleView, CommentView, ProfileView, UserView
from entrypoints.http import presenters, schemas
from entrypoints.http.errors import error_response

MOMENT = datetime(2026, 2, 18, 3, 22, 56, 637_000, tzinfo=UTC)
JAKE = ProfileView("jake", bio=None, image=None, following=False)
ARTICLE = ArticleView(
    slug="how-to-train-your-dragon",
    title="How to train your dragon",
    description="Ever wonder how?",
    body="Very carefully.",
    tags=("dragons", "training"),
    created_at=MOMENT,
    updated_at=MOMENT,
    favorited=True,
    favorites_count=1,
    author=JAKE,
)
LISTED = replace(ARTICLE, body=None)
COMMENT = CommentView(id=1, created_at=MOMENT, updated_at=MOMENT, body="Nice!", author=JAKE)


def _error_body() -> Any:
    return orjson.loads(error_response(422, {"title": ["can't be blank"]}).body)


PRESENTED: list[tuple[str, Any, type[BaseModel]]] = [
    (
        "user",
        presenters.user(UserView("j@x.io", "t.o.k", "jake", None, None)),
        schemas.UserResponse,
    ),
    (
        "profile",
        presenters.profile(replace(JAKE, bio="I work", image="https://i/j.png", following=True)),
        schemas.ProfileResponse,
    ),
    ("article", presenters.article(ARTICLE), schemas.ArticleResponse),
    ("articles", presenters.articles(ArticlePage([LISTED], 1)), schemas.MultipleArticlesResponse),
    ("no articles", presenters.articles(ArticlePage([], 0)), schemas.MultipleArticlesResponse),
    ("comment", presenters.comment(COMMENT), schemas.CommentResponse),
    ("comments", presenters.comments([COMMENT]), schemas.MultipleCommentsResponse),
    ("tags", presenters.tags(["dragons", "training"]), schemas.TagsResponse),
    ("error", _error_body(), schemas.ErrorResponse),
]


@pytest.mark.parametrize(
    ("presented", "model"),
    [(body, model) for _, body, model in PRESENTED],
    ids=[name for name, _, _ in PRESENTED],
)
def test_each_presenter_writes_exactly_its_documented_response_model(
    presented: Any, model: type[BaseModel]
) -> None:
    documented = model.model_validate(presented, strict=True)

    assert documented.model_dump(by_alias=True) == presented
