from vixens_tui.cli import main

raise SystemExit(main())
