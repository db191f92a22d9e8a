from crm_tui.cli import main

main()
