"""HTTP request and response shapes: what /docs shows and what requests must look like.

Request fields are optional here on purpose: a blank or missing field is the use case's
422 ("can't be blank"), checked after authentication, existence and ownership.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NewUser(_Request):
    username: str | None = None
    email: str | None = None
    password: str | None = None


class NewUserRequest(_Request):
    user: NewUser


class LoginUser(_Request):
    email: str | None = None
    password: str | None = None


class LoginUserRequest(_Request):
    user: LoginUser


class UpdateUser(_Request):
    email: str | None = None
    username: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None


class UpdateUserRequest(_Request):
    user: UpdateUser


class NewArticle(_Request):
    title: str | None = None
    description: str | None = None
    body: str | None = None
    tag_list: list[str] | None = Field(default=None, alias="tagList")


class NewArticleRequest(_Request):
    article: NewArticle


class UpdateArticle(_Request):
    title: str | None = None
    description: str | None = None
    body: str | None = None
    tag_list: list[str] | None = Field(default=None, alias="tagList")


class UpdateArticleRequest(_Request):
    article: UpdateArticle


class NewComment(_Request):
    body: str | None = None


class NewCommentRequest(_Request):
    comment: NewComment


class User(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(BaseModel):
    user: User


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(BaseModel):
    profile: Profile


class Article(BaseModel):
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
    author: Profile


class ArticleResponse(BaseModel):
    article: Article


class ArticleListItem(BaseModel):
    """An article in a list: like Article, but without `body`."""

    model_config = ConfigDict(populate_by_name=True)

    slug: str
    title: str
    description: str
    tag_list: list[str] = Field(alias="tagList")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
    favorited: bool
    favorites_count: int = Field(alias="favoritesCount")
    author: Profile


class MultipleArticlesResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    articles: list[ArticleListItem]
    articles_count: int = Field(alias="articlesCount")


class Comment(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
    body: str
    author: Profile


class CommentResponse(BaseModel):
    comment: Comment


class MultipleCommentsResponse(BaseModel):
    comments: list[Comment]


class TagsResponse(BaseModel):
    tags: list[str]


class ErrorResponse(BaseModel):
    errors: dict[str, list[str]] = Field(examples=[{"body": ["can't be blank"]}])
