"""News from the web: feeds and article pages in, stored raw with what was extracted.

- ``fetch``   one HTTP GET with timeouts, a size cap, a clear User-Agent and few redirects;
- ``feeds``   RSS/Atom parsing (feedparser) and conditional polling state (ETag/Last-Modified);
- ``extract`` main text, title, author and date of a page (trafilatura + htmldate);
- ``web``     fetched pages saved under ``<data_dir>/web`` and ingested from there;
- ``watch``   following feeds over time.
"""
