"""``python -m polysynergy_nodes_content`` runs the command-line tool."""

from polysynergy_nodes_content.cli.main import main

if __name__ == "__main__":
    main()
