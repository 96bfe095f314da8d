from musictool_tray.app import main

raise SystemExit(main())
