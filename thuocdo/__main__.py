from thuocdo.cli import main

raise SystemExit(main())
