"""Assembles the teaching page into one self-contained HTML file: web/index.html with
web/style.css, the Emscripten module (WebAssembly inlined by -sSINGLE_FILE=1) and web/app.js
put inline, and the package version from pyproject.toml. Used by ``make web``.

    python3 web/build_page.py build-web/ketasim_web.js build-web/ketasim.html
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent


def inline_script(code: str) -> str:
    # "</script" inside the code would end the element early; "<\/script" is the same JS string.
    return "<script>\n" + code.replace("</script", "<\\/script") + "\n</script>"


def replace_once(html: str, tag: str, replacement: str) -> str:
    if html.count(tag) != 1:
        raise SystemExit(f"build_page.py: web/index.html must contain {tag!r} exactly once")
    return html.replace(tag, replacement)


def main(module_js: str, out_html: str) -> None:
    html = (WEB / "index.html").read_text(encoding="utf-8")
    version = re.search(r'^version\s*=\s*"([^"]+)"',
                        (WEB.parent / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    html = replace_once(html, '<link rel="stylesheet" href="style.css">',
                        "<style>\n" + (WEB / "style.css").read_text(encoding="utf-8") + "</style>")
    html = replace_once(html, '<script src="ketasim_web.js"></script>',
                        inline_script(Path(module_js).read_text(encoding="utf-8")))
    html = replace_once(html, '<script src="app.js"></script>',
                        inline_script((WEB / "app.js").read_text(encoding="utf-8")))
    html = replace_once(html, "<body>",
                        f'<body data-version="{version.group(1) if version else ""}">')
    Path(out_html).write_text(html, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
