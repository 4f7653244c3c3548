"""Use cases of profiles and follows."""

from __future__ import annotations

from application.acting_user import acting_user
from application.transactions import retry
from domain.errors import CannotFollowYourself, ProfileNotFound, UnknownUser
from domain.model import UserId
from domain.ports import ProfileQueries, UnitOfWork
from domain.views import ProfileView


class GetProfile:
    def __init__(self, queries: ProfileQueries) -> None:
        self._queries = queries

    async def __call__(self, username: str, viewer_id: UserId | None) -> ProfileView:
        profile = await self._queries.profile(username, viewer_id)
        if profile is None:
            raise ProfileNotFound(username)
        return profile


class FollowProfile:
    """Follow or unfollow; following yourself is refused, unfollowing yourself is allowed
    (it removes a self-follow stored before the rule existed)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @retry()
    @acting_user
    async def __call__(self, viewer_id: UserId, username: str, *, follow: bool) -> ProfileView:
        async with self._uow as uow:
            followee = await uow.users.get_by_username(username)
            if followee is None:
                raise ProfileNotFound(username)
            if follow and followee.id == viewer_id:
                raise CannotFollowYourself()
            if follow:
                await uow.follows.add(viewer_id, followee.id)  # a foreign key proves the viewer
            elif await uow.users.get(viewer_id) is None:
                raise UnknownUser()  # removing nothing would prove nothing
            else:
                await uow.follows.remove(viewer_id, followee.id)
            await uow.commit()
        return ProfileView(
            username=followee.username,
            bio=followee.bio,
            image=followee.image,
            following=follow,
        )
