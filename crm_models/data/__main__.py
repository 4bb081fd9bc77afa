"""``python -m crm_models.data --write DIR``: regenerate the bundled sample data sets."""

import argparse

from crm_models.data.datasets import write_samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crm_models.data",
                                     description="Regenerate the bundled sample data (byte for byte).")
    parser.add_argument("--write", metavar="DIR", required=True, help="folder for the CSV files")
    args = parser.parse_args(argv)
    for path in write_samples(args.write):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
