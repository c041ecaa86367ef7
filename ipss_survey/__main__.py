"""Allow ``python -m ipss_survey``."""

from ipss_survey.cli import main

if __name__ == "__main__":
    main()
