"""wrk Lua scripts for each scenario; the data (tokens, slugs, names) is baked into the script."""

from __future__ import annotations

import json
from dataclasses import dataclass

from domain.views import MAX_OFFSET

FRONT_PAGES_END = 500
"""list_anon and list_auth page through the newest 500 articles, at any size."""

# Printed by every script when wrk finishes; run.py parses the line after the marker.
DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write("BENCH-JSON ")
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""

COMMON = r"""
math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
local function pick(list) return list[math.random(#list)] end
local function auth() return {["Authorization"] = "Token " .. pick(TOKENS)} end
"""


@dataclass(frozen=True)
class BenchData:
    tokens: list[str]
    slugs: list[str]
    usernames: list[str]
    tags: list[str]
    article_count: int
    popular_tag: str
    heavy_token: str
    """A reader following many authors (5,000 at a million articles)."""
    search_word: str = "the"
    """A word in (nearly) every article of both the demo and the bulk data."""
    max_offset: int = MAX_OFFSET


def _lua_list(values: list[str]) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def _header(data: BenchData) -> str:
    return (
        f"TOKENS = {_lua_list(data.tokens)}\n"
        f"SLUGS = {_lua_list(data.slugs)}\n"
        f"USERS = {_lua_list(data.usernames)}\n"
        f"TAGS = {_lua_list(data.tags)}\n"
        f"ARTICLES = {data.article_count}\n"
        f"POPULAR_TAG = {json.dumps(data.popular_tag)}\n"
        f"HEAVY_TOKEN = {json.dumps(data.heavy_token)}\n"
        f"SEARCH_WORD = {json.dumps(data.search_word)}\n"
        f"MAX_OFFSET = {data.max_offset}\n"
        f"FRONT = {FRONT_PAGES_END}\n" + COMMON
    )


_BODIES = {
    "livez": r"""
request = function() return wrk.format("GET", "/livez") end
""",
    "list_anon": r"""
request = function()
  return wrk.format("GET", "/api/articles?limit=20&offset=" .. math.random(0, math.max(math.min(ARTICLES, FRONT) - 20, 0)))
end
""",
    "list_auth": r"""
request = function()
  return wrk.format("GET", "/api/articles?limit=20&offset=" .. math.random(0, math.max(math.min(ARTICLES, FRONT) - 20, 0)), auth())
end
""",
    "list_deep": r"""
request = function()
  return wrk.format("GET", "/api/articles?limit=20&offset=" .. math.random(0, math.max(math.min(ARTICLES - 20, MAX_OFFSET), 0)), auth())
end
""",
    "tag": r"""
request = function()
  return wrk.format("GET", "/api/articles?limit=20&tag=" .. POPULAR_TAG .. "&offset=" .. math.random(0, 100), auth())
end
""",
    "search_common": r"""
request = function()
  return wrk.format("GET", "/api/articles?limit=20&q=" .. SEARCH_WORD, auth())
end
""",
    "feed_heavy": r"""
request = function()
  return wrk.format("GET", "/api/articles/feed?limit=20&offset=" .. math.random(0, 40), {["Authorization"] = "Token " .. HEAVY_TOKEN})
end
""",
    "feed": r"""
request = function()
  return wrk.format("GET", "/api/articles/feed?limit=20&offset=" .. math.random(0, 40), auth())
end
""",
    "article": r"""
request = function() return wrk.format("GET", "/api/articles/" .. pick(SLUGS), auth()) end
""",
    "comments": r"""
request = function() return wrk.format("GET", "/api/articles/" .. pick(SLUGS) .. "/comments", auth()) end
""",
    "read_mix": r"""
local step = 0
request = function()
  step = step % 5 + 1
  if step == 1 then return wrk.format("GET", "/api/tags") end
  if step == 2 then return wrk.format("GET", "/api/articles/" .. pick(SLUGS), auth()) end
  if step == 3 then return wrk.format("GET", "/api/articles/" .. pick(SLUGS) .. "/comments", auth()) end
  if step == 4 then return wrk.format("GET", "/api/profiles/" .. pick(USERS), auth()) end
  return wrk.format("GET", "/api/articles?limit=20&offset=" .. math.random(0, math.max(math.min(ARTICLES, FRONT) - 20, 0)), auth())
end
""",
    "write_mix": r"""
-- Each connection cycles: create an article with 3 tags, favorite it, unfavorite it,
-- comment on it; the slug comes from the create response.
local step, slug, token, counter = 0, nil, nil, 0
local json_headers = function()
  return {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}
end
request = function()
  step = step % 4 + 1
  if step == 1 or slug == nil then
    step = 1
    token = pick(TOKENS)
    counter = counter + 1
    local body = string.format(
      '{"article":{"title":"Bench article %d %d","description":"Measured.","body":"%s","tagList":["%s","%s","%s"]}}',
      math.random(1, 1000000000), counter, string.rep("The lorem ipsum dolor sit amet. ", 40),
      pick(TAGS), pick(TAGS), pick(TAGS))
    return wrk.format("POST", "/api/articles", json_headers(), body)
  end
  if step == 2 then return wrk.format("POST", "/api/articles/" .. slug .. "/favorite", json_headers()) end
  if step == 3 then return wrk.format("DELETE", "/api/articles/" .. slug .. "/favorite", json_headers()) end
  return wrk.format("POST", "/api/articles/" .. slug .. "/comments", json_headers(),
    '{"comment":{"body":"A measured comment."}}')
end
response = function(status, headers, body)
  if step == 1 then
    slug = status == 201 and body:match('"slug":"([^"]+)"') or nil
  end
end
""",
}

# write_mix last: it adds articles, and the bulk database is kept between runs.
SCENARIOS = [name for name in _BODIES if name != "write_mix"] + ["write_mix"]


def script(name: str, data: BenchData) -> str:
    return _header(data) + _BODIES[name] + DONE
