"""Tags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from application.articles import ListTags
from entrypoints.http import presenters, schemas
from entrypoints.http.dependencies import provide
from entrypoints.http.routers import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["Tags"])


@router.get("/tags", response_model=schemas.TagsResponse, summary="Every tag in use")
async def list_tags(use_case: Annotated[ListTags, provide(lambda c: c.list_tags())]) -> Response:
    return presenters.JSON(presenters.tags(await use_case()))
