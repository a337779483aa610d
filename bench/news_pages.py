"""News pages and feeds as real sites serve them: the story inside navigation, ads and comments.

Used by the loopback news site of the tests (tests/news_site.py), the extraction comparison
(bench/extraction.py) and the wire-copy benchmark (bench/dedup.py). The stories are real
(Wikinews, the seed article); the page chrome follows three common layouts: a WordPress-style
blog with a comment section ("wordpress"), a modern news site with JSON-LD, a cookie banner,
ad slots, a newsletter pitch and related-story lists ("newsroom"), and an old table layout with
the story in a cell beside link columns ("legacy").
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone

LAYOUTS = ("wordpress", "newsroom", "legacy")

# Boilerplate that must never reach the index (checked by the tests and the extraction benchmark).
CHROME_MARKERS = (
    "Subscribe to our newsletter", "ADVERTISEMENT", "Leave a Reply", "Trending now", "We use cookies",
    "All rights reserved", "Most read", "Sponsored: Ten tricks", "Great article, thanks", "Log in to reply",
)


@dataclass(frozen=True)
class Story:
    title: str
    paragraphs: list[str]
    date: str  # YYYY-MM-DD
    author: str | None = None
    outlet: str = "Example News"
    url: str = "https://example.org/story"
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _nav(outlet: str) -> str:
    sections = ["World", "Politics", "Business", "Science", "Sport", "Culture", "Opinion"]
    return ('<header class="site-header"><a class="logo" href="/">' + _e(outlet) + '</a><nav class="menu"><ul>'
            + "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in sections)
            + '</ul></nav><form class="search"><input name="q" placeholder="Search"></form></header>')


def _comments() -> str:
    people = [("Marta", "Great article, thanks for covering this."), ("J. Ortiz", "Log in to reply"),
              ("anon", "This is exactly what the mainstream media will not tell you. Share before it is deleted!")]
    items = "".join(f'<li class="comment"><div class="comment-author">{_e(n)}</div><p>{_e(t)}</p>'
                    f'<a class="reply" href="#">Reply</a></li>' for n, t in people)
    return ('<section id="comments" class="comments-area"><h3>3 thoughts on this story</h3><ol class="comment-list">'
            + items + '</ol><div id="respond"><h3>Leave a Reply</h3><p>Your email address will not be published.'
            ' Required fields are marked *</p><form><textarea name="comment"></textarea>'
            '<button>Post Comment</button></form></div></section>')


def _related(outlet: str) -> str:
    heads = ["Markets slide as oil climbs", "Ten tricks to sleep better tonight", "Council approves new budget",
             "Storm warning for the weekend", "Trending now: the ferry that never was"]
    return ('<aside class="related"><h4>Most read</h4><ol>' + "".join(f'<li><a href="/r/{i}">{_e(h)}</a></li>'
                                                                  for i, h in enumerate(heads))
            + '</ol><div class="promo">Sponsored: Ten tricks doctors do not want you to know</div></aside>')


def _footer(outlet: str) -> str:
    return (f'<footer class="site-footer"><p>© 2024 {_e(outlet)}. All rights reserved.</p><ul>'
            '<li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li>'
            '<li><a href="/contact">Contact</a></li></ul></footer>')


def _head(story: Story, canonical: bool) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
          "datePublished": story.date + "T09:30:00Z", "publisher": {"@type": "Organization", "name": story.outlet}}
    if story.author:
        ld["author"] = {"@type": "Person", "name": story.author}
    meta = [f'<meta charset="utf-8"><title>{_e(story.title)} | {_e(story.outlet)}</title>',
            f'<meta property="og:title" content="{_e(story.title)}">',
            f'<meta property="og:site_name" content="{_e(story.outlet)}">',
            f'<meta property="article:published_time" content="{story.date}T09:30:00Z">',
            f'<script type="application/ld+json">{json.dumps(ld)}</script>',
            '<script>window.dataLayer=[];function track(){}</script><style>.ad{min-height:250px}</style>']
    if canonical:
        meta.append(f'<link rel="canonical" href="{_e(story.url)}">')
    if story.author:
        meta.append(f'<meta name="author" content="{_e(story.author)}">')
    return "<head>" + "".join(meta) + "</head>"


def news_page(story: Story, layout: str = "newsroom", canonical: bool = True) -> str:
    """A full HTML page carrying ``story`` in one of the ``LAYOUTS``."""
    body_paragraphs = [f"<p>{_e(p)}</p>" for p in story.paragraphs]
    byline = (f'<p class="byline">By <span class="author">{_e(story.author)}</span> · '
              f'<time datetime="{story.date}">{story.date}</time></p>') if story.author else \
        f'<p class="byline"><time datetime="{story.date}">{story.date}</time></p>'
    if layout == "wordpress":
        body = (_nav(story.outlet) + '<div id="page"><main id="main"><article class="post">'
                f'<header class="entry-header"><h1 class="entry-title">{_e(story.title)}</h1>{byline}</header>'
                '<div class="entry-content">' + "".join(body_paragraphs)
                + '<div class="sharedaddy"><h3>Share this:</h3><ul><li>Facebook</li><li>Twitter</li><li>Email</li></ul></div>'
                '</div></article>' + _comments() + '</main>'
                '<aside id="secondary"><section class="widget"><h2>Subscribe to our newsletter</h2>'
                '<form><input name="email"><button>Subscribe</button></form></section></aside></div>'
                + _footer(story.outlet))
    elif layout == "newsroom":
        middle = len(body_paragraphs) // 2
        ad = '<div class="ad ad-slot" aria-label="advertisement">ADVERTISEMENT</div>'
        body = ('<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>'
                + _nav(story.outlet) + '<div class="ad leaderboard">ADVERTISEMENT</div><main><article>'
                f'<h1>{_e(story.title)}</h1>{byline}<figure><img src="/photo.jpg" alt="">'
                '<figcaption>File photo.</figcaption></figure><div class="article-body">'
                + "".join(body_paragraphs[:middle]) + ad
                + '<div class="newsletter-box"><strong>Subscribe to our newsletter</strong>'
                '<p>The day\'s top stories in your inbox every morning.</p></div>'
                + "".join(body_paragraphs[middle:]) + '</div></article>' + _related(story.outlet)
                + '<section class="trending"><h4>Trending now</h4><ul><li><a href="/t1">Celebrity weds in secret</a>'
                '</li><li><a href="/t2">Prices to rise again</a></li></ul></section></main>' + _footer(story.outlet))
    elif layout == "legacy":
        links = "".join(f'<a href="/l{i}">Section {i}</a><br>' for i in range(1, 9))
        body = ('<table width="100%"><tr><td colspan="3">' + _nav(story.outlet) + '</td></tr><tr>'
                f'<td class="left" width="150">{links}<p>Most read</p></td><td class="content">'
                f'<h2>{_e(story.title)}</h2>{byline}' + "".join(body_paragraphs)
                + '</td><td class="right" width="160"><div>ADVERTISEMENT</div><div>Sponsored: Ten tricks to save</div>'
                '</td></tr><tr><td colspan="3">' + _footer(story.outlet) + '</td></tr></table>')
    else:
        raise ValueError(f"unknown layout {layout!r}; one of {LAYOUTS}")
    return f'<!DOCTYPE html><html lang="en">{_head(story, canonical)}<body>{body}</body></html>'


def _rfc822(date: str) -> str:
    return format_datetime(datetime.fromisoformat(date).replace(hour=9, minute=30, tzinfo=timezone.utc))


def rss_feed(title: str, link: str, items: list[tuple[Story, str]]) -> str:
    """RSS 2.0 listing ``(story, page URL)`` pairs."""
    entries = "".join(
        f"<item><title>{_e(s.title)}</title><link>{_e(url)}</link><guid>{_e(url)}</guid>"
        f"<pubDate>{_rfc822(s.extra.get('updated', s.date))}</pubDate>"
        f"<description>{_e(s.paragraphs[0][:200])}</description></item>"
        for s, url in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{_e(title)}</title>'
            f"<link>{_e(link)}</link><description>{_e(title)}</description>{entries}</channel></rss>")


def atom_feed(title: str, link: str, items: list[tuple[Story, str]]) -> str:
    """Atom 1.0 listing ``(story, page URL)`` pairs."""
    entries = "".join(
        f'<entry><title>{_e(s.title)}</title><link rel="alternate" href="{_e(url)}"/><id>{_e(url)}</id>'
        f"<updated>{s.extra.get('updated', s.date)}T09:30:00Z</updated><published>{s.date}T09:30:00Z</published>"
        f"<summary>{_e(s.paragraphs[0][:200])}</summary></entry>"
        for s, url in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{_e(title)}</title>'
            f'<link href="{_e(link)}"/><id>{_e(link)}</id><updated>2024-01-01T00:00:00Z</updated>{entries}</feed>')
