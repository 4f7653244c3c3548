"""HTTP request and response shapes: what /docs shows and what requests must look like.

`*Request` is a request's whole body and `*Body` the object inside it (`{"article": ...}`);
`*Response` is a response's whole body and `*Out` an object inside it. The presenters
write the responses; a test holds them to these models.

Request fields are optional here on purpose: a blank or missing field is the use case's
422 ("can't be blank"), checked after authentication, existence and ownership.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NewUserBody(_Request):
    username: str | None = None
    email: str | None = None
    password: str | None = None


class NewUserRequest(_Request):
    user: NewUserBody


class LoginUserBody(_Request):
    email: str | None = None
    password: str | None = None


class LoginUserRequest(_Request):
    user: LoginUserBody


class UpdateUserBody(_Request):
    email: str | None = None
    username: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None


class UpdateUserRequest(_Request):
    user: UpdateUserBody


class NewArticleBody(_Request):
    title: str | None = None
    description: str | None = None
    body: str | None = None
    tag_list: list[str] | None = Field(default=None, alias="tagList")


class NewArticleRequest(_Request):
    article: NewArticleBody


class UpdateArticleBody(_Request):
    title: str | None = None
    description: str | None = None
    body: str | None = None
    tag_list: list[str] | None = Field(default=None, alias="tagList")


class UpdateArticleRequest(_Request):
    article: UpdateArticleBody


class NewCommentBody(_Request):
    body: str | None = None


class NewCommentRequest(_Request):
    comment: NewCommentBody


class UserOut(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(BaseModel):
    user: UserOut


class ProfileOut(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(BaseModel):
    profile: ProfileOut


class ArticleOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    slug: str
    title: str
    description: str
    body: str
    tag_list: list[str] = Field(alias="tagList")
    created_at: str = Field(alias="createdAt", examples=["2026-02-18T03:22:56.637Z"])
    updated_at: str = Field(alias="updatedAt", examples=["2026-02-18T03:22:56.637Z"])
    favorited: bool
    favorites_count: int = Field(alias="favoritesCount")
    author: ProfileOut


class ArticleResponse(BaseModel):
    article: ArticleOut


class ArticleListItem(BaseModel):
    """An article in a list: like ArticleOut, but without `body`."""

    model_config = ConfigDict(populate_by_name=True)

    slug: str
    title: str
    description: str
    tag_list: list[str] = Field(alias="tagList")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
    favorited: bool
    favorites_count: int = Field(alias="favoritesCount")
    author: ProfileOut


class MultipleArticlesResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    articles: list[ArticleListItem]
    articles_count: int = Field(alias="articlesCount")


class CommentOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
    body: str
    author: ProfileOut


class CommentResponse(BaseModel):
    comment: CommentOut


class MultipleCommentsResponse(BaseModel):
    comments: list[CommentOut]


class TagsResponse(BaseModel):
    tags: list[str]


class ErrorResponse(BaseModel):
    errors: dict[str, list[str]] = Field(examples=[{"body": ["can't be blank"]}])
