from casehub.cli import main

main()
