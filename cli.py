"""capplan's command line; the commands live in the package (`capplan.cli`)."""

from capplan.cli import main

if __name__ == "__main__":
    main()
