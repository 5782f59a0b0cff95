"""``python -m lingoflow.flows.cli``: the same as the ``lingoflow`` command."""

from lingoflow.flows.cli import main

raise SystemExit(main())
