"""Exit 0 when the database URL given as argument accepts connections (used by the Makefile)."""

import sys

from sqlalchemy import create_engine, text


def main(url: str) -> int:
    if not url:
        return 1
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any failure means: not available
        print(f"database not available: {exc.__class__.__name__}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
