"""Hypothesis profiles: the stories run "ci" by default and "deep" with HYPOTHESIS_PROFILE=deep.

A profile chosen with HYPOTHESIS_PROFILE applies to every property (so does
--hypothesis-profile, when pytest is pointed at this folder, whose conftest registers the
profiles). Otherwise the other properties keep hypothesis's defaults, and only the state
machines, through `story_settings`, take the short "ci" profile.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"

settings.register_profile(
    "ci",
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # A failure prints a @reproduce_failure blob that replays it exactly.
    print_blob=True,
)
settings.register_profile(
    "deep", settings.get_profile("ci"), max_examples=300, stateful_step_count=60
)
if os.environ.get(PROFILE_VARIABLE):
    settings.load_profile(os.environ[PROFILE_VARIABLE])


@pytest.fixture
def story_settings(request: pytest.FixtureRequest) -> settings:
    """The profile named by --hypothesis-profile or HYPOTHESIS_PROFILE, else "ci"."""
    chosen = request.config.getoption("hypothesis_profile", None)
    name = chosen or os.environ.get(PROFILE_VARIABLE) or "ci"
    return settings.get_profile(str(name))
